"""Link each PERSON to the TITLE and organisation the sentence gives it.

Sets ``Doc._.officials``: list of dicts with keys
    person (str), person_start (int), person_end (int): the name mention (char offsets),
    title (str | None), organization (str | None),
    organization_source (str | None): where the organisation came from, most reliable first:
        "phrase"     named in the official's own phrase;
        "reference"  a generic noun in the phrase ("of the college") resolved to the
                     institution of that kind named before;
        "delegation" the delegation the official heads ("a delegation from Jixi headed by
                     Mayor Zhao Ming");
        "context"    the institution the story was just talking about;
        None         no organisation;
    nationality (str | None): an adjective before the title ("Russian" ambassador),
    evidence_start (int), evidence_end (int): the phrase that links them (char offsets).
Names are normalised later (pipeline.records); this component reads the surface order in
which news writes officials. A *post* is a TITLE with what its phrase says about it:

    [ORG|GPE ('s) | generic noun | Nationality] TITLE [(of|at|in|from|to) (the) ORG|GPE|generic]...

    Director Zhao Haiying                         post, name
    Moscow Vice-Mayor M. Men                      GPE before the title
    Heilongjiang University rector Wang Lei       institution before the title
    school director Yu.A. Gavrilova               generic noun before the title
    Russian ambassador to China Igor Rogachev     nationality; "to" names no employer
    Consul General of Russia in Harbin S. Ivanov  the first "of/at/in/from" organisation
    Deputy Head of the International Department of the Administration of Khabarovsk Krai
        Ivan Sidorov                              the "of" chain is one INSTITUTION (merger)
    Principal of the gymnasium Yekaterina Orlova  generic noun -> the gymnasium named before
    Head of Obluchye Vladimir Gusev               capitalised words no entity covers
    Marina Akshonova, Director of the Education Department of Krasnoyarsk City Government
    Wang Lei, rector of Heilongjiang University,  apposition after the name
    Director Li Changni of the Foreign Exchange Center   "of ORG" after the name
    Li Dongying from the Foreign Exchange Center  an organisation without a title
    Editor: LI Ye                                 byline field

Posts joined by "and" form a chain ("Secretary of the Party Committee and President of Harbin
Normal University"), unless a bare title after a fuller post introduces a name of its own
("deputy director of the committee and Director Li Changni": two people). One post is reported per person, chosen in this order:
    1. the first post whose organisation names a place (a GPE, or an institution with a city,
       region or country in its name): "Harbin Normal University" beats "Party Committee",
       which could be anybody's;
    2. else the first post with an organisation (named or a generic noun);
    3. else the first post.
Which person a post belongs to, when it stands between two names ("A, Head of X, B ..."):
a post right before a name (nothing or only honorifics between) is that name's; else a post
right after a name and a comma is an apposition to it; else a post followed by a comma and a
name ("the president of the college, Professor Gao Jianhua") is the following name's.

A titled person whose phrase names no organisation takes, in this order,
    - the organisation of the official just before them when joined by "and" ("Wang Dehai,
      Party Secretary of the college, and Vice President Bao Yuling");
    - the place or institution of the delegation they head ("a delegation of Irkutsk Aviation
      Technical College headed by Director Andrei Barkov");
    - the nearest institution named before them in the same sentence or the sentence before,
      unless another person was named in between, and unless that
      institution is another official's own ("Ma Xindong, Inspector General of Jinan
      Municipal Education Bureau, Principal Ding Zhaohua": the bureau is Ma's). Byline fields
      ("Editor: LI Ye") take nothing from the story.
An organisation written as an acronym is replaced by the institution of the story whose
initials it is ("rector of ZSU" -> "Zeya State University"), and a short form by the fullest
name of the story that starts with it ("Ningbo Hengda Auto Parts" -> "... Co., Ltd.").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from pipeline.components.base import RulesComponent
from pipeline.labels import DELEGATION, FACTORY_OFFICIALS, GPE, INSTITUTION, PERSON, TITLE
from pipeline.normalize.institutions import has_institution_keyword, is_short_form, normalize_institution
from pipeline.normalize.names import CULTURE_COUNTRIES, normalize_person
from pipeline.normalize.places import find_place, resolve_place
from pipeline.rules import PATTERNS_DIR, read_csv_table

HONORIFICS_FILE = PATTERNS_DIR / "honorifics.csv"

ORG_LABELS = (INSTITUTION, GPE)

# Words between the parts of an official's phrase. They are grammar, not vocabulary:
# the vocabulary (titles, institutions, honorifics) lives in patterns/.
#: After a name, before its apposition: "Marina Akshonova, Director of ...".
APPOSITION_GAPS: frozenset[tuple[str, ...]] = frozenset({
    (",",), (",", "the"), (",", "a"), (",", "an"), (",", "now"), (",", "currently"), (",", "also"),
    (",", "who", "is"), (",", "who", "is", "the"), (",", "who", "was"), (",", "who", "was", "the"),
    ("(",), (",", "as"), (",", "its"), ("is",), ("is", "the"), ("—",), ("–",),
})
#: After a post, before the name it introduces (honorifics may stand in between as well).
PRENOMINAL_GAPS: frozenset[tuple[str, ...]] = frozenset({(), (":",)})
#: A weaker link: "the president of the college, Professor Gao Jianhua".
PRENOMINAL_COMMA_GAPS: frozenset[tuple[str, ...]] = frozenset({(",",)})
#: Most tokens between a post and the name it introduces (honorifics included).
MAX_PRENOMINAL_GAP = 4
#: Prepositions that attach an organisation to a title; "to" names where an envoy is sent.
ORG_PREPOSITIONS = frozenset({"of", "at", "in", "from"})
CHAIN_PREPOSITIONS = ORG_PREPOSITIONS | {"to"}
#: Between two posts of one person.
CHAIN_GAPS: frozenset[tuple[str, ...]] = frozenset({("and",), ("and", "concurrently"), ("and", "also")})
#: Between a name and an organisation without a title: "Li Dongying from the Foreign Exchange Center".
NAME_TO_ORG_GAPS: frozenset[tuple[str, ...]] = frozenset({
    ("from",), ("from", "the"), ("of",), ("of", "the"), ("at",), ("at", "the"),
})
#: Only an institution may follow a name and a comma ("Wang Lei, Heilongjiang University, said").
NAME_COMMA_ORG_GAPS: frozenset[tuple[str, ...]] = frozenset({(",",), (",", "the")})
#: Between two coordinated officials who share an organisation.
COORDINATION_GAPS: frozenset[tuple[str, ...]] = frozenset({("and",), (",", "and"), ("and", "the"), (",", "and", "the")})
#: Words before a delegation's leader: "a delegation from Jixi headed by Mayor Zhao Ming".
LEADER_GAPS: frozenset[tuple[str, ...]] = frozenset({
    ("headed", "by"), ("led", "by"), ("headed", "by", "its"), ("led", "by", "its"),
    ("headed", "by", "the"), ("led", "by", "the"),
})
#: A generic noun may carry this many modifiers ("the regional perinatal centre").
MAX_GENERIC_MODIFIERS = 3
#: Longest run of capitalised words taken as an organisation no entity covers ("Head of Obluchye").
MAX_UNTAGGED_ORG_TOKENS = 4

SOURCE_PHRASE = "phrase"
SOURCE_REFERENCE = "reference"
SOURCE_DELEGATION = "delegation"
SOURCE_CONTEXT = "context"


# The normalisers are pure; the same words recur in every article, so their answers are cached.
@lru_cache(maxsize=16384)
def _has_keyword(text: str) -> bool:
    return has_institution_keyword(text)


@lru_cache(maxsize=16384)
def _institution_key(text: str) -> str:
    return normalize_institution(text)


@lru_cache(maxsize=16384)
def _names_place(text: str) -> bool:
    return resolve_place(text) is not None or find_place(text) is not None


@dataclass
class Post:
    """A TITLE and what its phrase says about it; ``start``/``end`` cover the whole phrase."""

    title: Span
    start: int
    end: int
    org: Span | None = None
    generic: Token | None = None
    nationality: str | None = None
    chain: list["Post"] = field(default_factory=list)  # this post and those joined to it by "and"


@dataclass
class Link:
    """One person with the post and organisation the text gives them."""

    person: Span
    post: Post | None = None
    chain: list[Post] = field(default_factory=list)  # every post the phrase gives them
    org: Span | None = None
    org_source: str | None = None
    byline: bool = False
    phrase_start: int = 0
    phrase_end: int = 0

    @property
    def title(self) -> Span | None:
        return self.post.title if self.post is not None else None

    def as_row(self) -> dict[str, Any]:
        doc = self.person.doc
        start = min(self.phrase_start, self.person.start)
        end = max(self.phrase_end, self.person.end)
        return {
            "person": self.person.text,
            "person_start": self.person.start_char,
            "person_end": self.person.end_char,
            "title": self.title.text if self.title is not None else None,
            "organization": self.org.text if self.org is not None else None,
            "organization_source": self.org_source if self.org is not None else None,
            "nationality": self.post.nationality if self.post is not None else None,
            "evidence_start": doc[start].idx,
            "evidence_end": doc[end - 1].idx + len(doc[end - 1].text),
        }


# --------------------------------------------------------------------------- doc index


class DocIndex:
    """Entities by token position and sentence numbers of tokens, for one Doc."""

    def __init__(self, doc: Doc, honorifics: Iterable[str] = ()) -> None:
        self.doc = doc
        self.honorifics = frozenset(h.casefold().rstrip(".") for h in honorifics)
        self.ents = list(doc.ents)
        self.starting = {e.start: e for e in self.ents}
        self.ending = {e.end: e for e in self.ents}
        self.covered = {i for e in self.ents for i in range(e.start, e.end)}
        self.institution_heads = _institution_heads(self.ents)
        annotated = doc.has_annotation("SENT_START")
        sentence = 0
        self.sent_of: list[int] = []
        for token in doc:
            if annotated and token.is_sent_start and token.i > 0:
                sentence += 1
            self.sent_of.append(sentence)

    def sentence_words(self, i: int) -> tuple[str, ...]:
        """The lower-cased words of the sentence of token ``i`` (sentences are contiguous)."""
        start = end = i
        while start > 0 and self.sent_of[start - 1] == self.sent_of[i]:
            start -= 1
        while end < len(self.doc) and self.sent_of[end] == self.sent_of[i]:
            end += 1
        return self.words(start, end)

    def same_sentence(self, a: int, b: int) -> bool:
        n = len(self.doc)
        return 0 <= a < n and 0 <= b < n and self.sent_of[a] == self.sent_of[b]

    def words(self, start: int, end: int) -> tuple[str, ...]:
        """The lower-cased words of [start, end), whitespace tokens left out."""
        return tuple(t.lower_ for t in self.doc[start:end] if not t.is_space)

    def words_without_honorifics(self, start: int, end: int) -> tuple[str, ...]:
        return tuple(w for w in self.words(start, end) if w.rstrip(".") not in self.honorifics)


def _institution_heads(ents: Iterable[Span]) -> frozenset[str]:
    """Head nouns of the named institutions: the last word, and the word before the first "of"
    ("Branch" of "Sverdlovsk Regional Branch of the Society ..."), lower-cased."""
    heads: set[str] = set()
    for ent in ents:
        if ent.label_ != INSTITUTION:
            continue
        words = [t for t in ent if t.is_alpha]
        if words and words[-1].is_title:
            heads.add(words[-1].lower_)
        of = next((t for t in ent if t.lower_ == "of"), None)
        if of is not None and of.i > ent.start and ent.doc[of.i - 1].is_title:
            heads.add(ent.doc[of.i - 1].lower_)
    return frozenset(heads)


def _is_generic_noun(token: Token, index: DocIndex) -> bool:
    """A bare institution word no entity covers: "college", "the Centre", "branch"."""
    if not token.is_alpha or token.i in index.covered:
        return False
    return token.lower_ in index.institution_heads or _has_keyword(token.text)


def _is_bare_keyword(ent: Span) -> bool:
    """A one-word INSTITUTION that is only an institution noun ("Centre", "University")."""
    token = ent[0]
    return ent.label_ == INSTITUTION and len(ent) == 1 and token.is_alpha and not token.is_upper \
        and _has_keyword(token.text) and resolve_place(token.text) is None


def _generic_at(index: DocIndex, i: int) -> Token | None:
    """The generic noun at ``i`` after at most a few modifiers ("the Chinese hospital"), or None."""
    doc = index.doc
    for j in range(i, min(i + MAX_GENERIC_MODIFIERS + 1, len(doc))):
        if not index.same_sentence(i, j) or j in index.covered:
            return None
        token = doc[j]
        if _is_generic_noun(token, index):
            following = doc[j + 1] if j + 1 < len(doc) else None
            # A capitalised word next means a name no entity covers ("the Harbin Institute Kindergarten").
            if following is not None and following.i not in index.covered and following.is_title \
                    and index.same_sentence(j, following.i):
                return None
            return token
        modifier = token.is_alpha and (token.is_lower or (token.is_title and token.pos_ == "ADJ"))
        if not modifier:
            return None
    return None


def _untagged_run_end(index: DocIndex, i: int) -> int:
    """End of the run of capitalised words no entity covers that starts at ``i`` (at most
    MAX_UNTAGGED_ORG_TOKENS of them; ``i`` when there is none)."""
    doc = index.doc
    end = i
    while (end < len(doc) and end - i < MAX_UNTAGGED_ORG_TOKENS and end not in index.covered
           and doc[end].is_alpha and doc[end].is_title and not doc[end].is_stop and index.same_sentence(i, end)):
        end += 1
    return end


def _untagged_org_at(index: DocIndex, i: int) -> Span | None:
    """Capitalised words no entity covers, as an organisation ("Head of Obluchye ...")."""
    doc = index.doc
    end = _untagged_run_end(index, i)
    if end == i or (end < len(doc) and end not in index.covered and doc[end].is_title):
        return None  # nothing, or a longer run than an organisation name
    label = INSTITUTION if _has_keyword(doc[i:end].text) else GPE
    return Span(doc, i, end, label=label)


def _extend_org(index: DocIndex, org: Span) -> Span:
    """An organisation with the capitalised words no entity took ("Sakhalin" + "Oblast") and a
    bracketed alternative name ("Republic of Sakha (Yakutia)") that follow it."""
    doc = index.doc
    end = _untagged_run_end(index, org.end)
    if end < len(doc) and doc[end].text == "(":
        close = next((k for k in range(end + 1, min(end + 2 + MAX_UNTAGGED_ORG_TOKENS, len(doc))) if doc[k].text == ")"), None)
        if close is not None and all(doc[k].is_title for k in range(end + 1, close)) and close > end + 1:
            end = close + 1
    if end == org.end:
        return org
    return Span(doc, org.start, end, label=org.label_)


def _nationality_before(index: DocIndex, i: int) -> str | None:
    """A capitalised modifier right before position ``i`` ("Russian" ambassador)."""
    if i == 0 or not index.same_sentence(i - 1, i):
        return None
    token = index.doc[i - 1]
    if token.is_title and token.pos_ in ("ADJ", "PROPN") and token.i not in index.covered:
        return token.text
    return None


# --------------------------------------------------------------------------- posts


def parse_post(index: DocIndex, title: Span) -> Post:
    """The post phrase around one TITLE (without "and" chains)."""
    doc = index.doc
    post = Post(title=title, start=title.start, end=title.end)
    # Before the title: "Heilongjiang University rector", "Moscow's Vice-Mayor", "school director".
    before_end = title.start
    if before_end > 0 and doc[before_end - 1].lower_ in ("'s", "’s"):
        before_end -= 1
    before = index.ending.get(before_end)
    previous = doc[title.start - 1] if title.start > 0 else None
    if before is not None and before.label_ in ORG_LABELS and index.same_sentence(before.start, title.start):
        post.org, post.start = before, before.start
    elif previous is not None and index.same_sentence(previous.i, title.start) and previous.is_lower \
            and _is_generic_noun(previous, index):
        post.generic, post.start = previous, previous.i
    else:
        post.nationality = _nationality_before(index, title.start)
        if post.nationality is not None:
            post.start = title.start - 1
    # After the title: "of the Education Department ...", "to China", "in Harbin", "of the college".
    i = title.end
    first_after: Span | None = None
    while i < len(doc) and index.same_sentence(title.start, i) and doc[i].lower_ in CHAIN_PREPOSITIONS:
        names_employer = doc[i].lower_ in ORG_PREPOSITIONS
        j = i + 1
        if j < len(doc) and doc[j].lower_ == "the":
            j += 1
        if j >= len(doc):
            break
        ent = index.starting.get(j)
        if ent is not None and _is_bare_keyword(ent):
            # "Head of the Centre": a one-word institution noun points back, it names nothing.
            if names_employer and post.generic is None and first_after is None:
                post.generic = ent[0]
            i = ent.end
            continue
        if ent is None or ent.label_ not in ORG_LABELS:
            generic = _generic_at(index, j)
            if generic is not None:
                if names_employer and post.generic is None and first_after is None:
                    post.generic = generic
                i = generic.i + 1
                continue
            ent = _untagged_org_at(index, j)
        if ent is None or (ent.label_ not in ORG_LABELS):
            break
        ent = _extend_org(index, ent)
        if first_after is None and names_employer:
            first_after = ent
        i = ent.end
    post.end = i
    if first_after is not None:
        post.org, post.generic = first_after, None
    return post


def _introduces_name(index: DocIndex, post: Post) -> bool:
    """Whether a PERSON follows the post directly (honorifics aside): "Director Li Changni"."""
    for end in range(post.end, min(post.end + MAX_PRENOMINAL_GAP, len(index.doc)) + 1):
        ent = index.starting.get(end)
        if ent is not None and ent.label_ == PERSON:
            return index.words_without_honorifics(post.end, end) in PRENOMINAL_GAPS
    return False


def _is_bare(post: Post) -> bool:
    """A title alone: nothing before it, no organisation or generic noun after it."""
    return post.org is None and post.generic is None and (post.start, post.end) == (post.title.start, post.title.end)


def _chained_title(index: DocIndex, post: Post) -> Span | None:
    for gap in CHAIN_GAPS:
        at = post.end + len(gap)
        nxt = index.starting.get(at)
        if nxt is not None and nxt.label_ == TITLE and index.words(post.end, at) == gap \
                and index.same_sentence(post.start, at):
            return nxt
    return None


def parse_posts(index: DocIndex) -> list[Post]:
    """Every post of the doc with its "and" chain; a chained post is listed only in its chain."""
    posts: list[Post] = []
    consumed: set[int] = set()
    for title in (e for e in index.ents if e.label_ == TITLE):
        if title.start in consumed:
            continue
        head = parse_post(index, title)
        head.chain = [head]
        tail = head
        while not _introduces_name(index, tail):
            nxt = _chained_title(index, tail)
            if nxt is None:
                break
            candidate = parse_post(index, nxt)
            if _introduces_name(index, candidate) and _is_bare(candidate) and not _is_bare(tail):
                break  # "deputy director of the committee and Director Li Changni": someone else's
            tail = candidate
            head.chain.append(tail)
            consumed.add(nxt.start)
        head.end = tail.end
        posts.append(head)
    return posts


def names_a_place(post: Post) -> bool:
    """Whether the post's organisation names a place (a GPE, or an institution with one)."""
    if post.org is None:
        return False
    if post.org.label_ == GPE:
        return True
    return _names_place(post.org.text)


