"""Delegation visits, agreements and sister-city ties, read from sentences with triggers.

Sets three ``Doc._`` attributes, each a list of dicts of plain data (char offsets, strings;
person names as written, normalised later by pipeline.records):

``Doc._.delegations``: leader, leader_start, leader_end (str/int | None), origin, destination
    (place text | None), size (int | None), date_start_char/date_end_char (the DATE entity
    giving the visit dates | None), institutions_visited (list[str]), start_char, end_char.
``Doc._.agreements``: agreement_text, agreement_type, title, parties (list[str]),
    signatories (list[str]), date_start_char/date_end_char (| None), place, start_char, end_char.
``Doc._.sister_cities``: city_a, city_b (place text), date_start_char/date_end_char (| None),
    start_char, end_char.

Trigger words (visit, lead, sign, sister city, establish, future/modal) are Matcher patterns in
patterns/event_triggers.jsonl; agreement types and number words are CSV tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry

from pipeline.components.base import RulesComponent
from pipeline.components.prefilter import PrefilteredMatcher
from pipeline.labels import (
    AGREEMENT, DATE, DELEGATION, EVENT_TRIGGER_FILE, FACTORY_EVENTS, GPE, INSTITUTION, PERSON,
    TRIGGER_LABELS,
)
from pipeline.normalize.institutions import has_institution_keyword, institution_type
from pipeline.normalize.names import normalize_person
from pipeline.normalize.places import find_place, resolve_place
from pipeline.rules import PATTERNS_DIR, read_csv_table, read_jsonl_patterns

# How far (in tokens) a modal may stand before a signing verb and still make it a plan.
FUTURE_WINDOW = 4
# How far (in tokens) a leader's name may follow "led by" ("headed by the president of the
# college, Professor Gao Jianhua").
LEADER_WINDOW = 14
# Words right before the place a delegation goes to.
_DESTINATION_WORDS = frozenset({"to", "in", "visited", "visit", "toured", "reached"})
# Phrases that stand for "the two parties" when an agreement sentence names none.
_BOTH_SIDES = re.compile(r"\b(?:the two|both) ([a-z]+?)(?:es|s)?\b|\bthe (?:parties|sides)\b", re.I)


@registry.misc("cnru.event_rules.v1")
def read_event_rules(patterns_dir: str = str(PATTERNS_DIR)) -> dict[str, Any]:
    """Trigger patterns, agreement type keywords and number words, as one payload."""
    from pathlib import Path

    directory = Path(patterns_dir)
    return {
        "triggers": read_jsonl_patterns(directory / EVENT_TRIGGER_FILE, TRIGGER_LABELS),
        "agreement_types": read_csv_table(directory / "agreement_types.csv", ("keyword", "agreement_type", "priority")),
        "number_words": read_csv_table(directory / "number_words.csv", ("word", "value")),
    }


@dataclass
class SentenceView:
    """The entities and trigger positions of one sentence."""

    sent: Span
    ents: list[Span]
    triggers: dict[str, list[int]] = field(default_factory=dict)

    def of(self, *labels: str) -> list[Span]:
        return [e for e in self.ents if e.label_ in labels]

    def event_dates(self) -> list[Span]:
        """DATE entities other than the publication stamp."""
        stamp = self.sent.doc._.published_span
        return [e for e in self.of(DATE) if not (stamp and e.start_char < stamp[1] and stamp[0] < e.end_char)]

    def has(self, label: str) -> bool:
        return bool(self.triggers.get(label))


def parse_size(text: str, number_words: dict[str, int]) -> int | None:
    """Delegation size from its phrase: "five-member", "of 19 members", "a 12-strong"."""
    for raw in re.findall(r"[A-Za-z]+|\d+", text):
        word = raw.lower()
        if word.isdigit():
            return int(word)
        if word in number_words:
            return number_words[word]
    return None


def agreement_type(text: str, table: Sequence[dict[str, str]]) -> str:
    """The type whose keyword occurs in the phrase, lowest priority number first."""
    lower = text.lower()
    hits = [row for row in table if re.search(rf"\b{re.escape(row['keyword'])}\b", lower)]
    if not hits:
        return "other"
    return min(hits, key=lambda row: int(row["priority"]))["agreement_type"]


def _is_planned(view: SentenceView, sign_index: int) -> bool:
    return any(0 < sign_index - i <= FUTURE_WINDOW for i in view.triggers.get("FUTURE", []))


def _place_kind(text: str) -> str | None:
    place = resolve_place(text)
    return place.kind if place is not None else None


def _first_after(spans: Sequence[Span], index: int, window: int | None = None) -> Span | None:
    for span in spans:
        if span.start >= index and (window is None or span.start - index <= window):
            return span
    return None


def _last_before(spans: Sequence[Span], index: int) -> Span | None:
    before = [s for s in spans if s.end <= index]
    return before[-1] if before else None


def _date_offsets(span: Span | None) -> tuple[int | None, int | None]:
    return (span.start_char, span.end_char) if span is not None else (None, None)


def find_delegation(view: SentenceView, number_words: dict[str, int]) -> dict[str, Any] | None:
    """A delegation record from a sentence that names a delegation and a visit or a leader."""
    delegations = view.of(DELEGATION)
    if not delegations or not (view.has("VISIT") or view.has("LEAD")):
        return None
    visits = view.triggers.get("VISIT") or view.triggers.get("LEAD", [])
    if all(_is_planned(view, i) for i in visits):
        return None  # "a delegation is expected to visit": not a visit yet
    persons, gpes, dates = view.of(PERSON), view.of(GPE), view.event_dates()
    leader = None
    for index in view.triggers.get("LEAD", []):
        doc = view.sent.doc
        if index + 1 < len(doc) and doc[index + 1].lower_ == "by":
            leader = _first_after(persons, index + 2, LEADER_WINDOW)
        else:
            leader = _last_before(persons, index)
        if leader is not None:
            break
    size = None
    for span in delegations:
        size = parse_size(span.text, number_words)
        if size is not None:
            break
    origin = destination = None
    doc = view.sent.doc
    for gpe in gpes:
        if origin is None and "from" in [t.lower_ for t in doc[max(gpe.start - 2, 0):gpe.start]]:
            origin = gpe
    visitor = _delegation_of(view, delegations)
    if origin is None and visitor is not None:
        if visitor.label_ == GPE:
            origin = visitor
    visit_at = min(view.triggers.get("VISIT", [view.sent.start]))
    official_spans = [(o["evidence_start"], o["evidence_end"]) for o in doc._.officials or []]
    candidates = [
        g for g in gpes
        if g is not origin and _place_kind(g.text) != "country"
        and not any(s <= g.start_char and g.end_char <= e for s, e in official_spans)
    ]
    # Where they went: a place after "to/in/visited", else the first place after the visit word.
    towards = [g for g in candidates if doc[g.start - 1].lower_ in _DESTINATION_WORDS] if candidates else []
    destination = (towards[0] if towards else None) or _first_after(candidates, visit_at)
    if origin is None:
        # "a Harbin delegation": a place right before the delegation phrase.
        for span in delegations:
            prev = [g for g in gpes if g.end == span.start or g.end == span.start - 1]
            if prev and prev[0] is not destination:
                origin = prev[0]
    origin_text = origin.text if origin is not None else None
    if origin_text is None and visitor is not None and visitor.label_ == INSTITUTION:
        home = find_place(visitor.text)
        origin_text = home.name if home is not None else None
    if leader is not None and (origin is None or _place_kind(origin.text) == "country"):
        # The leader's organisation names the city more precisely than "from Russia".
        home = _leader_home(view.sent.doc, leader)
        if home is not None and (origin is None or _same_country(home, origin.text)):
            origin_text = home
    date = dates[0] if dates else None
    visited = [e.text for e in view.of(INSTITUTION) if e.start > visit_at]
    destination_text = destination.text if destination is not None else None
    if destination_text is None:
        for name in visited:
            place = find_place(name)
            if place is not None and place.kind == "city" and place.name != origin_text:
                destination_text = place.name
                break
    return {
        "leader": leader.text if leader is not None else None,
        "leader_start": leader.start_char if leader is not None else None,
        "leader_end": leader.end_char if leader is not None else None,
        "origin": origin_text,
        "destination": destination_text,
        "size": size,
        "date_start_char": _date_offsets(date)[0],
        "date_end_char": _date_offsets(date)[1],
        "institutions_visited": visited,
        "end_start_char": None,
        "end_end_char": None,
        "visitor_institution": visitor.text if visitor is not None and visitor.label_ == INSTITUTION else _leader_org(doc, leader),
        "start_char": view.sent.start_char,
        "end_char": view.sent.end_char,
    }


def _delegation_of(view: SentenceView, delegations: list[Span]) -> Span | None:
    """The place or institution a delegation belongs to: "a delegation of/from (the) X"."""
    doc = view.sent.doc
    for span in delegations:
        index = span.end
        while index < view.sent.end and doc[index].lower_ in ("of", "from", "the"):
            index += 1
        if index == span.end:
            continue
        for ent in view.ents:
            if ent.start == index and ent.label_ in (GPE, INSTITUTION):
                return ent
    return None


def _leader_org(doc: Doc, leader: Span | None) -> str | None:
    """The institution in the leader's title phrase, if it is one (not a city)."""
    if leader is None:
        return None
    for link in doc._.officials or []:
        if link["person_start"] == leader.start_char and link["organization"]:
            if resolve_place(link["organization"]) is None:
                return link["organization"]
    return None


