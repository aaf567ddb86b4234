"""Agreements signed, read from sentences with an AGREEMENT phrase and a signing verb.

One record per AGREEMENT phrase governed by a signing verb (``SigningClause``): its type
(patterns/agreement_types.csv), parties, signatories, date and place; ``merge_agreements``
joins the later sentences that complete an agreement ("The document was signed by ...").
Records are plain dicts (see pipeline.components.events).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc, Span, Token

from pipeline.components.sentences import (
    SentenceView, coordinated, date_at, date_offsets, date_value, inside_official, is_planned,
    is_venue, place_kind, side_institution,
)
from pipeline.labels import AGREEMENT, GPE, INSTITUTION, PERSON, SISTER_CITY_AGREEMENT
from pipeline.normalize.institutions import has_institution_keyword, institution_type
from pipeline.normalize.names import normalize_person
from pipeline.normalize.places import find_place, resolve_place


# How far (in tokens) after an agreement phrase its "between X and Y" may stand.
BETWEEN_WINDOW = 8


def agreement_type(text: str, table: Sequence[dict[str, str]]) -> str:
    """The type whose keyword occurs in the phrase, lowest priority number first."""
    lower = text.lower()
    hits = [row for row in table if re.search(rf"\b{re.escape(row['keyword'])}\b", lower)]
    if not hits:
        return "other"
    return min(hits, key=lambda row: int(row["priority"]))["agreement_type"]


def find_agreements(view: SentenceView, previous_date: Span | None, context: dict[str, Any],
                    type_table: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    """Agreements concluded in a sentence: one record per AGREEMENT phrase governed by a
    signing verb that is not a plan ("X and Y signed A, and Z concluded B with W": two)."""
    signs = view.triggers.get("SIGN", [])
    phrases = [p for p in view.of(AGREEMENT) if not _is_batch(p)]
    if not signs:
        return []
    if not phrases:
        anaphoric = _anaphoric_signing(view, context) if not view.of(AGREEMENT) else None
        return [anaphoric] if anaphoric is not None else []
    records: list[dict[str, Any]] = []
    clause_start = view.sent.start
    clauses = _signing_clauses(signs, phrases)
    for index, (sign_at, governed) in enumerate(clauses):
        next_sign = clauses[index + 1][0] if index + 1 < len(clauses) else None
        clause = SigningClause.build(view, sign_at, governed, clause_start, next_sign)
        clause_start = clause.end
        if not is_planned(view, sign_at):
            records.extend(_clause_agreements(clause, previous_date, context, type_table))
    return records


@dataclass
class SigningClause:
    """A signing verb, the AGREEMENT phrases it governs and the tokens that are its own: from
    the end of the previous clause to the ";" or ", and" that opens the next one."""

    view: SentenceView
    sign_at: int
    phrases: list[Span]
    start: int
    end: int

    @classmethod
    def build(cls, view: SentenceView, sign_at: int, phrases: list[Span], start: int,
              next_sign: int | None) -> SigningClause:
        """The clause ends before the next clause's verb: at the last ";" or ", and" before
        it, else where the next clause's words begin."""
        doc = view.sent.doc
        if next_sign is None:
            return cls(view, sign_at, phrases, start, view.sent.end)
        first = max(phrases[-1].end, sign_at + 1)
        end = next_sign if next_sign > first else first
        for token in doc[first:next_sign]:
            if token.text == ";" or (token.lower_ in _CLAUSE_JOINERS and doc[token.i - 1].text == ","):
                end = token.i
        return cls(view, sign_at, phrases, start, end)

    def ents(self, *labels: str) -> list[Span]:
        return [e for e in self.view.of(*labels) if e.start >= self.start and e.end <= self.end]

    def tail(self, phrase: Span) -> tuple[int, int]:
        """The tokens of one phrase and what follows it up to the next phrase."""
        later = [p.start for p in self.phrases if p.start > phrase.start]
        return phrase.start, min(later) if later else self.end

    @property
    def text(self) -> str:
        doc = self.view.sent.doc
        return doc[self.start:self.end].text