def choose_post(chain: Sequence[Post]) -> Post:
    """The post reported for a person: see the module docstring (place, organisation, first)."""
    for post in chain:
        if names_a_place(post):
            return post
    for post in chain:
        if post.org is not None or post.generic is not None:
            return post
    return chain[0]


# --------------------------------------------------------------------------- linking


def _post_before(index: DocIndex, person: Span, posts: Sequence[Post],
                 gaps: frozenset[tuple[str, ...]]) -> Post | None:
    for post in posts:
        if post.end <= person.start and person.start - post.end <= MAX_PRENOMINAL_GAP \
                and index.words_without_honorifics(post.end, person.start) in gaps \
                and (index.same_sentence(post.start, person.start) or _same_line_byline(index, post, person)):
            return post
    return None


def _same_line_byline(index: DocIndex, post: Post, person: Span) -> bool:
    """A sentence break the sentence recogniser put inside "Chairman of X Co., Ltd. Tian Bo" or
    "Reporter: Ma Lili": nothing but a colon between post and name, on one line."""
    gap = index.words_without_honorifics(post.end, person.start)
    return gap in PRENOMINAL_GAPS and "\n" not in index.doc[post.start:person.start].text


def _post_after(index: DocIndex, person: Span, posts: Sequence[Post]) -> Post | None:
    for post in posts:
        if post.start >= person.end and index.same_sentence(person.start, post.start) \
                and index.words(person.end, post.start) in APPOSITION_GAPS:
            return post
    return None