def _same_country(a: str, b: str) -> bool:
    place_a, place_b = resolve_place(a), resolve_place(b)
    return place_a is not None and place_b is not None and place_a.country == place_b.country


def _compatible_places(a: str | None, b: str | None) -> bool:
    """Two origins of one delegation: equal, or one is the country (or region) of the other."""
    if a is None or b is None or a == b:
        return True
    place_a, place_b = resolve_place(a), resolve_place(b)
    if place_a is None or place_b is None:
        return False
    if place_a.country != place_b.country:
        return False
    return "city" not in (place_a.kind, place_b.kind) or place_a.kind != place_b.kind


def _leader_home(doc: Doc, leader: Span) -> str | None:
    """The place in the leader's organisation ("Education Department of Rostov-on-Don")."""
    for link in doc._.officials or []:
        if link["person_start"] == leader.start_char and link["organization"]:
            place = find_place(link["organization"])
            if place is not None:
                return place.name
    return None


def _side_institution(doc: Doc, city: str, kind: str | None) -> str | None:
    """The first institution of the article in ``city`` (of the same type, when given)."""
    for ent in doc.ents:
        if ent.label_ != INSTITUTION:
            continue
        place = find_place(ent.text)
        if place is not None and place.name == city and (kind is None or institution_type(ent.text) == kind):
            return ent.text
    return None


