"""Merge rule matches with the statistical NER into one set of ``doc.ents``.

Rules add what the model misses and fix what it gets wrong. In the order applied:

1. People the rules are sure of come first. A run of capitalised words that parses as a
   Chinese or Russian name with a given name ("Marina Akshonova", "Kuznetsova Marina
   Sergeevna", "Pan Jiaqi") is a PERSON wherever it stands, as is a name written with initials
   (patterns/persons.jsonl: "Yu.V. Skolubovich", "Serdechkin Yu.V."). Such a name beats
   - rule spans that run into it (a TITLE "vice-rector for international affairs Serdechkin"
     or an INSTITUTION "Department of Culture of Primorsky Krai Yekaterina Ivanova" give way
     to a shorter match of the same rule, since the span ruler keeps every match length);
   - model entities that swallow it: "China Igor Rogachev" ORG -> "China" + PERSON,
     "Marina Akshonova" GPE -> PERSON, "Vladivostok Pan Jiaqi" PERSON -> GPE + PERSON.
   A name followed by an institution word ("Li Siguang School") is part of that name.
   Initials between two capitalised words belong to the next word ("Affairs T.V. Lomova" ->
   "T.V. Lomova").
   INSTITUTION rule matches that run over a field gap ("Bureau   Views"), a sentence end
   ("Blagoveshchensk. The Amur ... Hospital") or join two names with "and" ("... Institute of
   Arts, and Chongqing No") give way to shorter matches; model INSTITUTIONs are cut there.
2. Of the rest, a rule span beats an overlapping model entity of another label ("Laiwu No"
   PERSON loses to "Laiwu No. 17 Middle School" INSTITUTION); a model entity that holds a
   TITLE rule at its edge is trimmed, not dropped ("Principal Jia Yuyan" PERSON -> TITLE
   "Principal" + PERSON "Jia Yuyan"); of two overlapping spans with the same label the longer
   one is kept.
3. Leading articles, honorifics and dangling "of"/punctuation are trimmed
   (patterns/entity_trim.csv), model spans also before step 2 so that "the Consul General of
   the People's Republic of China" ORG has its title at the edge; an unclosed bracket cuts a
   span ("... and Trade (SIFLT"); spans that cross a line break are dropped (headlines run
   into the next line); a long INSTITUTION with no institution word is dropped (headlines
   tagged ORG); a list number opening a line is no part of a name ("1. The School of ...").
4. Labels are checked against the name and place tables: a GPE or INSTITUTION that parses as
   a Chinese or Russian name is a PERSON; an INSTITUTION without an institution word that the
   gazetteer knows is a GPE ("Primorsky Krai", "Russian Federation").
5. A later mention by family name ("Volkova said") of a person named in full is a PERSON.
6. "<INSTITUTION> of (the) <INSTITUTION|GPE>" chains become one institution
   ("Education Department" + "of" + "Krasnoyarsk City Government").
7. Institutions are checked against the guidelines (``fix_institutions``; word lists in
   patterns/institution_words.csv): a leading "<place>'s" and a trailing "of <country>" of a
   name that starts with its own city are places; a bracketed other name of the place ending
   a name belongs to it ("Republic of Sakha (Yakutia)"); names cut at "and" are joined
   ("Harbin Vocational and Technical College"); places, events, forums, buildings and generic
   words tagged ORG go; abbreviations of the article's names, short forms of its company
   names, wire agencies of datelines ("/TASS/", "(Xinhua)"), "Source:" values and names after
   "the newspaper"/"the company" are added.
8. The site lines at the top of the page (masthead: "Official website of the Government of
   ...", "Current location: Home > News") and footer credits ("Hosted by: ...") lose their
   entities: they are not part of the story.

Before all this, "|" and "/" glued to words by the tokenizer are split off ("/TASS/.",
"Xinhua|"). The component sets ``doc.ents``, removes the raw rule span group and leaves the
site lines in ``doc.spans[SITE_LINES_KEY]`` for the gazetteer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from pipeline.components.base import RulesComponent
from pipeline.labels import DATE, FACTORY_ENTITY_FIXER, GPE, INSTITUTION, PERSON, RULE_SPANS_KEY, TITLE
from pipeline.normalize.institutions import (
    MIN_ACRONYM_LENGTH,
    has_institution_keyword,
    is_company_name,
    is_short_form,
    is_short_form_of,
    name_initials,
)
from pipeline.normalize.names import PersonName, normalize_person
from pipeline.normalize.places import Place, resolve_place
from pipeline.rules import PATTERNS_DIR, read_csv_table

TRIM_FILE = PATTERNS_DIR / "entity_trim.csv"
#: Russian given names (shared with pipeline.normalize.names): a Russian name the rules find
#: must have one, so "Primorsky Regional" or "Zabaykalsky Krai" is no "given name + surname".
GIVEN_NAMES_FILE = PATTERNS_DIR / "russian_given_names.csv"
INSTITUTION_WORDS_FILE = PATTERNS_DIR / "institution_words.csv"
#: The kinds of word lists in patterns/institution_words.csv (``InstitutionWords``).
INSTITUTION_WORD_KINDS = ("event_head", "facility_head", "site_word", "direction_word", "field_label",
                          "name_modifier", "descriptor", "site_credit", "place_designator")
#: Span group where the merger leaves the site lines (masthead) it found, so that the
#: gazetteer adds no place there either.
SITE_LINES_KEY = "cnru_site_lines"

#: Cultures whose names the name tables can recognise with confidence.
NAME_CULTURES = frozenset({"chinese", "russian"})
#: Name windows tried inside a run of capitalised words: "Ivan Petrovich Sidorov" is the longest.
NAME_WINDOW_SIZES = (3, 2)

_INITIALS = re.compile(r"^(?:[A-Z][a-z]?\.)+$")


# The normalisers are pure; the same words recur in every article, so their answers are cached.
@lru_cache(maxsize=16384)
def _has_keyword(text: str) -> bool:
    return has_institution_keyword(text)


@lru_cache(maxsize=16384)
def _person(text: str) -> PersonName | None:
    return normalize_person(text)


@lru_cache(maxsize=16384)
def _place(text: str) -> Place | None:
    return resolve_place(text)


@lru_cache(maxsize=16384)
def _initials(text: str) -> str:
    return name_initials(text)


@dataclass(frozen=True, order=True)
class Candidate:
    """A labelled token range [start, end)."""

    start: int
    end: int
    label: str

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Candidate") -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: "Candidate") -> bool:
        return self.start <= other.start and other.end <= self.end


def longest_first(spans: Iterable[Candidate]) -> list[Candidate]:
    """Greedy non-overlapping selection, longest first, earliest first on ties."""
    chosen: list[Candidate] = []
    # Two spans with tokens overlap when they share one: the tokens taken so far answer that
    # without comparing each span with every span chosen. Spans without tokens (never made
    # by the steps here) keep the pairwise test.
    taken: set[int] = set()
    empty: list[Candidate] = []
    for span in sorted(spans, key=lambda s: (-len(s), s.start)):
        if span.start < span.end:
            tokens = range(span.start, span.end)
            if any(i in taken for i in tokens) or any(span.overlaps(other) for other in empty):
                continue
            taken.update(tokens)
        elif any(span.overlaps(other) for other in chosen):
            continue
        else:
            empty.append(span)
        chosen.append(span)
    return sorted(chosen)


def merge_candidates(model: Sequence[Candidate], rules: Sequence[Candidate]) -> list[Candidate]:
    """Combine model entities and rule matches by the precedence of step 2 (module docstring)."""
    kept_rules = longest_first(rules)
    merged: list[Candidate] = []
    dropped_rules: set[Candidate] = set()
    for ent in model:
        hits = [rule for rule in kept_rules if rule.overlaps(ent)]
        if not hits:
            merged.append(ent)
            continue
        same = [rule for rule in hits if rule.label == ent.label]
        if same and len(hits) == len(same) and all(ent.contains(r) for r in same) and len(ent) > max(map(len, same)):
            merged.append(ent)
            dropped_rules.update(same)
            continue
        trimmed = _trim_rule_edges(ent, hits)
        if trimmed is not None:
            merged.append(trimmed)
    merged.extend(rule for rule in kept_rules if rule not in dropped_rules)
    return longest_first(merged)


def _trim_rule_edges(ent: Candidate, hits: Sequence[Candidate]) -> Candidate | None:
    """Cut TITLE and DATE matches off the edges of a model entity; None when nothing is left.

    "Principal Jia Yuyan" PERSON keeps "Jia Yuyan"; "Consul General of the People's Republic
    of China" ORG keeps "of the People's Republic of China" (``trim_span`` drops the "of the");
    "Heihe University on 12 May" keeps "Heihe University on" (and then drops the "on").
    """
    if ent.label not in (PERSON, GPE, INSTITUTION) or any(h.label not in (TITLE, DATE) for h in hits):
        return None
    start, end = ent.start, ent.end
    for hit in sorted(hits):
        if hit.start <= start < hit.end:
            start = hit.end
        elif hit.start < end <= hit.end:
            end = hit.start
        else:
            return None  # a title in the middle: the model span is wrong
    return Candidate(start, end, ent.label) if start < end else None


@dataclass(frozen=True)
class TrimRules:
    """Words trimmed from span edges, per label ('*' = every label)."""

    left: dict[str, frozenset[str]]
    right: dict[str, frozenset[str]]

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, str]]) -> "TrimRules":
        left: dict[str, set[str]] = {}
        right: dict[str, set[str]] = {}
        for row in rows:
            side = left if row["side"] == "left" else right
            side.setdefault(row["label"], set()).add(row["word"].lower())
        return cls({k: frozenset(v) for k, v in left.items()}, {k: frozenset(v) for k, v in right.items()})

    def words(self, side: dict[str, frozenset[str]], label: str) -> frozenset[str]:
        return side.get("*", frozenset()) | side.get(label, frozenset())


def read_trim_rows(path: str = str(TRIM_FILE)) -> list[dict[str, str]]:
    """Read patterns/entity_trim.csv, checking sides and labels."""
    from pathlib import Path

    from pipeline.labels import LABELS
    from pipeline.rules import RuleError

    rows = read_csv_table(Path(path), ("label", "side", "word"))
    for number, row in enumerate(rows, start=2):
        if row["side"] not in ("left", "right"):
            raise RuleError(f"{path}:{number}: side must be left or right, not {row['side']!r}")
        if row["label"] != "*" and row["label"] not in LABELS:
            raise RuleError(f"{path}:{number}: unknown label {row['label']!r}")
        if not row["word"].strip():
            raise RuleError(f"{path}:{number}: empty word")
    return rows


def trim_span(doc: Doc, cand: Candidate, rules: TrimRules) -> Candidate | None:
    """Drop edge words and punctuation; None when the span crosses a line break or empties."""
    start, end = cand.start, cand.end
    left, right = rules.words(rules.left, cand.label), rules.words(rules.right, cand.label)
    if cand.label != DATE and _is_list_marker(doc, start, end):
        start += 2
    while start < end and (doc[start].lower_ in left or doc[start].is_punct or doc[start].is_space):
        start += 1
    while end > start and (doc[end - 1].lower_ in right or doc[end - 1].is_space
                           or (doc[end - 1].is_punct and doc[end - 1].text != "." and not _closes(doc, start, end - 1))):
        end -= 1
    if start >= end or "\n" in doc[start:end].text:
        return None
    start, end = _balanced(doc, start, end)
    if start >= end:
        return None
    if cand.label == INSTITUTION and any(_is_capitalised(t) for t in doc[start:end - 1]):
        # Lower-case words after a name describe it: "Red Net news portal", "Russian Language
        # Centre of the university" (the "of the" left goes with the edge words on the next pass).
        while end > start + 1 and doc[end - 1].is_lower and doc[end - 1].is_alpha:
            end -= 1
    if (start, end) != (cand.start, cand.end):
        return trim_span(doc, Candidate(start, end, cand.label), rules)
    return Candidate(start, end, cand.label)


_CLOSING = {")": "(", "]": "[", "”": "“", "»": "«"}
_SAME_QUOTES = frozenset({'"', "'"})


def _is_list_marker(doc: Doc, start: int, end: int) -> bool:
    """A number and "." or ")" opening a line: the item number of a list ("1. The School of ...")."""
    return (start + 2 < end and doc[start].like_num and doc[start + 1].text in (".", ")")
            and (start == 0 or "\n" in doc[start - 1].text))


def _closes(doc: Doc, start: int, i: int) -> bool:
    """Whether token ``i`` closes a bracket or quote opened in [start, i): "Republic of Sakha
    (Yakutia)", 'Special Economic Zone "Lipetsk"' (a straight quote closes an odd count)."""
    text = doc[i].text
    if text in _SAME_QUOTES:
        return sum(doc[k].text == text for k in range(start, i)) % 2 == 1
    opener = _CLOSING.get(text)
    return opener is not None and any(doc[k].text == opener for k in range(start, i))