def _org_after_name(index: DocIndex, person: Span, titled: bool) -> Span | None:
    """ "Li Dongying from the Foreign Exchange Center"; "Director Li Changni of the ... Center"."""
    for span in index.ents:
        if span.start < person.end:
            continue
        if not index.same_sentence(person.start, span.start):
            return None
        gap = index.words(person.end, span.start)
        if span.label_ == INSTITUTION and (gap in NAME_TO_ORG_GAPS or (not titled and gap in NAME_COMMA_ORG_GAPS)):
            return span
        if span.label_ == GPE and titled and gap in NAME_TO_ORG_GAPS:
            return span
        return None
    return None


def resolve_reference(index: DocIndex, noun: Token) -> Span | None:
    """The named institution a generic noun points back to ("the college" -> "Heihe College").

    The nearest INSTITUTION before the noun whose name holds the noun's word; else the first
    such one after it in the same sentence.
    """
    key = _institution_key(noun.text).split()
    if not key:
        return None

    def matches(ent: Span) -> bool:
        return ent.label_ == INSTITUTION and not _is_bare_keyword(ent) \
            and all(k in _institution_key(ent.text).split() for k in key)

    for ent in reversed(index.ents):
        if ent.end <= noun.i and matches(ent):
            return ent
    for ent in index.ents:
        if ent.start > noun.i and index.same_sentence(noun.i, ent.start) and matches(ent):
            return ent
    return None