def _complete_delegation(record: dict[str, Any], view: SentenceView, number_words: dict[str, int]) -> None:
    """Later sentences about the delegation add its size, its stay and its departure:
    "The 9-member delegation was in Russia from December 26 to 28"; "... left on May 18"."""
    doc = view.sent.doc
    if record["size"] is None:
        for span in view.of(DELEGATION):
            record["size"] = parse_size(span.text, number_words)
            if record["size"] is not None:
                break
    dates = view.event_dates()
    current = _date_value(doc, doc.char_span(record["date_start_char"], record["date_end_char"])) \
        if record["date_start_char"] is not None else None
    for date in dates:
        value = _date_value(doc, date) or ""
        if "/" in value and "/" not in (current or "") and not _is_planned_sentence(view):
            record["date_start_char"], record["date_end_char"] = date.start_char, date.end_char
            return
    if view.has("DEPART") and dates and record.get("end_start_char") is None:
        record["end_start_char"], record["end_end_char"] = dates[0].start_char, dates[0].end_char


def _is_planned_sentence(view: SentenceView) -> bool:
    return bool(view.triggers.get("FUTURE"))


def merge_delegations(records: list[dict[str, Any]], visits: list[list[str]]) -> list[dict[str, Any]]:
    """One record per visit: later sentences fill gaps unless they name another leader/origin."""
    merged: list[dict[str, Any]] = []
    for record in records:
        target = None
        for existing in merged:
            clash = (
                record["leader"] is not None and existing["leader"] is not None and record["leader"] != existing["leader"]
            ) or not _compatible_places(record["origin"], existing["origin"])
            if not clash:
                target = existing
                break
        if target is None:
            merged.append(dict(record))
            continue
        for key, value in record.items():
            if key == "institutions_visited":
                target[key] = list(dict.fromkeys(target[key] + value))
            elif target.get(key) is None and value is not None:
                target[key] = value
    if len(merged) == 1:
        for names in visits:
            merged[0]["institutions_visited"] = list(dict.fromkeys(merged[0]["institutions_visited"] + names))
    return merged