def _balanced(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Cut at an unclosed bracket: "Shaanxi Institute of Foreign Languages and Trade (SIFLT" ends
    before the "(", "SIFLT) campus" starts after the ")"."""
    depth = 0
    for i in range(start, end):
        if doc[i].text in ("(", "["):
            depth += 1
        elif doc[i].text in (")", "]"):
            if depth == 0:
                return _balanced(doc, i + 1, end)
            depth -= 1
    if depth:
        last_open = max(i for i in range(start, end) if doc[i].text in ("(", "["))
        return _balanced(doc, start, last_open)
    return start, end


# --------------------------------------------------------------------------- sure people


def _letters(text: str) -> str:
    return "".join(sorted(ch for ch in text.casefold() if ch.isalpha()))


@lru_cache(maxsize=4096)
def parse_name_window(text: str) -> PersonName | None:
    """The Chinese or Russian name that ``text`` is, word for word; None otherwise.

    Every letter of the text must belong to the name's parts, so "Professor Gao Jianhua"
    (an honorific the normaliser drops) or "Director Ivanov" is no name window; neither is a
    place the gazetteer knows ("Primorsky Krai") or a text with an institution word.
    """
    person = _person(text)
    if person is None or person.culture not in NAME_CULTURES or person.given is None:
        return None
    parts = "".join(part for part in (person.family, person.given, person.patronymic) if part)
    if _letters(parts) != _letters(text):
        return None
    if _place(text) is not None or _has_keyword(text):
        return None
    return person


def _is_name_token(token: Token) -> bool:
    """A word that can be part of a name: capitalised, or in capitals ("LI Ye")."""
    return token.is_alpha and (token.is_title or (token.is_upper and len(token) > 1))


def _window_score(doc: Doc, start: int, end: int, person: PersonName) -> tuple[bool, int, bool, bool, int]:
    """Higher is likelier, in this order:

    - a family name that stands alone ("Ivanova", not "Krai" in "Krai Yekaterina");
    - longer ("Nikolai Andreyevich Rudakov", not "Andreyevich Rudakov"; "Sukhanov Dmitry
      Igorevich", not "Oblast Sukhanov");
    - the usual order of the culture: Russian given name first ("Denis Olegovich Shvets", not
      "Oblast Denis Olegovich"), Chinese family name first;
    - no place word inside ("Wang Lei", not "Heihe Wang"); names can be towns too ("Mogilev",
      "Anna"), so this only breaks ties;
    - earlier.
    """
    family_alone = person.culture == "chinese" or _person(person.family or "") is not None
    first = doc[start].text.casefold()
    lead = person.given if person.culture == "russian" else person.family
    usual_order = lead is not None and first == lead.casefold()
    has_place = any(_place(doc[i].text) is not None for i in range(start, end))
    return (family_alone, end - start, usual_order, not has_place, -start)


def _plausibly_russian(person: PersonName, given_names: frozenset[str]) -> bool:
    """A Russian parse needs a known given name or a patronymic ("Rustam Ilgizovich Khairullin")."""
    if person.culture != "russian":
        return True
    return (person.given or "").casefold() in given_names or person.patronymic is not None


def find_person_names(doc: Doc, blocked: frozenset[int] = frozenset(),
                      given_names: frozenset[str] = frozenset()) -> list[Candidate]:
    """PERSON candidates for runs of capitalised words that parse as Chinese or Russian names.

    ``blocked`` token indices never start or join a name (the first words of TITLE matches, so
    "Director Ivanov" is not read as a given name and a surname). A Russian name needs a given
    name of ``given_names`` (casefolded) or a patronymic. Overlapping windows are settled by
    ``_window_score``.
    """
    scored: list[tuple[tuple[bool, int, bool, bool, int], Candidate]] = []
    i = 0
    while i < len(doc):
        if not _is_name_token(doc[i]) or i in blocked:
            i += 1
            continue
        run_end = i
        while run_end < len(doc) and _is_name_token(doc[run_end]) and run_end not in blocked:
            run_end += 1
        for size in NAME_WINDOW_SIZES:
            for start in range(i, run_end - size + 1):
                end = start + size
                # "Li Siguang School": a name followed by an institution word is that institution's.
                if end < len(doc) and _has_keyword(doc[end].text):
                    continue
                person = parse_name_window(doc[start:end].text)
                if person is not None and _plausibly_russian(person, given_names):
                    scored.append((_window_score(doc, start, end, person), Candidate(start, end, PERSON)))
        i = run_end
    chosen: list[Candidate] = []
    for _, cand in sorted(scored, key=lambda item: item[0], reverse=True):
        if not any(cand.overlaps(other) for other in chosen):
            chosen.append(cand)
    return sorted(chosen)


def drop_ambiguous_initials(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Drop a PERSON "<Word> <initials>" that a capitalised word follows: the initials are that word's.

    "Deputy Director for Academic Affairs T.V. Lomova" matches both "Affairs T.V." and
    "T.V. Lomova"; initials go before the surname unless nothing name-like follows them
    ("vice-rector Serdechkin Yu.V. The rector ...").
    """
    kept = []
    for cand in cands:
        last = doc[cand.end - 1]
        following = doc[cand.end] if cand.end < len(doc) else None
        if (cand.label == PERSON and _INITIALS.match(last.text) and following is not None
                and _is_name_token(following) and not following.is_stop):
            continue
        kept.append(cand)
    return kept


def sure_people(doc: Doc, rules: Sequence[Candidate], given_names: frozenset[str] = frozenset()) -> list[Candidate]:
    """Names found by ``find_person_names``, then PERSON rule matches that overlap none of them.

    Found names go first: a sentence-final Chinese given name looks like an initial to the
    rules ("... Co., Ltd. Tian Bo. Novosibirsk ..." must not give "Bo. Novosibirsk").
    """
    blocked = frozenset(rule.start for rule in rules if rule.label == TITLE)
    found = find_person_names(doc, blocked, given_names)
    initials = [
        rule for rule in drop_ambiguous_initials(doc, rules)
        if rule.label == PERSON and not any(rule.overlaps(name) for name in found)
    ]
    return sorted(found + longest_first(initials))


def _pieces_outside(cand: Candidate, holes: Sequence[Candidate]) -> list[tuple[int, int]]:
    """The token ranges of ``cand`` that no hole covers."""
    pieces: list[tuple[int, int]] = []
    start = cand.start
    for hole in sorted(holes):
        if hole.start > start:
            pieces.append((start, min(hole.start, cand.end)))
        start = max(start, hole.end)
    if start < cand.end:
        pieces.append((start, cand.end))
    return pieces


def cut_around_people(doc: Doc, model: Sequence[Candidate], people: Sequence[Candidate]) -> list[Candidate]:
    """Cut sure people out of model entities; what is left keeps its label if it can hold it.

    A left-over piece of a PERSON is a GPE when the gazetteer knows it ("Vladivostok Pan
    Jiaqi"); else it completes a model INSTITUTION or GPE right before it ("Ussuriysk Urban" +
    "District" of "District Nikolai Andreyevich"); else it goes. Pieces of other labels stay
    (labels are checked later).
    """
    result: list[Candidate] = []
    for ent in sorted(model):
        hits = [person for person in people if person.overlaps(ent)]
        if not hits or (ent.label == PERSON and ent in hits):
            result.append(ent)
            continue
        for start, end in _pieces_outside(ent, hits):
            if ent.label != PERSON:
                result.append(Candidate(start, end, ent.label))
            elif _place(doc[start:end].text) is not None:
                result.append(Candidate(start, end, GPE))
            elif result and result[-1].end == start and result[-1].label in (INSTITUTION, GPE):
                result[-1] = Candidate(result[-1].start, end, result[-1].label)
    return result


# --------------------------------------------------------------------------- label checks


def looks_like_person(text: str) -> bool:
    """A span the gazetteer does not know but that parses as a Chinese or Russian name."""
    if _place(text) is not None or _has_keyword(text):
        return False
    person = _person(text)
    return person is not None and person.culture in NAME_CULTURES and person.given is not None


# A model ORG of more words than this (punctuation aside) without any institution word is a
# headline or a slogan, not a name.
MAX_UNMARKED_INSTITUTION_TOKENS = 5


def drop_unmarked_institutions(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Drop long INSTITUTION spans with no institution keyword ("Deepening Sister City ...")."""
    return [
        c for c in cands
        if c.label != INSTITUTION or sum(not t.is_punct for t in doc[c.start:c.end]) <= MAX_UNMARKED_INSTITUTION_TOKENS
        or _has_keyword(doc[c.start:c.end].text)
    ]


def relabel_people(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Fix the small model's habit of tagging unfamiliar names as places or ORGs ("Marina Akshonova")."""
    return [
        Candidate(c.start, c.end, PERSON)
        if c.label in (GPE, INSTITUTION) and looks_like_person(doc[c.start:c.end].text) else c
        for c in cands
    ]


def relabel_places(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """A place the gazetteer knows is a GPE when tagged INSTITUTION without an institution word
    ("Primorsky Krai") or PERSON ("Zabaykalsky Krai", "Suifenhe"; a one-word place that is
    also a surname, "Korsakov", stays a PERSON)."""
    result = []
    for c in cands:
        text = doc[c.start:c.end].text
        if c.label == INSTITUTION and not _has_keyword(text) and _place(text) is not None:
            c = Candidate(c.start, c.end, GPE)
        elif c.label == PERSON and (len(c) > 1 or _person(text) is None) and _place(text) is not None:
            c = Candidate(c.start, c.end, GPE)
        result.append(c)
    return result


def tag_family_mentions(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Later mentions by family name of people named in full ("Volkova said") are PERSONs.

    A one-word GPE or INSTITUTION spelling such a family name is relabelled; a capitalised
    word no entity covers becomes a PERSON unless it stands next to another capitalised word
    (then it is part of some other name).
    """
    families: set[str] = set()
    for c in cands:
        if c.label == PERSON:
            person = _person(doc[c.start:c.end].text)
            if person is not None and person.given is not None and person.family:
                families.add(person.family.casefold())
    if not families:
        return list(cands)
    covered = {i for c in cands for i in range(c.start, c.end)}
    result: list[Candidate] = []
    for c in cands:
        if c.label in (GPE, INSTITUTION) and len(c) == 1 and doc[c.start].text.casefold() in families:
            c = Candidate(c.start, c.end, PERSON)
        result.append(c)
    for token in doc:
        if token.i in covered or not _is_name_token(token) or token.text.casefold() not in families:
            continue
        if _in_longer_name(doc, token, covered):
            continue
        result.append(Candidate(token.i, token.i + 1, PERSON))
    return sorted(result)


def _in_longer_name(doc: Doc, token: Token, covered: set[int]) -> bool:
    """Whether a capitalised word no entity covers stands right before or after ``token``."""
    before = token.i - 1 if not token.is_sent_start else -1
    after = token.i + 1 if token.i + 1 < len(doc) and not doc[token.i + 1].is_sent_start else -1
    return any(j >= 0 and j not in covered and _is_name_token(doc[j]) for j in (before, after))


def join_institution_chains(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Merge INSTITUTION + of (the) + INSTITUTION/GPE into one INSTITUTION."""
    result: list[Candidate] = []
    for cand in sorted(cands):
        if result and result[-1].label == INSTITUTION and cand.label in (INSTITUTION, GPE):
            prev = result[-1]
            between = [t.lower_ for t in doc[prev.end:cand.start]]
            if between in (["of"], ["of", "the"]):
                result[-1] = Candidate(prev.start, cand.end, INSTITUTION)
                continue
        result.append(cand)
    return result


# --------------------------------------------------------------------------- institutions


@dataclass(frozen=True)
class InstitutionWords:
    """The word lists of patterns/institution_words.csv, casefolded, by kind.

    - ``event_head`` / ``facility_head``: head nouns of events ("Expo", "Forum", "Day") and of
      buildings and rooms ("Hall", "Laboratory"); such names are no institutions (guidelines);
    - ``site_word``: words of a site's masthead and section lines ("Official website of the",
      "News", "Press centre");
    - ``direction_word``: compass words before a place ("Northeast China" is China);
    - ``field_label``: labels of page fields whose value names an institution ("Source:");
    - ``name_modifier``: words of the type table that modify a head noun rather than being one
      ("Harbin Vocational" is no name of its own);
    - ``descriptor``: common nouns put before a media or company name ("the newspaper Chita
      Vestnik", "the Russian dealer Avtodom-Yug");
    - ``site_credit``: "<word> by:" fields of a site footer ("Hosted by:", "Undertaken by:");
    - ``place_designator``: last words of place names ("Changchun New Area", "... District").
    """

    event_heads: frozenset[str] = frozenset()
    facility_heads: frozenset[str] = frozenset()
    site_words: frozenset[str] = frozenset()
    directions: frozenset[str] = frozenset()
    field_labels: frozenset[str] = frozenset()
    name_modifiers: frozenset[str] = frozenset()
    descriptors: frozenset[str] = frozenset()
    site_credits: frozenset[str] = frozenset()
    place_designators: frozenset[str] = frozenset()

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, str]]) -> "InstitutionWords":
        kinds: dict[str, set[str]] = {kind: set() for kind in INSTITUTION_WORD_KINDS}
        for row in rows:
            kinds[row["kind"]].add(row["word"].casefold())
        return cls(*(frozenset(kinds[kind]) for kind in INSTITUTION_WORD_KINDS))

    @property
    def non_institution_heads(self) -> frozenset[str]:
        return self.event_heads | self.facility_heads


def read_institution_words(path: str = str(INSTITUTION_WORDS_FILE)) -> list[dict[str, str]]:
    """Read patterns/institution_words.csv, checking kinds and words."""
    from pathlib import Path

    from pipeline.rules import RuleError

    rows = read_csv_table(Path(path), ("kind", "word"))
    for number, row in enumerate(rows, start=2):
        if row["kind"] not in INSTITUTION_WORD_KINDS:
            raise RuleError(f"{path}:{number}: unknown kind {row['kind']!r}")
        if not row["word"].strip():
            raise RuleError(f"{path}:{number}: empty word")
    return rows


_CONNECTORS = frozenset({"and", "&"})
#: Words that end the head of a name: "Department" in "Department of Culture".
_HEAD_ENDS = frozenset({"of", "for", "in", "under", "on", "with"})
#: Lower-case words a proper name may hold between its capitalised ones.
_NAME_JOINERS = frozenset({"of", "the", "and", "for", "&", "'s", "’s", "-"})
_QUOTES = frozenset({'"', "“", "”", "«", "»"})
_NUMBER_SIGNS = frozenset({"no", "no.", "№", "#"})
_POSSESSIVES = frozenset({"'s", "’s"})
#: A run of capitalised words and separators glued to a word by the tokenizer ("/TASS/.",
#: "Xinhua|"): the separator is split off so the name can be an entity of its own.
_GLUED_SEPARATOR = re.compile(r"(\|)|(?<=[^\W\d_])(/)|(/)(?=[^\W\d_])")
_URL_LIKE = re.compile(r"://|www\.|@|\.(?:com|cn|ru|org|net)\b", re.IGNORECASE)
#: Longest bracketed or slashed wire credit ("(Volga News Agency)", "/TASS/").
MAX_CREDIT_TOKENS = 4
#: Most words of a dateline before its credit ("NOVOSIBIRSK, Oct. 3 (Interfax)").
MAX_DATELINE_TOKENS = 8
#: Word tags of common nouns and verbs: a one-word INSTITUTION tagged so is a menu or
#: section word the model took for a name ("Machinery", "Search", "Contacts").
_COMMON_WORD_POS = frozenset({"NOUN", "VERB", "ADJ", "ADV", "ADP", "PRON", "DET", "AUX"})


def _is_capitalised(token: Token) -> bool:
    return token.text[:1].isupper()


def _is_acronym(token: Token) -> bool:
    return token.is_alpha and token.is_upper and 2 <= len(token) <= 8



def _span_text(doc: Doc, start: int, end: int) -> str:
    return doc[start:end].text


def _span_has_keyword(doc: Doc, start: int, end: int, modifiers: frozenset[str] = frozenset()) -> bool:
    """Whether [start, end) holds an institution word, ``modifiers`` ("Vocational") not counted."""
    if start >= end:
        return False
    if not modifiers:
        return _has_keyword(doc[start:end].text)
    return _has_keyword(" ".join(t.text for t in doc[start:end] if t.lower_ not in modifiers))


def _is_sentence_end(doc: Doc, i: int) -> bool:
    """A full stop after a word (not an abbreviation such as "No." or "Co."): "Blagoveshchensk. The"."""
    return doc[i].text == "." and i > 0 and doc[i - 1].is_alpha and len(doc[i - 1]) >= 4


def head_index(doc: Doc, start: int, end: int) -> int:
    """The head noun of a name: the word before its first "of"/"for"/"in", else the last word;
    numbers ("School No. 5") and a quoted proper name ("Zone \"Lipetsk\"") are skipped."""
    for i in range(start + 1, end):
        if doc[i].lower_ in _HEAD_ENDS:
            end = i
            break
    last = end - 1
    if doc[last].text in _QUOTES:
        opening = [i for i in range(start, last) if doc[i].text in _QUOTES]
        if opening:
            last = opening[-1] - 1
    while last > start and (doc[last].like_num or doc[last].is_punct or doc[last].lower_ in _NUMBER_SIGNS):
        last -= 1
    return last


def _place_after_of(doc: Doc, start: int, end: int) -> Place | None:
    """The place named after the last "of (the)" of [start, end): "Government of Novosibirsk Oblast"."""
    ofs = [i for i in range(start + 1, end - 1) if doc[i].lower_ == "of"]
    if not ofs:
        return None
    tail = ofs[-1] + 1
    if doc[tail].lower_ == "the":
        tail += 1
    return _place(_span_text(doc, tail, end)) if tail < end else None


def coordination_point(doc: Doc, start: int, end: int, modifiers: frozenset[str] = frozenset()) -> int | None:
    """The "and" of an INSTITUTION span that joins two names, else None.

    Two names, not one with "and" inside ("Department of Culture and Tourism", "Harbin
    Vocational and Technical College"), when
    - a comma comes before the "and", the left side holds an institution word and the right one
      is a name of two or more words, holds one too or is a place ("... Institute of Arts, and
      Chongqing No. 8 Middle School"; not "Department of Culture, Radio, Television, and Tourism");
    - the left side holds an institution word (or is an acronym) and the right side is a name
      of two or more words ending in one ("... Institute of Russia and Central China
      University", "ZabGU and Hulunbuir University");
    - the left side ends in "of <place>" ("Government of Novosibirsk Oblast and Qingdao Haitong").
    Institution words among ``modifiers`` do not make a side a name ("Harbin Vocational").
    """
    for i in range(start + 1, end - 1):
        if doc[i].lower_ not in _CONNECTORS:
            continue
        comma = doc[i - 1].text == ","
        left_end = i - 1 if comma else i
        if left_end <= start:
            continue
        # An acronym is a name of its own ("ZabGU and Hulunbuir University").
        left_named = _span_has_keyword(doc, start, left_end, modifiers) or (
            left_end - start == 1 and is_short_form(doc[start].text))
        if comma and left_named and (end - i > 2 or _span_has_keyword(doc, i + 1, end)
                                     or _place(doc[i + 1].text) is not None):
            return i
        if left_named and end - i > 2 and _has_keyword(doc[head_index(doc, i + 1, end)].text):
            return i
        if _place_after_of(doc, start, left_end) is not None:
            return i
    return None


def plausible_institution_match(doc: Doc, cand: Candidate, modifiers: frozenset[str] = frozenset()) -> bool:
    """A rule match is no single name when it runs over a field gap ("Bureau   Views"), a
    sentence end ("Blagoveshchensk. The Amur ... Hospital") or joins two names with "and";
    the span ruler keeps the shorter matches, which stand instead."""
    inside = range(cand.start + 1, cand.end - 1)
    if any(doc[i].is_space or _is_sentence_end(doc, i) for i in inside):
        return False
    return coordination_point(doc, cand.start, cand.end, modifiers) is None


def split_institution(doc: Doc, cand: Candidate, trim: TrimRules,
                      modifiers: frozenset[str] = frozenset()) -> list[Candidate]:
    """Cut an INSTITUTION span into the names it runs together (``plausible_institution_match``).

    At field gaps and sentence ends the pieces with an institution word stay (else the first);
    at a coordination both sides stay, a side that is a place as a GPE.
    """
    if cand.label != INSTITUTION:
        return [cand]
    cuts = [i for i in range(cand.start + 1, cand.end - 1) if doc[i].is_space or _is_sentence_end(doc, i)]
    bounds = [cand.start - 1, *cuts, cand.end]
    pieces = [(a + 1, b) for a, b in zip(bounds, bounds[1:]) if b > a + 1]
    named = [piece for piece in pieces if _span_has_keyword(doc, *piece)]
    result: list[Candidate] = []
    for start, end in named or pieces[:1]:
        point = coordination_point(doc, start, end, modifiers)
        if point is None:
            sides = [(start, end)]
        else:
            sides = [(start, point), (point + 1, end)]
        for side_start, side_end in sides:
            label = INSTITUTION
            if not _span_has_keyword(doc, side_start, side_end) and _place(_span_text(doc, side_start, side_end)):
                label = GPE
            piece = trim_span(doc, Candidate(side_start, side_end, label), trim)
            if piece is not None:
                result.extend(split_institution(doc, piece, trim, modifiers) if point is not None else [piece])
    return result


def cut_possessive_places(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """"China's Qingdao Haitong ... Co., Ltd." -> GPE "China" + INSTITUTION; "Voronezh's Duma"
    leaves a lone "Duma", which ``is_generic_institution`` then drops."""
    result: list[Candidate] = []
    for cand in cands:
        cut = None
        if cand.label == INSTITUTION:
            cut = next((i for i in range(cand.start + 1, min(cand.start + 4, cand.end - 1))
                        if doc[i].lower_ in _POSSESSIVES), None)
        if cut is not None and _place(_span_text(doc, cand.start, cut)) is not None:
            result += [Candidate(cand.start, cut, GPE), Candidate(cut + 1, cand.end, INSTITUTION)]
        else:
            result.append(cand)
    return result


def cut_trailing_countries(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """"Karaganda Higher Polytechnic College of Kazakhstan" -> INSTITUTION + GPE "Kazakhstan".

    Only when the name starts with its own city or region: "of <country>" then only says where
    it is ("Peoples' Friendship University of Russia" keeps it).
    """
    result: list[Candidate] = []
    for cand in cands:
        if cand.label == INSTITUTION and len(cand) > 3 and _place(doc[cand.start].text) is not None:
            ofs = [i for i in range(cand.start + 2, cand.end - 1) if doc[i].lower_ == "of"]
            if ofs:
                of = ofs[-1]
                tail = of + 2 if doc[of + 1].lower_ == "the" and of + 2 < cand.end else of + 1
                place = _place(_span_text(doc, tail, cand.end))
                if place is not None and place.kind == "country" and _has_keyword(doc[of - 1].text):
                    result += [Candidate(cand.start, of, INSTITUTION), Candidate(tail, cand.end, GPE)]
                    continue
        result.append(cand)
    return result


def extend_place_aliases(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """"Government of the Republic of Sakha (Yakutia)": a bracketed other name of the place
    that ends an INSTITUTION belongs to it (only when both resolve to the same place)."""
    result = list(cands)
    for index, cand in enumerate(result):
        if cand.label != INSTITUTION or cand.end + 2 >= len(doc) or doc[cand.end].text != "(":
            continue
        close = next((k for k in range(cand.end + 2, min(cand.end + 6, len(doc))) if doc[k].text == ")"), None)
        if close is None:
            continue
        alias = _place(_span_text(doc, cand.end + 1, close))
        if alias is None:
            continue
        tails = (_place(_span_text(doc, start, cand.end)) for start in range(cand.end - 1, max(cand.start, cand.end - 5), -1))
        if any(tail is not None and tail.name == alias.name for tail in tails):
            result[index] = Candidate(cand.start, close + 1, INSTITUTION)
    return longest_first(result)


def _name_run_start(doc: Doc, end: int) -> int:
    """Start of the run of capitalised words (and hyphens inside them) that ends at ``end``."""
    start = end
    while start > 0:
        token = doc[start - 1]
        if token.is_alpha and _is_capitalised(token) and not token.is_stop:
            start -= 1
        elif token.text == "-" and start - 2 >= 0 and _is_capitalised(doc[start - 2]) and start < end:
            start -= 1
        else:
            break
    return start


def join_coordinated_names(doc: Doc, cands: Sequence[Candidate],
                           words: InstitutionWords = InstitutionWords()) -> list[Candidate]:
    """"Harbin Vocational and Technical College": a name with "and" inside that the model cut.

    The capitalised words before an INSTITUTION join it when the INSTITUTION starts right after
    "and" ("Harbin Vocational" PERSON + "and" + "Technical College" ORG) or holds an "and" with
    no institution word before it ("Dalian Maritime" + "Vocational and Technical College"). The
    words must hold no institution word (modifiers such as "Vocational" aside) and be neither a
    place, a person's name nor an acronym ("ZabGU and Hulunbuir University"), nor end in a place.
    """
    result = sorted(cands)
    for cand in list(result):
        if cand.label != INSTITUTION or cand not in result:
            continue
        if cand.start >= 2 and doc[cand.start - 1].lower_ == "and":
            run_end = cand.start - 1
        else:
            inner_and = next((i for i in range(cand.start + 1, cand.end - 1) if doc[i].lower_ == "and"), None)
            if inner_and is None or _span_has_keyword(doc, cand.start, inner_and, words.name_modifiers):
                continue
            run_end = cand.start
        start = _name_run_start(doc, run_end)
        if start == run_end:
            continue
        run = _span_text(doc, start, run_end)
        if (_span_has_keyword(doc, start, run_end, words.name_modifiers) or _place(run) is not None
                or _place(doc[run_end - 1].text) is not None
                or (run_end - start == 1 and is_short_form(doc[start].text))  # "ZabGU and Hulunbuir University"
                or _person(run) is not None and _person(run).culture in NAME_CULTURES):
            continue
        inside = [c for c in result if c.start < run_end and c.end > start]
        if any(c.start < start or c.label in (PERSON, GPE) and looks_like_person(_span_text(doc, c.start, c.end))
               for c in inside):
            continue
        result = [c for c in result if c not in inside and c != cand] + [Candidate(start, cand.end, INSTITUTION)]
        result.sort()
    return result


def extend_place_designators(doc: Doc, cands: Sequence[Candidate], words: InstitutionWords) -> list[Candidate]:
    """A capitalised place designator that no entity covers completes the name before it when
    that name has no institution word: "Ussuriysk Urban" + "District", "Sakhalin" + "Oblast"
    (model spans cut short by a title or a person's name)."""
    covered = {i for c in cands for i in range(c.start, c.end)}
    result: list[Candidate] = []
    for cand in cands:
        end = cand.end
        if (cand.label in (INSTITUTION, GPE) and end < len(doc) and end not in covered
                and _is_capitalised(doc[end]) and doc[end].lower_ in words.place_designators
                and not _span_has_keyword(doc, cand.start, end)):
            cand = Candidate(cand.start, end + 1, cand.label)
        result.append(cand)
    return result


def relabel_place_institutions(doc: Doc, cands: Sequence[Candidate], words: InstitutionWords) -> list[Candidate]:
    """INSTITUTION spans that are places: the whole span ("Russian Federation", whatever its
    words), a place after compass words ("Northeast China" -> GPE "China"), a place and a
    designator without institution word ("Changchun New Area"), or a list of places
    ("Irkutsk, Angarsk and Shelekhov" -> three GPEs)."""
    result: list[Candidate] = []
    for cand in cands:
        if cand.label != INSTITUTION:
            result.append(cand)
            continue
        text = _span_text(doc, cand.start, cand.end)
        if _place(text) is not None:
            result.append(Candidate(cand.start, cand.end, GPE))
            continue
        if _has_keyword(text):
            result.append(cand)
            continue
        start = cand.start
        while start < cand.end - 1 and doc[start].lower_ in words.directions:
            start += 1
        if start > cand.start and _place(_span_text(doc, start, cand.end)) is not None:
            result.append(Candidate(start, cand.end, GPE))
            continue
        if len(cand) > 1 and doc[cand.end - 1].lower_ in words.place_designators and _place(doc[cand.start].text):
            result.append(Candidate(cand.start, cand.end, GPE))
            continue
        seps = [i for i in range(cand.start, cand.end) if doc[i].text == "," or doc[i].lower_ in _CONNECTORS]
        bounds = [cand.start - 1, *seps, cand.end]
        parts = [(a + 1, b) for a, b in zip(bounds, bounds[1:]) if b > a + 1]
        if seps and all(_place(_span_text(doc, a, b)) is not None for a, b in parts):
            result.extend(Candidate(a, b, GPE) for a, b in parts)
            continue
        result.append(cand)
    return result


def is_generic_institution(doc: Doc, cand: Candidate) -> bool:
    """An INSTITUTION span that names nothing: no capital letter ("university museum"), one
    institution word alone ("Embassy", "Duma"), a one-word common noun or verb of a menu
    ("Machinery", "Search"; needs the tagger), or an abbreviation of lower-case words
    ("liquefied natural gas (LNG)")."""
    tokens = doc[cand.start:cand.end]
    if not any(_is_capitalised(t) for t in tokens if t.is_alpha):
        return True
    if len(cand) > 1:
        return False
    token = doc[cand.start]
    if _has_keyword(token.text):
        return True
    if not token.is_upper and token.pos_ in _COMMON_WORD_POS:
        return True
    return (token.is_upper and cand.start >= 2 and doc[cand.start - 1].text == "("
            and doc[cand.start - 2].is_alpha and doc[cand.start - 2].is_lower)


def drop_non_institutions(doc: Doc, cands: Sequence[Candidate], words: InstitutionWords) -> list[Candidate]:
    """Events, forums, buildings and rooms are no institutions (guidelines):

    - the head of the span is an event or facility noun ("China-Northeast Asia Expo",
      "Yanta Conference Hall"); "Inaugural Ceremony of the Sino-Russian ... Alliance" keeps the
      institution after "of (the)";
    - the span is followed by more capitalised words ending in such a noun: it is part of an
      event's name ("Sino-Russian University" of "Sino-Russian University Rectors' Forum").
    Generic spans (``is_generic_institution``) go too.
    """
    result: list[Candidate] = []
    heads = words.non_institution_heads
    for cand in cands:
        if cand.label != INSTITUTION:
            result.append(cand)
            continue
        head = head_index(doc, cand.start, cand.end)
        if doc[head].lower_ in heads:
            rest = next((i for i in range(head + 1, cand.end - 1) if doc[i].lower_ == "of"), None)
            if rest is not None:
                rest += 2 if doc[rest + 1].lower_ == "the" else 1
                if rest < cand.end and _span_has_keyword(doc, rest, cand.end):
                    result.append(Candidate(rest, cand.end, INSTITUTION))
            continue
        end = cand.end
        while end < len(doc) and end - cand.end < 4 and (
                doc[end].is_alpha and _is_capitalised(doc[end]) or doc[end].text in ("'", "’", "'s", "’s")):
            end += 1
        if end > cand.end and doc[end - 1].lower_ in words.event_heads:
            continue
        if not is_generic_institution(doc, cand):
            result.append(cand)
    return result


def _covering(cands: Sequence[Candidate], start: int, end: int) -> list[Candidate]:
    return [c for c in cands if c.start < end and start < c.end]


def _add_institution(doc: Doc, cands: list[Candidate], start: int, end: int) -> list[Candidate]:
    """Put an INSTITUTION on [start, end) unless one already overlaps it or another entity
    crosses its edges; entities inside it give way. A DATE that runs on from inside ("Xinhua|
    2019-10-12") keeps its part after the separators."""
    hits = _covering(cands, start, end)
    kept: list[Candidate] = []
    for c in hits:
        if c.label == INSTITUTION:
            return cands
        if c.start >= start and c.end <= end:
            continue
        after = end
        while after < c.end and not any(ch.isalnum() for ch in doc[after].text):
            after += 1
        if c.label != DATE or c.start < start or after >= c.end:
            return cands
        kept.append(Candidate(after, c.end, DATE))
    return sorted([c for c in cands if c not in hits] + kept + [Candidate(start, end, INSTITUTION)])


def add_acronyms(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Abbreviations of the article's institutions are INSTITUTIONs wherever they stand.

    An abbreviation is defined in brackets right after a name ("Shenyang Institute of
    International Studies (SIIS, China)") or spells the initials of a name of the article
    ("ZSTU" for "Zeya State Technical University", ``name_initials``). Places ("PRC") are not.
    An INSTITUTION made of such abbreviations and "and" ("HLJU and FEFU") is split into them.
    """
    result = sorted(cands)
    names = [c for c in result if c.label == INSTITUTION]
    known = {initials for c in names if len(c) > 1
             and len(initials := _initials(_span_text(doc, c.start, c.end))) >= MIN_ACRONYM_LENGTH}
    for c in names:
        k = c.end
        if k + 2 < len(doc) and doc[k].text == "(" and _is_acronym(doc[k + 1]) and doc[k + 2].text in (")", ","):
            known.add(doc[k + 1].text)
    known = {acronym for acronym in known if _place(acronym) is None}
    if not known:
        return result
    # "HLJU and FEFU" tagged as one ORG: each abbreviation is a name of its own.
    for c in [c for c in result if c.label == INSTITUTION and len(c) > 2]:
        tokens = doc[c.start:c.end]
        if all(t.text in known or t.lower_ in _CONNECTORS or t.text in (",", "/") for t in tokens):
            result = [x for x in result if x != c]
            result += [Candidate(t.i, t.i + 1, INSTITUTION) for t in tokens if t.text in known]
    result.sort()
    for token in doc:
        if not _is_acronym(token) or token.text not in known:
            continue
        hits = _covering(result, token.i, token.i + 1)
        if hits and len(hits[0]) == 1 and hits[0].label in (GPE, PERSON):
            result = [c for c in result if c != hits[0]]
        result = _add_institution(doc, result, token.i, token.i + 1)
    return result


def add_company_short_forms(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Short forms of the article's company names are INSTITUTIONs: "Qingdao Haitong" after
    "Qingdao Haitong Rail Equipment Co., Ltd." (``is_short_form_of``: the first two or more
    words of a name that ends in a legal form), unless they name a place ("Lipetsk Region" of
    "Lipetsk Region Development Corporation")."""
    result = sorted(cands)
    companies = {
        _span_text(doc, c.start, c.end) for c in result
        if c.label == INSTITUTION and len(c) > 2 and is_company_name(_span_text(doc, c.start, c.end))
    }
    for full in companies:
        first = full.split()[0].casefold()
        size = len(full.split())
        for token in doc:
            if token.lower_ != first:
                continue
            for end in range(min(token.i + size - 1, len(doc)), token.i + 1, -1):
                short = _span_text(doc, token.i, end)
                if all(t.is_alpha and _is_capitalised(t) or t.text == "-" for t in doc[token.i:end]) \
                        and _place(short) is None and is_short_form_of(short, full):
                    result = _add_institution(doc, result, token.i, end)
                    break
    return result


def _in_dateline(doc: Doc, i: int) -> bool:
    """Whether token ``i`` is among the first words of a line that opens with a city in
    capitals ("KHABAROVSK, June 15.")."""
    start = i
    while start > 0 and "\n" not in doc[start - 1].text and i - start < MAX_DATELINE_TOKENS:
        start -= 1
    first = doc[start]
    return (start == 0 or "\n" in doc[start - 1].text) and first.is_alpha and first.is_upper and len(first) > 2


def add_wire_credits(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Wire agencies in datelines are INSTITUTIONs (guidelines): a short capitalised name in
    brackets or slashes right after a DATE or after the day of a dateline ("MOSCOW, July 13
    (Interfax) -", "YAKUTSK, September 16. /TASS/.") or opening a line before a time
    ("(People's Daily Online) 09:47, July 06, 2019"). "about 300 (Chinese) students" is none."""
    result = sorted(cands)
    date_ends = {c.end for c in result if c.label == DATE}
    date_starts = {c.start for c in result if c.label == DATE}
    for token in doc:
        if token.text not in ("(", "/"):
            continue
        closing = ")" if token.text == "(" else "/"
        start = token.i + 1
        end = next((k for k in range(start, min(start + MAX_CREDIT_TOKENS + 1, len(doc))) if doc[k].text == closing), None)
        if end is None or end == start or not _is_capitalised(doc[start]):
            continue
        if not all(t.is_alpha and _is_capitalised(t) or t.text in _NAME_JOINERS for t in doc[start:end]):
            continue
        place = _place(_span_text(doc, start, end))  # agencies may share a town's name ("Xinhua")
        if any(c.label == DATE for c in _covering(result, start, end)) or place is not None and place.kind == "country":
            continue
        before = token.i - 1
        if before >= 0 and doc[before].text == ".":
            before -= 1
        after_date = before >= 0 and (before + 1 in date_ends or doc[before].like_num and _in_dateline(doc, before))
        line_start = token.i == 0 or "\n" in doc[token.i - 1].text
        before_time = end + 1 < len(doc) and (doc[end + 1].like_num or doc[end + 1].text[:1].isdigit()
                                              or end + 1 in date_starts)
        if after_date or (line_start and before_time):
            result = _add_institution(doc, result, start, end)
    return result


def add_field_sources(doc: Doc, cands: Sequence[Candidate], words: InstitutionWords) -> list[Candidate]:
    """The value of a "Source:" field names an institution: "Source: Xinhua| 2019-10-12".

    The value is the run of capitalised words (with "of", "and", "the" inside) up to the end
    of the field (a gap, "|", a line break, or the next "Label:"); a person's name is left alone.
    """
    result = sorted(cands)
    for token in doc[:-2]:
        if token.lower_ not in words.field_labels or doc[token.i + 1].text not in (":", "："):
            continue
        start = end = token.i + 2
        while end < len(doc) and (doc[end].is_alpha and _is_capitalised(doc[end])
                                  or end > start and doc[end].lower_ in _NAME_JOINERS):
            if end + 1 < len(doc) and doc[end + 1].text in (":", "："):
                break
            end += 1
        while end > start and doc[end - 1].lower_ in _NAME_JOINERS:
            end -= 1
        if end > start and not looks_like_person(_span_text(doc, start, end)):
            result = _add_institution(doc, result, start, end)
    return result


def add_described_names(doc: Doc, cands: Sequence[Candidate], words: InstitutionWords,
                        people: Sequence[Candidate] = ()) -> list[Candidate]:
    """A capitalised name right after a media or company noun is that outlet or company:
    "the newspaper Chita Vestnik" (tagged PERSON), "the news agency Zabaikalye Today" (GPE +
    DATE), "the Russian dealer Avtodom-Yug". The noun must be one (by its tag, where tagged:
    "holding Olympic Games" is a verb); names the name finder is sure of stay people, and
    event names ("... Games"), countries and regions are no outlets."""
    result = sorted(cands)
    for token in doc[:-1]:
        if token.lower_ not in words.descriptors or not token.is_lower or token.pos_ not in ("NOUN", "PROPN", ""):
            continue
        start = end = token.i + 1
        while end < len(doc) and (doc[end].is_alpha and _is_capitalised(doc[end]) and not doc[end].is_sent_start
                                  or doc[end].text == "-" and end > start and end + 1 < len(doc)
                                  and _is_capitalised(doc[end + 1])):
            end += 1
        if end == start or any(p.overlaps(Candidate(start, end, PERSON)) for p in people):
            continue
        if any(c.label == TITLE for c in _covering(result, start, end)):
            continue
        if doc[head_index(doc, start, end)].lower_ in words.non_institution_heads:
            continue
        place = _place(_span_text(doc, start, end))
        if place is not None and place.kind != "city":  # "the TV channel Russia-1" names no outlet
            continue
        result = _add_institution(doc, result, start, end)
    return result


def drop_site_credits(doc: Doc, cands: Sequence[Candidate], words: InstitutionWords) -> list[Candidate]:
    """Entities on a footer line of site credits ("Hosted by: ... Undertaken by: ...") go."""
    lines = [
        (line[0].i, line[-1].i + 1) for line in _lines(doc)
        if any(t.lower_ in words.site_credits and t.i + 2 < len(doc) and doc[t.i + 1].lower_ == "by"
               and doc[t.i + 2].text in (":", "：") for t in line)
    ]
    return drop_site_lines(cands, lines) if lines else list(cands)


def _lines(doc: Doc) -> list[list[Token]]:
    """The doc's lines: tokens between line breaks, whitespace tokens left out."""
    lines: list[list[Token]] = [[]]
    for token in doc:
        if "\n" in token.text:
            lines.append([])
        elif not token.is_space:
            lines[-1].append(token)
    return [line for line in lines if line]


def site_lines(doc: Doc, cands: Sequence[Candidate], words: InstitutionWords) -> list[tuple[int, int]]:
    """Token ranges of the lines that name the site, not the story (not annotated, guidelines).

    The first line is the masthead when it holds an INSTITUTION and nothing but names (of
    institutions or places), site words ("Official website of the", "News", "Press centre")
    and symbols; the lines right after it that hold nothing else either ("Official website",
    "Hospital News", "Current location: Home > Foreign Affairs News") belong to it.
    """
    label_of = {i: c.label for c in cands for i in range(c.start, c.end)}
    found: list[tuple[int, int]] = []
    for line in _lines(doc):
        places = _uncovered_places(doc, line, label_of)
        site_like = all(
            label_of.get(t.i) in (INSTITUTION, GPE) or t.i in places or t.lower_ in words.site_words
            or not any(ch.isalnum() for ch in t.text)
            for t in line
        )
        has_name = any(label_of.get(t.i) == INSTITUTION for t in line)
        if not site_like or (not found and not has_name):
            break
        found.append((line[0].i, line[-1].i + 1))
    return found


def _uncovered_places(doc: Doc, line: Sequence[Token], label_of: dict[int, str]) -> set[int]:
    """Indices of the runs of capitalised words of a line that no entity covers and that name a
    place (the gazetteer adds those later: "... of Irkutsk")."""
    found: set[int] = set()
    run: list[int] = []
    for token in [*line, None]:
        if token is not None and token.i not in label_of and token.is_alpha and _is_capitalised(token) \
                and (not run or token.i == run[-1] + 1):
            run.append(token.i)
            continue
        if run and _place(_span_text(doc, run[0], run[-1] + 1)) is not None:
            found.update(run)
        run = [token.i] if token is not None and token.i not in label_of and token.is_alpha \
            and _is_capitalised(token) else []
    return found


def drop_site_lines(cands: Sequence[Candidate], lines: Sequence[tuple[int, int]]) -> list[Candidate]:
    """Entities of the site lines go."""
    return [c for c in cands if not any(start <= c.start and c.end <= end for start, end in lines)]


def fix_institutions(doc: Doc, cands: Sequence[Candidate], words: InstitutionWords,
                     people: Sequence[Candidate] = ()) -> list[Candidate]:
    """The INSTITUTION checks after the entities are merged, in order (each function says why)."""
    cands = cut_possessive_places(doc, cands)
    cands = cut_trailing_countries(doc, cands)
    cands = extend_place_aliases(doc, cands)
    cands = join_coordinated_names(doc, cands, words)
    cands = extend_place_designators(doc, cands, words)
    cands = relabel_place_institutions(doc, cands, words)
    cands = drop_non_institutions(doc, cands, words)
    cands = add_acronyms(doc, cands)
    cands = add_company_short_forms(doc, cands)
    cands = add_wire_credits(doc, cands)
    cands = add_field_sources(doc, cands, words)
    cands = add_described_names(doc, cands, words, people)
    cands = drop_site_credits(doc, cands, words)
    return longest_first(cands)


def split_glued_separators(doc: Doc) -> bool:
    """Split "|" and "/" off the words the tokenizer glued them to ("/TASS/." -> "/", "TASS",
    "/", "."; "Xinhua|" -> "Xinhua", "|"), so that the names can be entities. URLs stay whole.
    New word pieces keep the token's tags (a capitalised one is a proper noun), separators are
    punctuation; only the first piece may start a sentence. Returns whether anything changed."""
    targets: list[tuple[Token, list[str]]] = []
    for token in doc:
        if ("|" in token.text or "/" in token.text) and not _URL_LIKE.search(token.text):
            pieces = [piece for piece in _GLUED_SEPARATOR.split(token.text) if piece]
            if len(pieces) > 1:
                targets.append((token, pieces))
    if not targets:
        return False
    inner_starts: set[int] = set()  # character offsets of the pieces after the first
    with doc.retokenize() as retokenizer:
        for token, pieces in targets:
            words = [any(ch.isalnum() for ch in piece) for piece in pieces]
            proper = [word and piece[:1].isupper() for word, piece in zip(words, pieces)]
            offsets = [token.idx + sum(map(len, pieces[:k])) for k in range(len(pieces))]
            inner_starts.update(offsets[1:])
            attrs = {
                "TAG": ["NNP" if p else token.tag_ if w else "NFP" for w, p in zip(words, proper)],
                "POS": ["PROPN" if p else token.pos_ if w else "PUNCT" for w, p in zip(words, proper)],
            }
            retokenizer.split(token, pieces, heads=[(token, k) for k in range(len(pieces))], attrs=attrs)
    for token in doc:
        if token.idx in inner_starts:
            token.is_sent_start = False
    return True


def resolve_entities(doc: Doc, model: Sequence[Candidate], rules: Sequence[Candidate],
                     trim: TrimRules, given_names: frozenset[str] = frozenset(),
                     words: InstitutionWords = InstitutionWords()) -> list[Candidate]:
    """All steps of the module docstring, in order: the final non-overlapping entities."""
    return resolve_with_site_lines(doc, model, rules, trim, given_names, words)[0]


def resolve_with_site_lines(doc: Doc, model: Sequence[Candidate], rules: Sequence[Candidate],
                            trim: TrimRules, given_names: frozenset[str] = frozenset(),
                            words: InstitutionWords = InstitutionWords(),
                            ) -> tuple[list[Candidate], list[tuple[int, int]]]:
    """``resolve_entities`` and the token ranges of the site lines whose entities it dropped."""
    people = sure_people(doc, rules, given_names)
    other_rules = [
        rule for rule in rules
        if not any(rule.overlaps(person) for person in people)
        and (rule.label != INSTITUTION or plausible_institution_match(doc, rule, words.name_modifiers))
    ]
    # Model spans are trimmed first too, so a TITLE after "the" still stands at their edge.
    model = [t for c in model if (t := trim_span(doc, c, trim)) is not None]
    model = [piece for c in model for piece in split_institution(doc, c, trim, words.name_modifiers)]
    merged = extend_numbers(doc, merge_candidates(cut_around_people(doc, model, people), other_rules + people))
    trimmed = [t for c in merged if (t := trim_span(doc, c, trim)) is not None]
    checked = relabel_places(doc, relabel_people(doc, drop_unmarked_institutions(doc, trimmed)))
    mentioned = tag_family_mentions(doc, longest_first(checked))
    chained = longest_first(join_institution_chains(doc, mentioned))
    fixed = fix_institutions(doc, chained, words, people)
    lines = site_lines(doc, fixed, words)
    return drop_site_lines(fixed, lines), lines


def extend_numbers(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """An institution cut at "No" when the tokenizer split "No." from its number ("Clinical
    Hospital No" + "." + "1" at a line end) takes the number back."""
    result = []
    for cand in cands:
        end = cand.end
        if cand.label == INSTITUTION and end + 1 < len(doc) and doc[end - 1].text in ("No", "no") \
                and doc[end].text == "." and doc[end + 1].like_num and not any(
                    c is not cand and c.start <= end + 1 < c.end for c in cands):
            cand = Candidate(cand.start, end + 2, cand.label)
        result.append(cand)
    return result


def read_given_names(path: str = str(GIVEN_NAMES_FILE)) -> list[str]:
    """The Russian given names and their canonical spellings, casefolded and sorted."""
    from pathlib import Path

    rows = read_csv_table(Path(path), ("name", "canonical"))
    return sorted({cell.strip().casefold() for row in rows for cell in row.values() if cell.strip()})


class EntityMerger(RulesComponent):
    """Sets ``doc.ents`` from the NER entities and the rule span group; no ``._`` attributes.

    ``self.rules`` = {"trim": rows of patterns/entity_trim.csv, "given_names": [...],
    "institution_words": rows of patterns/institution_words.csv}. The site lines it finds are
    left in ``doc.spans[SITE_LINES_KEY]``.
    """

    def __init__(self, name: str, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key
        self.rules: dict[str, list] = {"trim": [], "given_names": [], "institution_words": []}
        self._trim = TrimRules.from_rows([])
        self._given_names: frozenset[str] = frozenset()
        self._words = InstitutionWords()

    def _apply_rules(self) -> None:
        self._trim = TrimRules.from_rows(self.rules["trim"])
        self._given_names = frozenset(self.rules["given_names"])
        self._words = InstitutionWords.from_rows(self.rules.get("institution_words", []))

    def initialize(self, get_examples: Callable | None = None, *, nlp: Language | None = None,
                   trim_rows: list[dict[str, str]] | None = None, given_names: list[str] | None = None,
                   institution_words: list[dict[str, str]] | None = None) -> None:
        self.rules = {
            "trim": trim_rows if trim_rows is not None else read_trim_rows(),
            "given_names": sorted({n.casefold() for n in given_names}) if given_names is not None else read_given_names(),
            "institution_words": institution_words if institution_words is not None else read_institution_words(),
        }
        self._apply_rules()

    def __call__(self, doc: Doc) -> Doc:
        rule_chars = [(s.start_char, s.end_char, s.label_) for s in doc.spans.get(self.spans_key, [])]
        if self.spans_key in doc.spans:
            del doc.spans[self.spans_key]
        split_glued_separators(doc)  # before reading offsets: ents follow, rule spans are re-found
        model = [Candidate(e.start, e.end, e.label_) for e in doc.ents]
        rules = [Candidate(span.start, span.end, label) for start, end, label in rule_chars
                 if (span := doc.char_span(start, end)) is not None]
        final, lines = resolve_with_site_lines(doc, model, rules, self._trim, self._given_names, self._words)
        doc.ents = [Span(doc, c.start, c.end, label=c.label) for c in final]
        if lines:
            doc.spans[SITE_LINES_KEY] = [Span(doc, start, end) for start, end in lines]
        return doc


@Language.factory(
    FACTORY_ENTITY_FIXER,
    default_config={"spans_key": RULE_SPANS_KEY},
    assigns=["doc.ents"],
    requires=["doc.ents"],
)
def make_entity_merger(nlp: Language, name: str, spans_key: str) -> EntityMerger:
    return EntityMerger(name, spans_key)