def delegation_org(index: DocIndex, phrase_start: int) -> Span | None:
    """The place or institution of the delegation whose leader's phrase starts at ``phrase_start``.

    "A delegation of Novosibirsk Oblast led by Deputy Governor ..." -> Novosibirsk Oblast: the
    first GPE or INSTITUTION after the DELEGATION mention, before "led by".
    """
    for gap in LEADER_GAPS:
        by_at = phrase_start - len(gap)
        if by_at < 0 or index.words(by_at, phrase_start) != gap:
            continue
        delegation = next(
            (e for e in reversed(index.ents)
             if e.label_ == DELEGATION and e.end <= by_at and index.same_sentence(e.start, by_at)),
            None,
        )
        if delegation is None:
            return None
        return next((e for e in index.ents if delegation.end <= e.start and e.end <= by_at and e.label_ in ORG_LABELS), None)
    return None


def institution_in_context(index: DocIndex, person: Span, phrase_start: int, owned: set[tuple[int, int]]) -> Span | None:
    """The nearest INSTITUTION before a titled person, in its sentence or the one before it,
    skipping institutions that are another official's own or lie in the other country than the
    person's name.

    News introduces the place, then its officials: "During the visit to the Changchun
    Education Bureau, Deputy Director Lyu Dehui ..."; "The delegation first visited the
    Foreign Affairs Office. Director Zhao Haiying met with them."
    """
    sentence = index.sent_of[person.start]
    for ent in reversed(index.ents):
        if ent.end > phrase_start:
            continue
        if index.sent_of[ent.start] < sentence - 1:
            break
        if ent.label_ == PERSON:
            return None  # someone else was introduced in between
        if ent.label_ == INSTITUTION and (ent.start, ent.end) not in owned and not _other_country(person, ent):
            return ent
    return _home_institution_before(index, person, phrase_start, owned)