def find_agreements(view: SentenceView, previous_date: Span | None, context: dict[str, Any],
                    type_table: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    """Agreements concluded in a sentence: an AGREEMENT phrase and a signing verb, not a plan."""
    agreements = view.of(AGREEMENT)
    signs = view.triggers.get("SIGN", [])
    if not agreements or not signs or all(_is_planned(view, i) for i in signs):
        return []
    doc = view.sent.doc
    parties, party_rank = _agreement_parties(view, signs[0], context)
    sign_at = signs[0]
    persons = view.of(PERSON)
    by = [t.i for t in view.sent if t.lower_ == "by" and t.i > sign_at]
    signers = [p for p in persons if by and p.start > by[0]] or [p for p in persons if p.end <= sign_at]
    signatories = [p.text for p in signers]
    if party_rank >= _PARTY_BOTH_SIDES:
        # "signed by Ma Jun, president of X, and Irina Kuznetsova, director of Y": the
        # signers' organisations are the parties.
        from_signers = _signer_organisations(doc, signers)
        if len(from_signers) == 1 and len(signers) >= 2:
            # One signer's organisation is known: the other side is the visit's other party.
            for other in (context.get("visitor_institution"), *(context.get("institutions_visited") or [])[:1]):
                if other and other not in from_signers:
                    from_signers.append(other)
                    break
        if len(from_signers) >= 2 or (from_signers and not parties):
            parties, party_rank = from_signers, _PARTY_SUBJECT
    date = _signing_date(view) or previous_date
    place = None
    for gpe in view.of(GPE):
        if doc[gpe.start - 1].lower_ == "in" and gpe.text not in parties and _place_kind(gpe.text) in ("city", None):
            place = gpe.text
            break
    if place is None and context.get("destination"):
        place = context["destination"]  # signed during the visit the article reports
    title = None
    quoted = re.search(r"[\"“]([^\"”]{8,200})[\"”]", view.sent.text)
    if quoted and re.search(r"agreement|memorandum|protocol|plan|treaty", quoted.group(1), re.I):
        title = quoted.group(1)
    phrase = max(agreements, key=len)
    return [{
        "agreement_text": phrase.text,
        "agreement_type": agreement_type(phrase.text, type_table),
        "bare": phrase.text.lower() in _BARE_AGREEMENT_WORDS,
        "title": title,
        "parties": list(dict.fromkeys(parties)),
        "party_rank": party_rank,
        "signatories": list(dict.fromkeys(signatories)),
        "date_start_char": _date_offsets(date)[0],
        "date_end_char": _date_offsets(date)[1],
        "place": place,
        "start_char": view.sent.start_char,
        "end_char": view.sent.end_char,
    }]


# An AGREEMENT phrase that is only its head noun refers back to the agreement just named
# ("signed a sister city agreement ... The agreement was signed by ...").
_BARE_AGREEMENT_WORDS = frozenset({"agreement", "agreements", "memorandum", "protocol", "accord", "treaty", "document"})
# How parties were found, best first (see _agreement_parties).
_PARTY_BETWEEN, _PARTY_SUBJECT, _PARTY_BOTH_SIDES, _PARTY_NONE = range(4)


def _is_venue(doc: Doc, span: Span) -> bool:
    words = [t.lower_ for t in doc[max(span.start - 2, 0):span.start]]
    if words[-1:] == ["the"]:
        words = words[:-1]
    return bool(words) and words[-1] in ("at", "in", "visited", "to", "during")


def _signing_date(view: SentenceView) -> Span | None:
    """The sentence's date of signing: its first date that is no period.

    A period ("the action plan for 2017-2018") is what the agreement covers, not when it
    was signed, so an undated sentence falls back to the last day date before it.
    """
    doc = view.sent.doc
    for date in view.event_dates():
        if "/" not in (_date_value(doc, date) or "/"):
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


def _date_value(doc: Doc, span: Span) -> str | None:
    for record in doc._.dates or []:
        if record["start_char"] == span.start_char:
            return record["value"]
    return None


def _agreement_parties(view: SentenceView, sign_at: int, context: dict[str, Any]) -> tuple[list[str], int]:
    """Parties of an agreement: "between X and Y", else the named signers before the verb,
    else "the two cities/sides" read as the visit's origin and destination."""
    doc = view.sent.doc
    between = [t.i for t in view.sent if t.lower_ == "between"]
    named = [e for e in view.ents if e.label_ in (INSTITUTION, GPE)]
    if between:
        after = _coordinated(doc, [e for e in named if e.start > between[0]])
        if len(after) >= 2:
            return [e.text for e in after], _PARTY_BETWEEN
    # A place or institution introduced by "at"/"in"/"visited" is the venue, and one inside an
    # official's phrase ("Head of Obluchye X") belongs to the signatory: neither is a party.
    official_spans = [(o["evidence_start"], o["evidence_end"]) for o in doc._.officials or []]
    candidates = [
        e for e in named
        if e.label_ == INSTITUTION and not _is_venue(doc, e)
        and not any(s <= e.start_char and e.end_char <= end for s, end in official_spans)
    ]
    # Signers stand before the verb ("X and Y signed") or after "with"/"by" ("X signed ...
    # with Y", "was signed by X and Y"); an institution elsewhere is only mentioned.
    before = [e for e in candidates if e.end <= sign_at]
    after: list[Span] = []
    for e in candidates:
        if e.start > sign_at and any(t.lower_ in ("with", "by") for t in doc[max(e.start - 2, sign_at):e.start]):
            after = _coordinated(doc, [c for c in candidates if c.start >= e.start])
            break
    subjects = [e.text for e in before + after]
    if subjects:
        return subjects, _PARTY_SUBJECT
    if _BOTH_SIDES.search(view.sent.text):
        # "the education bureaus of the two cities": each side's first institution of the
        # kind the sentence names (the visitors' own kind), else the city itself.
        kind = _side_kind(view.sent.text)
        # Institutions that exchange visits sign as institutions: the visitors' own and the
        # one they visited. Cities and their bodies sign as cities ("the two cities").
        visitor, hosts = context.get("visitor_institution"), context.get("institutions_visited") or []
        if kind != "government" and not re.search(r"\bcit(?:y|ies)\b", view.sent.text, re.I) and visitor and hosts:
            return [hosts[0], visitor], _PARTY_BOTH_SIDES
        found = []
        for city in (context.get("destination"), context.get("origin")):
            if city:
                found.append(_side_institution(doc, city, kind) or city)
        if found:
            return found, _PARTY_BOTH_SIDES
    return [], _PARTY_NONE


def _side_kind(text: str) -> str | None:
    """The institution type the sentence names for both sides ("the two colleges", "the
    education bureaus of the two cities"), if any."""
    for match in (re.search(r"\b(\w+(?: \w+)?)s of the two\b", text), _BOTH_SIDES.search(text)):
        if match and has_institution_keyword(match.group(1)):
            return institution_type(match.group(1))
    return None


def _coordinated(doc: Doc, spans: list[Span]) -> list[Span]:
    """The leading run of spans joined only by "and", commas or "the" ("X, Y and the Z")."""
    run: list[Span] = []
    for span in spans:
        if run and any(t.lower_ not in ("and", ",", "the", "&") for t in doc[run[-1].end:span.start]):
            break
        run.append(span)
    return run


def merge_agreements(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per agreement type in an article; later mentions fill missing fields and
    the best-grounded parties win."""
    by_type: dict[str, dict[str, Any]] = {}
    last: dict[str, Any] | None = None
    for record in records:
        target = last if record.get("bare") and last is not None else by_type.get(record["agreement_type"])
        if target is None:
            last = by_type[record["agreement_type"]] = dict(record)
            continue
        last = target
        for key, value in record.items():
            if key == "parties":
                if record["party_rank"] < target["party_rank"]:
                    target["parties"], target["party_rank"] = value, record["party_rank"]
            elif key == "party_rank":
                continue
            elif key == "signatories":
                target[key] = list(dict.fromkeys(target[key] + value))
            elif target.get(key) is None and value is not None:
                target[key] = value
    return list(by_type.values())


def find_sister_cities(view: SentenceView) -> list[dict[str, Any]]:
    """Pairs of cities a sentence calls sister/twin/friendship cities."""
    if not view.has("SISTER"):
        return []
    cities = []
    for gpe in view.of(GPE):
        kind = _place_kind(gpe.text)
        # Regions twin too ("friendly regions"), but the table is about cities.
        if kind in ("city", None) and gpe.text not in [c.text for c in cities]:
            cities.append(gpe)
    # Cities also hide inside possessives and institution names are not ties; only GPEs count.
    if len(cities) < 2:
        return []
    dates = view.event_dates() if view.has("ESTABLISH") else []
    # Establishment comes before anniversaries and later visits: the earliest date wins.
    date = min(dates, key=lambda d: _date_value(view.sent.doc, d) or "9999") if dates else None
    pairs = []
    for a, b in zip(cities[0::2], cities[1::2]):
        pairs.append({
            "city_a": a.text,
            "city_b": b.text,
            "since": _date_value(view.sent.doc, date) if date is not None else None,
            "date_start_char": _date_offsets(date)[0],
            "date_end_char": _date_offsets(date)[1],
            "start_char": view.sent.start_char,
            "end_char": view.sent.end_char,
        })
    return pairs


class EventExtractor(RulesComponent):
    """Sets ``Doc._.delegations``, ``Doc._.agreements`` and ``Doc._.sister_cities``."""

    def __init__(self, name: str, vocab: Any) -> None:
        self.name = name
        self.vocab = vocab
        self.rules: dict[str, Any] = {"triggers": [], "agreement_types": [], "number_words": []}
        self._apply_rules()

    def _apply_rules(self) -> None:
        # Trigger patterns only where their words occur: the same matches as a Matcher, in less
        # time. One group: they are few, and a Matcher call per label costs more than it saves.
        self.matcher = PrefilteredMatcher(self.vocab, validate=True)
        for pattern in self.rules["triggers"]:
            self.matcher.add(pattern["label"], [pattern["pattern"]])
        self.number_words = {row["word"]: int(row["value"]) for row in self.rules["number_words"]}

    def initialize(self, get_examples: Callable | None = None, *, nlp: Language | None = None,
                   rules: dict[str, Any] | None = None) -> None:
        self.rules = rules if rules is not None else read_event_rules()
        self._apply_rules()

    def views(self, doc: Doc) -> list[SentenceView]:
        triggers: dict[int, dict[str, list[int]]] = {}
        sent_starts = [s.start for s in doc.sents]
        sents = list(doc.sents)
        for match_id, start, _end in self.matcher(doc):
            label = self.vocab.strings[match_id]
            index = _sentence_index(sent_starts, start)
            triggers.setdefault(index, {}).setdefault(label, []).append(start)
        views = []
        ents = list(doc.ents)
        for index, sent in enumerate(sents):
            in_sent = [e for e in ents if e.start >= sent.start and e.end <= sent.end]
            views.append(SentenceView(sent, in_sent, {k: sorted(set(v)) for k, v in triggers.get(index, {}).items()}))
        return views

    def __call__(self, doc: Doc) -> Doc:
        views = self.views(doc)
        delegations: list[dict[str, Any]] = []
        visits: list[list[str]] = []
        ties: list[dict[str, Any]] = []
        for view in views:
            found = find_delegation(view, self.number_words)
            if found is not None:
                delegations.append(found)
            elif delegations and view.has("VISIT"):
                visit_at = min(view.triggers["VISIT"])
                visits.append([e.text for e in view.of(INSTITUTION) if e.start > visit_at])
            if found is None and delegations and view.of(DELEGATION):
                _complete_delegation(delegations[-1], view, self.number_words)
            ties.extend(find_sister_cities(view))
        merged = merge_delegations(delegations, visits)
        # Agreements read the whole visit (who came, what they visited) as their context.
        context = merged[0] if merged else {}
        agreements: list[dict[str, Any]] = []
        last_day: Span | None = None
        for view in views:
            agreements.extend(find_agreements(view, last_day, context, self.rules["agreement_types"]))
            for date in view.event_dates():
                if _is_day(doc, date):
                    last_day = date
        doc._.delegations = merged
        doc._.agreements = merge_agreements(agreements)
        doc._.sister_cities = _dedupe_ties(ties + _ties_from_agreements(doc, doc._.agreements))
        return doc


def _is_day(doc: Doc, span: Span) -> bool:
    for record in doc._.dates or []:
        if record["start_char"] == span.start_char and record["role"] == "event":
            return record["granularity"] == "day"
    return False


def _sentence_index(starts: list[int], token_index: int) -> int:
    import bisect

    return bisect.bisect_right(starts, token_index) - 1


def _ties_from_agreements(doc: Doc, agreements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A sister-city agreement between two cities is a tie since its signing."""
    ties = []
    for agreement in agreements:
        if agreement["agreement_type"] != "sister_city_agreement" or len(agreement["parties"]) != 2:
            continue
        if any(_place_kind(p) != "city" for p in agreement["parties"]):
            continue
        start = agreement["date_start_char"]
        since = next((r["value"] for r in doc._.dates or [] if r["start_char"] == start), None)
        ties.append({
            "city_a": agreement["parties"][0], "city_b": agreement["parties"][1], "since": since,
            "date_start_char": start, "date_end_char": agreement["date_end_char"],
            "start_char": agreement["start_char"], "end_char": agreement["end_char"],
        })
    return ties


def _dedupe_ties(ties: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[frozenset[str], dict[str, Any]] = {}
    for tie in ties:
        key = frozenset((tie["city_a"], tie["city_b"]))
        if key not in seen:
            seen[key] = tie
        elif tie["date_start_char"] is not None and (
            seen[key]["date_start_char"] is None or (tie.get("since") or "9999") < (seen[key].get("since") or "9999")
        ):
            seen[key] = {**seen[key], "date_start_char": tie["date_start_char"], "date_end_char": tie["date_end_char"]}
    return list(seen.values())


@Language.factory(
    FACTORY_EVENTS,
    default_config={},
    assigns=["doc._.delegations", "doc._.agreements", "doc._.sister_cities"],
    requires=["doc.ents", "doc._.dates", "token.is_sent_start"],
)
def make_event_extractor(nlp: Language, name: str) -> EventExtractor:
    return EventExtractor(name, nlp.vocab)