# Words after a comma that start a new clause with its own subject and verb.
_CLAUSE_JOINERS = frozenset({"and", "while", "whereas", "but"})


def _signing_clauses(signs: list[int], phrases: list[Span]) -> list[tuple[int, list[Span]]]:
    """Each phrase under the signing verb before it ("signed an agreement"), else under the
    first one after it ("an agreement was signed"); clauses in sentence order."""
    governed: dict[int, list[Span]] = {}
    for phrase in phrases:
        before = [s for s in signs if s < phrase.start]
        after = [s for s in signs if s >= phrase.end]
        sign_at = before[-1] if before else (after[0] if after else None)
        if sign_at is not None:
            governed.setdefault(sign_at, []).append(phrase)
    return sorted(governed.items())


def _is_plural(phrase: Span) -> bool:
    """Whether the phrase names several agreements: its head (the word before "of"/"on", else
    the last word) is plural ("memoranda of understanding", not "Agreement on ... Relations")."""
    topic_at = next((i for i, t in enumerate(phrase) if t.pos_ == "ADP"), len(phrase))
    head = phrase[topic_at - 1] if topic_at > 0 else phrase[-1]
    return head.tag_ in ("NNS", "NNPS") or head.lower_ in ("memoranda", "agreements", "documents")


def _names_a_crowd(clause: SigningClause, party: str) -> bool:
    """Whether a party is only a place describing a crowd ("Amur enterprises", "Harbin
    companies"), not a body that signs."""
    doc = clause.view.sent.doc
    return any(
        e.text == party and e.label_ == GPE and e.end < len(doc) and doc[e.end].tag_ == "NNS" and doc[e.end].is_lower
        for e in clause.view.ents
    )


def _is_batch(phrase: Span) -> bool:
    """An unnamed batch, not one agreement: "signed 23 bilateral agreements"."""
    doc = phrase.doc
    counted = any(t.like_num and t.lower_ not in ("one", "1") for t in doc[max(phrase.start - 2, 0):phrase.end])
    return _is_plural(phrase) and counted