# How many sentences back a host's institution may have been named ("The delegation visited
# Jiamusi Vocational Institute ... . President Ma Jun met with the guests").
HOME_LOOKBACK_SENTENCES = 4


def _home_institution_before(index: DocIndex, person: Span, phrase_start: int,
                             owned: set[tuple[int, int]]) -> Span | None:
    """For a host receiving the visitors, further back, the nearest institution that lies in the
    country of the person's name: in exchange news the two sides alternate, and each official
    belongs to their own side."""
    country = _name_country(person)
    if country is None:
        return None
    sentence = index.sent_of[person.start]
    words = set(index.sentence_words(person.start))
    if not (words & _HOST_VERBS and words & _GUEST_WORDS):
        return None
    for ent in reversed(index.ents):
        if ent.end > phrase_start:
            continue
        if index.sent_of[ent.start] < sentence - HOME_LOOKBACK_SENTENCES or ent.label_ == PERSON:
            break
        if ent.label_ != INSTITUTION or (ent.start, ent.end) in owned:
            continue
        place = find_place(ent.text)
        if place is not None and place.country == country:
            return ent
    return None


# A host receiving the visitors: "President Ma Jun met with the guests".
_HOST_VERBS = frozenset({"met", "meets", "welcomed", "welcomes", "received", "receives", "greeted", "hosted"})
_GUEST_WORDS = frozenset({"guests", "delegation", "visitors", "delegates"})


def _other_country(person: Span, institution: Span) -> bool:
    """Whether an institution lies in the other country than the one the person's name belongs
    to: a Russian teacher named right after a Chinese school is one of the guests."""
    country = _name_country(person)
    place = find_place(institution.text) if country is not None else None
    return place is not None and place.country in CULTURE_COUNTRIES.values() and place.country != country


def _name_country(person: Span) -> str | None:
    """The country a Chinese or Russian name places its bearer in."""
    name = normalize_person(person.text)
    return CULTURE_COUNTRIES.get(name.culture) if name is not None else None


def expand_acronym(index: DocIndex, org: Span) -> Span:
    """The institution of the story an acronym organisation stands for: the name it follows in
    brackets ("Transbaikal State University (ZabGU)"), or whose initials it spells; else ``org``."""
    text = org.text
    if org.label_ != INSTITUTION or not is_short_form(text):
        return org
    doc = org.doc
    for ent in index.ents:
        # Defined in brackets after the name: "Transbaikal State University (ZabGU)".
        if ent.label_ == INSTITUTION and ent != org and ent.end + 2 < len(doc) and doc[ent.end].text == "(" \
                and doc[ent.end + 1].text == text and doc[ent.end + 2].text == ")":
            return ent
    if not text.isupper():
        return org
    for ent in index.ents:
        if ent.label_ != INSTITUTION or ent == org:
            continue
        initials = "".join(t.text[0] for t in ent if t.is_alpha and t.is_title)
        if initials == text:
            return ent
    return org