def _clause_agreements(clause: SigningClause, previous_date: Span | None, context: dict[str, Any],
                       type_table: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    """One record per phrase of a signing clause."""
    view, doc = clause.view, clause.view.sent.doc
    signers = _signers(clause)
    records = []
    for phrase in clause.phrases:
        parties, party_rank = _agreement_parties(clause, phrase, context)
        if party_rank == _PARTY_NONE or (party_rank == _PARTY_BOTH_SIDES and not _names_places(clause.text)):
            parties, party_rank = _parties_from_signers(doc, signers, parties, party_rank, context)
        if _is_plural(phrase) and all(_names_a_crowd(clause, party) for party in parties):
            # "Dozens of cooperation agreements were signed last year", "Amur enterprises
            # signed supply contracts": nobody is named.
            continue
        kind = agreement_type(_named_with_topic(phrase), type_table)
        if party_rank >= _PARTY_SIDES and kind == SISTER_CITY_AGREEMENT:
            # Twinning binds two cities: the two the sentence names, when it names two.
            cities = _cities_of_two_countries(view)
            if cities:
                parties, party_rank = cities, _PARTY_BOTH_SIDES
        record = _agreement_record(view, signers, previous_date, context, list(dict.fromkeys(parties)))
        record.update({
            "agreement_text": phrase.text,
            "agreement_type": kind,
            "bare": _is_reference(phrase),
            "title": _title(view, phrase),
            "party_rank": party_rank,
        })
        records.append(record)
    return records


def _named_with_topic(phrase: Span) -> str:
    """The phrase with the topic that follows it, which can name its kind ("agreement on the
    establishment of sister-city relations"), up to punctuation, a verb or "between"."""
    doc = phrase.doc
    end = phrase.end
    if end < len(doc) and doc[end].lower_ in ("on", "of"):
        while end < min(phrase.end + TOPIC_WINDOW, phrase.sent.end):
            token = doc[end]
            # A gerund names the topic ("on establishing friendly relations"); other verbs end it.
            verb = token.pos_ in ("VERB", "AUX") and token.tag_ != "VBG"
            if token.is_punct or verb or token.lower_ in ("between", "with", "by"):
                break
            end += 1
    return doc[phrase.start:end].text


# How many words after an agreement phrase its topic may run.
TOPIC_WINDOW = 8


def _is_reference(phrase: Span) -> bool:
    """"the agreement", "this memorandum": the agreement just named, unless the phrase
    introduces a new one ("an agreement on double degrees")."""
    doc = phrase.doc
    previous = doc[phrase.start - 1].lower_ if phrase.start > phrase.sent.start else "the"
    return phrase.text.lower() in _BARE_AGREEMENT_WORDS and previous not in _INDEFINITE


# Determiners of a phrase that introduces a new agreement.
_INDEFINITE = frozenset({"a", "an", "another", "one", "new"})


def _nominal_signing(doc: Doc, sign_at: int) -> bool:
    """"signing the agreement holds importance", "a signing ceremony": no subject signs."""
    token = doc[sign_at]
    return token.lower_ == "signing" and (sign_at == 0 or doc[sign_at - 1].pos_ != "AUX")


def _signers(clause: SigningClause) -> list[Span]:
    """People after "signed by", else the people in the verb's subject."""
    doc = clause.view.sent.doc
    persons = clause.ents(PERSON)
    by = [t.i for t in doc[clause.sign_at:clause.end] if t.lower_ == "by"]
    if by:
        return [p for p in persons if p.start > by[0]]
    if _nominal_signing(doc, clause.sign_at):
        return []
    start, end = _subject_segment(doc, clause)
    return [p for p in persons if p.start >= start and p.end <= end]


def _agreement_record(view: SentenceView, signers: list[Span], previous_date: Span | None,
                      context: dict[str, Any], parties: list[str]) -> dict[str, Any]:
    """The fields every agreement mention has: who signed, when and where, with evidence."""
    date = _signing_date(view)
    place = _signing_place(view, parties)
    fallback_date = date or previous_date
    return {
        "agreement_text": None,
        "agreement_type": None,
        "bare": True,
        "title": None,
        "parties": parties,
        "party_rank": _PARTY_NONE,
        "signatories": list(dict.fromkeys(p.text for p in signers)),
        "date_start_char": date_offsets(fallback_date)[0],
        "date_end_char": date_offsets(fallback_date)[1],
        "date_stated": date is not None,
        # Signed during the visit the article reports, unless the sentence says where.
        "place": place or context.get("destination"),
        "place_stated": place is not None,
        "start_char": view.sent.start_char,
        "end_char": view.sent.end_char,
    }


def _anaphoric_signing(view: SentenceView, context: dict[str, Any]) -> dict[str, Any] | None:
    """"The document was signed on Friday by X and Y": who, when and where of the agreement
    just named, from a sentence that names no AGREEMENT."""
    doc = view.sent.doc
    for sign_at in view.triggers.get("SIGN", []):
        passive = doc[sign_at - 1].lower_ in ("was", "were", "been", "is")
        subject = {t.lower_ for t in doc[view.sent.start:sign_at]}
        # "X and Y signed the document"
        obj = {t.lower_ for t in doc[sign_at + 1:min(sign_at + 3, view.sent.end)]}
        refers = (passive and subject & _ANAPHORS) or (not passive and obj & _ANAPHORS)
        if is_planned(view, sign_at) or not refers:
            continue
        clause = SigningClause(view, sign_at, [], view.sent.start, view.sent.end)
        signers = _signers(clause)
        if signers:
            return _agreement_record(view, signers, None, context, [])
    return None


def _cities_of_two_countries(view: SentenceView) -> list[str]:
    """The first two cities of a sentence when they lie in two countries."""
    cities: list[tuple[str, str | None]] = []
    for gpe in view.of(GPE):
        place = resolve_place(gpe.text)
        if place is not None and place.kind == "city" and gpe.text not in [c for c, _ in cities]:
            cities.append((gpe.text, place.country))
    if len(cities) >= 2 and cities[0][1] != cities[1][1]:
        return [cities[0][0], cities[1][0]]
    return []


def _parties_from_signers(doc: Doc, signers: list[Span], parties: list[str], party_rank: int,
                          context: dict[str, Any]) -> tuple[list[str], int]:
    """"signed by Ma Jun, president of X, and Irina Kuznetsova, director of Y": the signers'
    organisations are the parties, unless the sentence named better ones."""
    from_signers = _signer_organisations(doc, signers)
    if len(from_signers) == 1 and len(signers) >= 2:
        # One signer's organisation is known: the other side is the visit's other party.
        for other in (context.get("visitor_institution"), *(context.get("institutions_visited") or [])[:1]):
            if other and other not in from_signers:
                from_signers.append(other)
                break
    if len(from_signers) >= 2 or (from_signers and not parties):
        return from_signers, _PARTY_SUBJECT
    return parties, party_rank


def _signing_place(view: SentenceView, parties: list[str]) -> str | None:
    """The city after "in" that is not a party."""
    doc = view.sent.doc
    for gpe in view.of(GPE):
        if doc[gpe.start - 1].lower_ == "in" and gpe.text not in parties and place_kind(gpe.text) in ("city", None):
            return gpe.text
    return None


def _title(view: SentenceView, phrase: Span) -> str | None:
    """A quoted name that contains the phrase or is the phrase: the agreement's title."""
    for quoted in re.finditer(r"[\"“]([^\"”]{8,200})[\"”]", view.sent.text):
        start = view.sent.start_char + quoted.start(1)
        end = view.sent.start_char + quoted.end(1)
        if start <= phrase.start_char < end and re.search(_TITLE_HEADS, quoted.group(1), re.I):
            return quoted.group(1)
    return None


_TITLE_HEADS = r"agreement|memorandum|protocol|plan|treaty|programme|program|roadmap"
# An AGREEMENT phrase that is only its head noun refers back to the agreement just named
# ("signed a sister city agreement ... The agreement was signed by ...").
_BARE_AGREEMENT_WORDS = frozenset({"agreement", "agreements", "memorandum", "protocol", "accord", "treaty", "document"})
# Subjects that point back at the agreement just named ("The document was signed by ...").
_ANAPHORS = frozenset({"it", "document"})
# How parties were found, best first (see _agreement_parties).
# "the two colleges" names the kind of both sides; "the two sides" only says there are two.
_PARTY_BETWEEN, _PARTY_SUBJECT, _PARTY_BOTH_SIDES, _PARTY_SIDES, _PARTY_NONE = range(5)


def _signing_date(view: SentenceView) -> Span | None:
    """The sentence's date of signing: its first date that is no period.

    A period ("the action plan for 2017-2018") is what the agreement covers, not when it
    was signed, so an undated sentence falls back to the last day date before it.
    """
    doc = view.sent.doc
    for date in view.event_dates():
        if "/" not in (date_value(doc, date) or "/"):
            return date
    return None


def _signer_organisations(doc: Doc, signers: list[Span]) -> list[str]:
    """The organisations the article gives the signers (at any mention), in signing order."""
    organisations: dict[str, str] = {}
    for link in doc._.officials or []:
        person = normalize_person(link["person"])
        if person is not None and link["organization"]:
            organisations.setdefault(person.family or person.display, link["organization"])
    found = []
    for signer in signers:
        person = normalize_person(signer.text)
        organisation = organisations.get(person.family or person.display) if person is not None else None
        if organisation and organisation not in found:
            found.append(organisation)
    return found


def _agreement_parties(clause: SigningClause, phrase: Span, context: dict[str, Any]) -> tuple[list[str], int]:
    """Parties of one agreement, best evidence first: "between X and Y"; the signers named
    around the verb ("X and Y signed", "X signed ... with Y", "signed by X and Y", "on behalf
    of X and Y"); "the two cities/colleges/sides" read from the article."""
    doc = clause.view.sent.doc
    tail_start, tail_end = clause.tail(phrase)
    named = [e for e in clause.ents(INSTITUTION, GPE) if not inside_official(doc, e)]
    between = _between_parties(clause, phrase, named)
    if len(between) >= 2:
        return between, _PARTY_BETWEEN
    if [t.lower_ for t in doc[max(clause.sign_at - 3, 0):clause.sign_at - 1]] == ["the", "two"]:
        # "since the two schools signed ...": the subject is the two sides, whatever places
        # the clause named before it ("the third visit of Kazan pupils to Qingdao").
        sides, rank = _both_sides_parties(clause, context)
        if len(sides) >= 2:
            return sides, rank
    candidates = [e for e in named if not is_venue(doc, e)]
    subjects = _subject_parties(doc, clause, [e for e in named if e.end <= clause.sign_at])
    # "with"/"by"/"on behalf of" parties stand after the verb, in this phrase's own words
    # ("concluded a memorandum with X and an agreement with Y").
    first = phrase.start == clause.phrases[0].start
    after_start, after_end = (min(clause.sign_at, tail_start) if first else tail_start), tail_end
    after: list[Span] = []
    for e in candidates:
        if not after_start <= e.start < after_end or e.start <= clause.sign_at:
            continue
        opener = [t.lower_ for t in doc[max(e.start - 3, clause.sign_at):e.start]]
        if "with" in opener or "by" in opener or opener[-2:] == ["behalf", "of"] or opener[-3:-1] == ["behalf", "of"]:
            after = coordinated(doc, [c for c in candidates if c.start >= e.start and c.end <= clause.end])
            break
    found = [e.text for e in subjects + after]
    if found:
        return found, _PARTY_SUBJECT
    return _both_sides_parties(clause, context)


def _subject_parties(doc: Doc, clause: SigningClause, candidates: list[Span]) -> list[Span]:
    """One party per coordinated member of the subject ("The city of Yichun in China's
    Heilongjiang Province and the town of Obluchye ... signed" -> Yichun, Obluchye)."""
    if _nominal_signing(doc, clause.sign_at):
        return []
    start, end = _subject_segment(doc, clause)
    parties = []
    for first, last in _members(doc, start, end):
        if doc[first].pos_ in ("ADP", "SCONJ") or doc[first].tag_ == "VBG":
            continue  # "Following the talks, ...", "In Harbin, ...": adverbials, not parties
        inside = [e for e in candidates if first <= e.start and e.end <= last and not _is_modifier(doc, e)]
        head = next((e for e in inside if e.label_ == INSTITUTION), None) or next(iter(inside), None)
        if head is not None:
            parties.append(head)
    return parties


def _subject_segment(doc: Doc, clause: SigningClause) -> tuple[int, int]:
    """The words before the signing verb that can be its subject: after the last boundary,
    finite verb or subordinating word ("President Qiao met the guests, and the two sides")."""
    start = clause.start
    for token in doc[clause.start:clause.sign_at]:
        if _ends_sentence_part(token):
            start = token.i + 1  # "... /TASS/. The Government of X and Y signed"
        elif token.ent_type_ in (INSTITUTION, GPE, PERSON):
            continue  # "Sakha (Yakutia)", "Co., Ltd." are names, not boundaries
        elif token.text in _SUBJECT_BOUNDARIES or token.lower_ in _SUBORDINATORS \
                or (token.pos_ == "VERB" and token.tag_ in ("VBD", "VBZ", "VBP")):
            start = token.i + 1
    return start, clause.sign_at


def _ends_sentence_part(token: Token) -> bool:
    """A full stop before a capitalised word (a dateline's end), or a spaced dash
    ("Oct 3 (Interfax) - X and Y signed")."""
    doc = token.doc
    following = doc[token.i + 1] if token.i + 1 < len(doc) else None
    if token.text == "." and token.whitespace_ and following is not None and following.is_title:
        return True
    return token.text in ("-", "--", "—", "–") and token.i > 0 and bool(doc[token.i - 1].whitespace_)


def _members(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    """Token ranges split at "and", "&" and commas that stand outside entities."""
    inside = {i for e in doc.ents if e.start < end and e.end > start for i in range(e.start, e.end)}
    members, first = [], start
    for token in doc[start:end]:
        if token.i not in inside and token.lower_ in ("and", ",", "&"):
            if token.i > first:
                members.append((first, token.i))
            first = token.i + 1
    if end > first:
        members.append((first, end))
    return members


def _is_modifier(doc: Doc, span: Span) -> bool:
    """A name that only describes another: "China's X", "Novosibirsk-based X", "X in Russia"."""
    following = doc[span.end].lower_ if span.end < len(doc) else ""
    return following in ("'s", "’s", "-", "based") or is_venue(doc, span)


# Tokens after which a new subject starts.
_SUBJECT_BOUNDARIES = frozenset({";", ":", ".", "--", "—", "–"})
_SUBORDINATORS = frozenset({"that", "which", "who", "whom", "when", "where", "while", "after", "before", "as"})


def _between_parties(clause: SigningClause, phrase: Span, named: list[Span]) -> list[str]:
    """"an agreement between X and Y", also when the phrase is a title that swallowed the
    names ("Agreement on ... between the City of Kostroma (Russian Federation) and ...")."""
    doc = clause.view.sent.doc
    tail_start, tail_end = clause.tail(phrase)
    # "between" inside the phrase or a few words after it ("a memorandum on academic mobility
    # between ..."), not in a later clause about something else.
    near = doc[tail_start:min(tail_end, phrase.end + BETWEEN_WINDOW)]
    between = []
    for token in near:
        if token.i >= phrase.end and (token.is_punct or token.pos_ in ("VERB", "AUX")):
            break
        if token.lower_ == "between":
            between.append(token.i)
            break
    if not between:
        # "an agreement ... was signed between X and Y"
        after_verb = doc[clause.sign_at + 1:min(clause.sign_at + 3, clause.end)]
        between = [t.i for t in after_verb if t.lower_ == "between"][:1]
        tail_end = clause.end
    if not between:
        return []
    after = coordinated(doc, [e for e in named if e.start > between[0] and e.end <= tail_end])
    if len(after) >= 2:
        return [e.text for e in after]
    # Names inside a title: read the words after "between" as "A and B".
    text = re.sub(r"\([^)]*\)", " ", doc[between[0] + 1:tail_end].text)
    text = re.split(r"[\"”;]|, (?:which|who|and)\b", text)[0]
    sides = [s.strip(" ,.") for s in re.split(r"\s+and\s+", text, maxsplit=1)]
    places = [find_place(s) for s in sides]
    if len(sides) == 2 and all(p is not None for p in places):
        return [p.name for p in places if p is not None]
    return []


def _plural_head(words: str) -> str:
    """The singular of a plural noun, as keywords are written ("colleges" -> "college")."""
    if words.endswith("ies"):
        return words[:-3] + "y"
    if words.endswith(("ses", "xes", "ches", "shes")):
        return words[:-2]
    return words[:-1] if words.endswith("s") else words


# "the education bureaus of the two cities", "the two colleges", "both sides", "the parties".
_OF_THE_TWO = re.compile(r"\b((?:[a-z]+ )?[a-z]+s) of (?:the two|both) (\w+)", re.I)
_THE_TWO = re.compile(r"\b(?:the two|both) (\w+)|\bthe (parties|sides)\b", re.I)
# Institution types that sign for themselves when they exchange visits; governments and party
# committees sign for their city or region.
_SIGNING_KINDS = frozenset({"school", "university", "college", "hospital", "company", "media"})
_PLACE_WORDS = frozenset({"side", "party", "city", "town", "region", "province", "country", "municipality"})


def _both_sides(text: str) -> tuple[str | None, str | None]:
    """What "the two ..." names, singular: (institution word of "the bureaus of the two
    cities", None) or (None, the word of "the two colleges/sides/regions"); (None, None)."""
    of_the_two = _OF_THE_TWO.search(text)
    if of_the_two and has_institution_keyword(_plural_head(of_the_two.group(1).lower())):
        return _plural_head(of_the_two.group(1).lower()), None
    match = _THE_TWO.search(text)
    return None, _plural_head((match.group(1) or match.group(2)).lower()) if match else None


def _names_places(text: str) -> bool:
    """Whether "the two ..." in the text means places or sides, not institutions."""
    of_cities, word = _both_sides(text)
    return of_cities is None and word in _PLACE_WORDS


def _both_sides_parties(clause: SigningClause, context: dict[str, Any]) -> tuple[list[str], int]:
    """"the education bureaus of the two cities" -> each side's bureau; "the two colleges" ->
    the article's two colleges; "the two regions" -> the regions the sentence names; "the
    two sides/cities" -> the visit's two parties."""
    doc, text = clause.view.sent.doc, clause.text
    places = [p for p in (context.get("destination"), context.get("origin")) if p]
    of_cities, word = _both_sides(text)
    if of_cities is not None:
        kind = institution_type(of_cities)
        return [side_institution(doc, city, kind) or city for city in places], _PARTY_BOTH_SIDES
    if word is None:
        return [], _PARTY_NONE
    if has_institution_keyword(word):
        return _institutions_of_kind(doc, institution_type(word), context), _PARTY_BOTH_SIDES
    if word in ("region", "province"):
        regions = _regions_named(clause)
        if len(regions) >= 2:
            return regions[:2], _PARTY_BOTH_SIDES
    if word in ("side", "party"):
        # Institutions that exchange visits sign as institutions (the visitors' own and the one
        # they visited); a government delegation signs for its city.
        visitor = context.get("visitor_institution")
        hosts = [h for h in context.get("institutions_visited") or [] if institution_type(h) in _SIGNING_KINDS]
        if visitor and hosts and institution_type(visitor) in _SIGNING_KINDS:
            return [hosts[0], visitor], _PARTY_SIDES
    if word in _PLACE_WORDS and places:
        return places, _PARTY_SIDES
    return [], _PARTY_NONE


def _institutions_of_kind(doc: Doc, kind: str, context: dict[str, Any]) -> list[str]:
    """The two institutions "the two colleges" stand for: the visitors' own and the host they
    visited when they are of that kind, else the article's first two of that kind."""
    visitor, hosts = context.get("visitor_institution"), context.get("institutions_visited") or []
    pair = [name for name in (hosts[0] if hosts else None, visitor) if name and institution_type(name) == kind]
    if len(pair) == 2:
        return pair
    found: list[str] = []
    for ent in doc.ents:
        if ent.label_ == INSTITUTION and institution_type(ent.text) == kind and ent.text not in found:
            found.append(ent.text)
    if len(found) >= 2:
        return found[:2]
    return [name for name in (hosts[0] if hosts else None, visitor) if name]


def _regions_named(clause: SigningClause) -> list[str]:
    """Regions the clause names, also inside institution names ("Government of Primorsky Krai")."""
    found: list[str] = []
    for ent in clause.ents(GPE, INSTITUTION):
        if ent.label_ == GPE and place_kind(ent.text) == "region":
            name = ent.text
        else:
            name = _region_inside(ent.text) if ent.label_ == INSTITUTION else None
        if name and name not in found:
            found.append(name)
    return found


def _region_inside(name: str) -> str | None:
    """The region an institution name ends with, as written ("... of Jilin Province")."""
    words = name.split()
    for start in range(1, len(words)):
        tail = " ".join(words[start:])
        place = resolve_place(tail)
        if place is not None and place.kind == "region":
            return tail
    return None


def merge_agreements(records: list[dict[str, Any]], doc: Doc) -> list[dict[str, Any]]:
    """One record per agreement: a bare mention ("the document was signed by ...") completes
    the agreement just named, a later mention of the same type and parties the one it repeats;
    the best-grounded parties and the stated date and place win."""
    merged: list[dict[str, Any]] = []
    last: dict[str, Any] | None = None
    for record in records:
        target = last if record.get("bare") and last is not None else _same_agreement(merged, record)
        if target is None:
            if record["agreement_type"] is None:
                continue  # "the document was signed by ..." with no agreement named before
            last = dict(record)
            merged.append(last)
            continue
        last = target
        _complete_agreement(target, record, doc)
    return merged


def _complete_agreement(target: dict[str, Any], record: dict[str, Any], doc: Doc) -> None:
    if _better_parties(record, target):
        target["parties"], target["party_rank"] = record["parties"], record["party_rank"]
    target["signatories"] = list(dict.fromkeys(target["signatories"] + record["signatories"]))
    if record["place"] is not None and (target["place"] is None or (record["place_stated"] and not target["place_stated"])):
        target["place"], target["place_stated"] = record["place"], record["place_stated"]
    if _better_date(doc, record, target):
        for key in ("date_start_char", "date_end_char", "date_stated"):
            target[key] = record[key]
    for key in ("title", "agreement_text"):
        if target.get(key) is None and record.get(key) is not None:
            target[key] = record[key]


def _better_date(doc: Doc, record: dict[str, Any], target: dict[str, Any]) -> bool:
    """A date stated in the signing sentence beats one carried over from an earlier sentence,
    unless it is vaguer ("this year" does not replace "January 16")."""
    if record["date_start_char"] is None:
        return False
    if target["date_start_char"] is None:
        return True
    if not record["date_stated"] or target["date_stated"]:
        return False
    return _precision(doc, record) >= _precision(doc, target)


def _precision(doc: Doc, record: dict[str, Any]) -> int:
    """Characters of the date's ISO value (10 for a day, 7 for a month, 4 for a year)."""
    date = date_at(doc, record["date_start_char"])
    return len(date["value"].split("/")[0]) if date is not None else 0


def _better_parties(record: dict[str, Any], target: dict[str, Any]) -> bool:
    """Better-grounded parties win; between equally grounded ones, named institutions win
    over bare places (a headline's "Yakutia and Liaoning" vs the governments that signed)."""
    if not record["parties"]:
        return False
    if record["party_rank"] != target["party_rank"]:
        return record["party_rank"] < target["party_rank"]
    named = sum(map(has_institution_keyword, record["parties"]))
    return named > sum(map(has_institution_keyword, target["parties"]))


def _same_agreement(merged: list[dict[str, Any]], record: dict[str, Any]) -> dict[str, Any] | None:
    """The earlier record of the same type this one repeats: parties that share a name or a
    place ("Liaoning" / "People's Government of Liaoning Province"), or parties only inferred
    ("the two sides") on either side."""
    for target in merged:
        if target["agreement_type"] != record["agreement_type"]:
            continue
        weak = max(target["party_rank"], record["party_rank"]) >= _PARTY_BOTH_SIDES
        if weak or _party_keys(target["parties"]) & _party_keys(record["parties"]):
            return target
    return None


def _party_keys(parties: list[str]) -> set[str]:
    keys = set(parties)
    for party in parties:
        place = find_place(party)
        if place is not None and place.kind != "country":
            keys.add(place.name)
    return keys