def fullest_name(index: DocIndex, org: Span) -> Span:
    """The longest institution of the story whose name starts with ``org``'s name, else ``org``:
    "Ningbo Hengda Auto Parts" -> "Ningbo Hengda Auto Parts Co., Ltd."."""
    if org.label_ != INSTITUTION:
        return org
    key = _institution_key(org.text)
    fuller = [
        ent for ent in index.ents
        if ent.label_ == INSTITUTION and _institution_key(ent.text).startswith(key + " ")
    ]
    return max(fuller, key=lambda ent: (len(ent.text), -ent.start), default=org)


def _link_person(index: DocIndex, person: Span, head: Post | None) -> Link:
    link = Link(person=person, phrase_start=person.start, phrase_end=person.end)
    if head is not None:
        post = choose_post(head.chain)
        link.post, link.chain = post, list(head.chain)
        link.phrase_start, link.phrase_end = min(head.start, person.start), max(head.end, person.end)
        link.byline = head.end <= person.start and index.words(head.end, person.start) == (":",)
        if post.org is not None:
            link.org, link.org_source = post.org, SOURCE_PHRASE
    if link.org is None:
        after = _org_after_name(index, person, titled=head is not None)
        if after is not None:
            link.org, link.org_source = after, SOURCE_PHRASE
            link.phrase_end = max(link.phrase_end, after.end)
    if link.org is None and link.post is not None and link.post.generic is not None:
        reference = resolve_reference(index, link.post.generic)
        if reference is not None:
            link.org, link.org_source = reference, SOURCE_REFERENCE
    return link


def link_officials(doc: Doc, honorifics: Iterable[str] = ()) -> list[Link]:
    """Find person-title-organisation links (see the module docstring)."""
    index = DocIndex(doc, honorifics)
    posts = parse_posts(index)
    people = [e for e in index.ents if e.label_ == PERSON]
    claimed: dict[int, Post] = {}  # person start -> the post (chain head) that is theirs
    taken: set[int] = set()  # title starts of claimed posts

    def claim(person: Span, post: Post | None) -> None:
        if post is not None and post.title.start not in taken and person.start not in claimed:
            claimed[person.start] = post
            taken.add(post.title.start)

    for person in people:
        claim(person, _post_before(index, person, posts, PRENOMINAL_GAPS))
    for person in people:
        claim(person, _post_after(index, person, posts))
    for person in people:
        claim(person, _post_before(index, person, posts, PRENOMINAL_COMMA_GAPS))

    links = [_link_person(index, person, claimed.get(person.start)) for person in people]
    links = [link for link in links if link.post is not None or link.org is not None]
    _share_coordinated(index, links)
    owned = {(link.org.start, link.org.end) for link in links if link.org is not None and link.org_source == SOURCE_PHRASE}
    for link in links:
        if link.org is not None or link.post is None or link.byline:
            continue
        led = delegation_org(index, min(link.phrase_start, link.person.start))
        if led is not None:
            link.org, link.org_source = led, SOURCE_DELEGATION
            continue
        context = institution_in_context(index, link.person, link.phrase_start, owned)
        if context is not None:
            link.org, link.org_source = context, SOURCE_CONTEXT
    for link in links:
        if link.org is not None:
            link.org = fullest_name(index, expand_acronym(index, link.org))
    return links


def _share_coordinated(index: DocIndex, links: Sequence[Link]) -> None:
    """ "A, Party Secretary of the college, and Vice President B": B shares A's institution."""
    for before, after in zip(links, links[1:]):
        if after.org is not None or after.post is None or before.org is None or before.org.label_ != INSTITUTION:
            continue
        if before.phrase_end <= after.phrase_start and index.same_sentence(before.phrase_end - 1, after.phrase_start) \
                and index.words(before.phrase_end, after.phrase_start) in COORDINATION_GAPS:
            after.org, after.org_source = before.org, before.org_source


def read_honorifics(path: str = str(HONORIFICS_FILE)) -> list[str]:
    """The honorifics of patterns/honorifics.csv (shared with the name normaliser)."""
    from pathlib import Path

    return sorted({row["honorific"].strip() for row in read_csv_table(Path(path), ("honorific",)) if row["honorific"].strip()})


class OfficialLinker(RulesComponent):
    """Sets ``Doc._.officials`` (see module docstring) and drops TITLE entities no one holds."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rules: list[str] = []

    def initialize(self, get_examples: Callable | None = None, *, nlp: Language | None = None,
                   honorifics: list[str] | None = None) -> None:
        self.rules = sorted(honorifics) if honorifics is not None else read_honorifics()

    def __call__(self, doc: Doc) -> Doc:
        links = link_officials(doc, self.rules)
        doc._.officials = [link.as_row() for link in links]
        # A title nobody holds ("the chairman, executive chairman ... were elected") is no
        # TITLE mention: only titles in a named person's phrase stay entities.
        held = {post.title.start for link in links for post in link.chain}
        doc.ents = [e for e in doc.ents if e.label_ != TITLE or e.start in held]
        return doc


@Language.factory(FACTORY_OFFICIALS, default_config={}, assigns=["doc._.officials", "doc.ents"], requires=["doc.ents", "token.is_sent_start"])
def make_official_linker(nlp: Language, name: str) -> OfficialLinker:
    return OfficialLinker(name)
