"""Delegation visits, agreements and sister-city ties, read from sentences with triggers.

Sets three ``Doc._`` attributes, each a list of dicts of plain data (char offsets, strings;
person names as written, normalised later by pipeline.records):

``Doc._.delegations``: leader, leader_start, leader_end (str/int | None), origin, destination
    (place text | None), size (int | None), date_start_char/date_end_char (the DATE entity
    giving the visit dates | None), date_role ("visit", "arrival" or "departure": which day of
    the visit that date is), duration_days (a stated length | None), end_start_char/
    end_end_char (the DATE they left or stay until | None), institutions_visited (list[str]),
    visitor_institution, start_char, end_char. A delegation is a DELEGATION entity, a
    travelling group ("a group of 24 pupils") or, when neither is named, an official's own
    cross-border trip.
``Doc._.agreements``: agreement_text, agreement_type, title, parties (list[str]),
    signatories (list[str]), date_start_char/date_end_char (| None), place, start_char, end_char;
    one per AGREEMENT phrase governed by a signing verb (see SigningClause), merged with the
    later sentences that complete it ("The document was signed by ...").
``Doc._.sister_cities``: city_a, city_b (place text), date_start_char/date_end_char (| None),
    start_char, end_char.

Trigger words (visit, arrive, depart, lead, sign, sister city, establish, future/modal) and
group and size phrases are Matcher patterns in patterns/event_triggers.jsonl; agreement types
and number words are CSV tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans, registry

from pipeline.components.base import RulesComponent
from pipeline.components.prefilter import PrefilteredMatcher
from pipeline.labels import (
    AGREEMENT, DATE, DELEGATION, EVENT_TRIGGER_FILE, FACTORY_EVENTS, GPE, INSTITUTION, PERSON,
    SISTER_CITY_AGREEMENT, TRIGGER_LABELS,
)
from pipeline.normalize.institutions import has_institution_keyword, institution_type
from pipeline.normalize.names import normalize_person
from pipeline.normalize.places import find_place, resolve_place
from pipeline.rules import PATTERNS_DIR, read_csv_table, read_jsonl_patterns

# Trigger labels of travelling groups (see SentenceView.groups).
GROUP, GROUP_REF, SIZE = "GROUP", "GROUP_REF", "SIZE"
# How far (in tokens) after a delegation phrase its size may be written ("The delegation,
# consisting of 15 people").
SIZE_WINDOW = 2
# How far (in tokens) after a group its journey's verb may stand ("Fifteen pupils and two
# teachers of Dalian No. 24 Middle School returned last week from a ten-day exchange trip").
GROUP_VERB_WINDOW = 16
# How far (in tokens) a modal may stand before a signing verb and still make it a plan.
FUTURE_WINDOW = 4
# How far (in tokens) after an agreement phrase its "between X and Y" may stand.
BETWEEN_WINDOW = 8
# How far (in tokens) a leader's name may follow "led by" ("headed by the president of the
# college, Professor Gao Jianhua").
LEADER_WINDOW = 14
# Words right before the place a delegation goes to.
_DESTINATION_WORDS = frozenset({"to", "in", "visited", "visit", "toured", "reached"})


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
    #: Travelling groups not called delegations (GROUP), and "the group" (GROUP_REF).
    groups: list[Span] = field(default_factory=list)

    def of(self, *labels: str) -> list[Span]:
        return [e for e in self.ents if e.label_ in labels]

    def delegation_phrases(self, references: bool = True) -> list[Span]:
        """DELEGATION entities, then groups that travel like one (not inside an entity): a
        group counts as the subject of a journey ("Ten teachers from Shenyang arrived"), not
        as a number in passing ("the college has 300 students of Russian")."""
        phrases = self.of(DELEGATION)
        moves = [i for label in ("VISIT", "LEAD") for i in self.triggers.get(label, [])]
        for group in self.groups:
            if group.label_ == SIZE:
                continue
            if group.label_ == GROUP_REF and not references:
                continue
            if group.label_ == GROUP and not any(0 < i - group.end <= GROUP_VERB_WINDOW for i in moves):
                continue
            if not any(e.start < group.end and group.start < e.end for e in self.ents):
                phrases.append(group)
        return phrases

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


def _delegation_size(view: SentenceView, phrases: list[Span], number_words: dict[str, int]) -> int | None:
    """The size in a delegation phrase ("five-member delegation"), counted in a group
    ("Fifteen pupils and two teachers") or written right after the phrase ("a delegation of
    more than 40 people")."""
    for span in phrases:
        size = parse_size(span.text, number_words) if span.label_ != GROUP else parse_group_size(span.text, number_words)
        if size is not None:
            return size
        for written in view.groups:
            if written.label_ == SIZE and 0 <= written.start - span.end <= SIZE_WINDOW:
                return parse_size(written.text, number_words)
    return None


def parse_group_size(text: str, number_words: dict[str, int]) -> int | None:
    """Size of a group: every number it counts ("Fifteen pupils and two teachers" -> 17)."""
    numbers = [int(w) if w.isdigit() else number_words.get(w.lower()) for w in re.findall(r"[A-Za-z]+|\d+", text)]
    counted = [n for n in numbers if n is not None]
    return sum(counted) if counted else None


def agreement_type(text: str, table: Sequence[dict[str, str]]) -> str:
    """The type whose keyword occurs in the phrase, lowest priority number first."""
    lower = text.lower()
    hits = [row for row in table if re.search(rf"\b{re.escape(row['keyword'])}\b", lower)]
    if not hits:
        return "other"
    return min(hits, key=lambda row: int(row["priority"]))["agreement_type"]


def _is_planned(view: SentenceView, index: int) -> bool:
    """A modal or plan word shortly before the trigger, or an infinitive ("invited them to
    visit", "agreed to sign"): not something that happened."""
    doc = view.sent.doc
    if index > view.sent.start and doc[index - 1].lower_ == "to" and doc[index].tag_ == "VB":
        return True
    return any(0 < index - i <= FUTURE_WINDOW for i in view.triggers.get("FUTURE", []))


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


def find_official_visit(view: SentenceView, number_words: dict[str, int]) -> dict[str, Any] | None:
    """A visit by an official with no delegation named ("Mayor of Vladivostok X wrapped up a
    four-day visit to Dalian"): a cross-border trip of a titled person whose organisation
    places them at home, to a place in the other country."""
    visits = view.triggers.get("VISIT", [])
    if not visits or view.delegation_phrases() or all(_is_planned(view, i) for i in visits):
        return None
    doc, visit_at = view.sent.doc, visits[0]
    if visit_at > view.sent.start and doc[visit_at - 1].lower_ in ("his", "her"):
        # "During his visit to Harbin, Governor X met ...": the visitor comes after.
        visitor = next((p for p in view.of(PERSON) if p.start > visit_at), None)
    else:
        visitor = next((p for p in reversed(view.of(PERSON)) if p.end <= visit_at), None)
        if visitor is not None and visit_at - visitor.end > OFFICIAL_VISIT_WINDOW:
            return None
    home = _leader_home(doc, visitor) if visitor is not None else None
    if visitor is None or home is None:
        return None
    towards = [
        g for g in view.of(GPE)
        if g.start > visit_at and doc[g.start - 1].lower_ in _DESTINATION_WORDS and _place_kind(g.text) != "country"
    ]
    visited = [e.text for e in view.of(INSTITUTION) if e.start > visit_at]
    destination = towards[0].text if towards else None
    if destination is None:
        destination = next((p.name for p in map(find_place, visited) if p is not None and p.kind == "city"), None)
    if destination is None or _same_country(home, destination):
        return None
    dates = view.event_dates()
    date = dates[0] if dates else None
    return {
        "leader": visitor.text, "leader_start": visitor.start_char, "leader_end": visitor.end_char,
        "origin": home, "destination": destination, "size": None,
        "date_start_char": _date_offsets(date)[0], "date_end_char": _date_offsets(date)[1],
        "institutions_visited": visited, "end_start_char": None, "end_end_char": None,
        "date_role": _date_role(view), "duration_days": _duration_days(view, number_words),
        "visitor_institution": _leader_org(doc, visitor),
        "start_char": view.sent.start_char, "end_char": view.sent.end_char,
    }


# How far (in tokens) the visiting official may stand before the visit word ("Rector of NSU
# Mikhail Fedoruk paid a visit", "Governor X, who is on a two-day visit").
OFFICIAL_VISIT_WINDOW = 10


def find_delegation(view: SentenceView, number_words: dict[str, int], references: bool = True) -> dict[str, Any] | None:
    """A delegation record from a sentence that names a delegation and a visit or a leader
    ("the group" counts only as a reference to a delegation already found)."""
    delegations = view.delegation_phrases(references)
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
    size = _delegation_size(view, delegations, number_words)
    origin = destination = None
    doc = view.sent.doc
    for gpe in gpes:
        if origin is None and "from" in [t.lower_ for t in doc[max(gpe.start - 2, 0):gpe.start]]:
            origin = _possessed_place(view, gpe)
    visitor = _delegation_of(view, delegations)
    if origin is None and visitor is not None:
        if visitor.label_ == GPE:
            origin = visitor
        else:
            origin = _place_of_institution(view, visitor)
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
    if view.has("ARRIVE"):
        # "... signed on Friday by X, who heads a delegation that arrived on Wednesday"
        arrived_at = view.triggers["ARRIVE"][0]
        date = next((d for d in dates if d.start > arrived_at), date)
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
        # How the sentence dates the visit: "arrived on June 10" dates its first day only,
        # "wrapped up a visit on Friday" its last; "a three-day visit" gives its length.
        "date_role": _date_role(view),
        "duration_days": _duration_days(view, number_words),
        "visitor_institution": visitor.text if visitor is not None and visitor.label_ == INSTITUTION else _leader_org(doc, leader),
        "start_char": view.sent.start_char,
        "end_char": view.sent.end_char,
    }


def _possessed_place(view: SentenceView, place: Span) -> Span:
    """The place a country or region owns in "China's Jilin Province": the narrower one."""
    doc = view.sent.doc
    if place.end + 1 < len(doc) and doc[place.end].lower_ in ("'s", "’s"):
        owned = next((g for g in view.of(GPE) if g.start == place.end + 1), None)
        if owned is not None:
            return owned
    return place


def _date_role(view: SentenceView) -> str:
    """"arrival" (the date is the first day), "departure" (the last day) or "visit"."""
    if view.has("ARRIVE"):
        return "arrival"
    if view.has("DEPART"):
        return "departure"
    return "visit"


def _duration_days(view: SentenceView, number_words: dict[str, int]) -> int | None:
    """Length of the visit in days, when the sentence gives it ("a three-day visit")."""
    match = _DURATION.search(view.sent.text)
    if match is None:
        return None
    word = match.group(1).lower()
    days = int(word) if word.isdigit() else number_words.get(word)
    return days if days and days <= MAX_VISIT_DAYS else None


# "a three-day visit", "a 4-day trip", "the two-day visit".
_DURATION = re.compile(r"\b([A-Za-z]+|\d+)[- ]day\b(?=\s+(?:\w+\s+){0,2}(?:visit|trip|tour|stay|mission)\b)", re.I)
# Longer "visits" are study stays or programmes, not delegation days.
MAX_VISIT_DAYS = 14


def _refers_to_visit(view: SentenceView, record: dict[str, Any]) -> bool:
    """Whether a later sentence speaks of the delegation: names it, calls its members "the
    guests", names its leader, or speaks of "the visit"."""
    if view.delegation_phrases():
        return True
    words = [t.lower_ for t in view.sent]
    if _GUEST_WORDS & set(words):
        return True
    leader = (record.get("leader") or "").split()
    if leader and any(t.text == leader[-1] or t.text == leader[0] for t in view.sent if t.ent_type_ == PERSON):
        return True
    # "the visit", "the two-day visit" (the hyphen is a token of its own)
    return any(w in ("visit", "trip", "stay") and "the" in words[max(i - 4, 0):i] for i, w in enumerate(words))


_GUEST_WORDS = frozenset({"guests", "visitors"})


def _place_of_institution(view: SentenceView, institution: Span) -> Span | None:
    """The place written right after an institution: "a hospital in Vladivostok", "a college
    (Harbin)"; it locates the institution, it is not where the delegation went."""
    doc = view.sent.doc
    for gpe in view.of(GPE):
        between = [t.lower_ for t in doc[institution.end:gpe.start]]
        if between in (["in"], ["("], [",", "in"]) and _place_kind(gpe.text) != "country":
            return gpe
    return None


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
    "The 9-member delegation was in Russia from December 26 to 28"; "... left on May 18";
    "The two-day visit ..."; "The delegation will stay in Kostroma until 12 July"."""
    doc = view.sent.doc
    if record.get("duration_days") is None:
        record["duration_days"] = _duration_days(view, number_words)
    for date in view.event_dates():
        if date.start > 0 and doc[date.start - 1].lower_ in ("until", "till") and record.get("end_start_char") is None:
            record["end_start_char"], record["end_end_char"] = date.start_char, date.end_char
    if record["size"] is None:
        record["size"] = _delegation_size(view, view.delegation_phrases(), number_words)
    dates = view.event_dates()
    current = _date_value(doc, doc.char_span(record["date_start_char"], record["date_end_char"])) \
        if record["date_start_char"] is not None else None
    for date in dates:
        value = _date_value(doc, date) or ""
        # Only days the text writes out ("from December 26 to 28") date the stay; "last week"
        # or "for 2020-2024" do not.
        days = "/" in value and len(value) == len("YYYY-MM-DD/YYYY-MM-DD") and any(c.isdigit() for c in date.text)
        if days and "/" not in (current or "") and not _is_planned_sentence(view) and view.delegation_phrases():
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
        if not _is_planned(view, sign_at):
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


# Parts of speech that open another clause between a subject and a signing verb.
_CLAUSE_POS = frozenset({"CCONJ", "SCONJ", "VERB", "PRON"})
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


def _is_batch(phrase: Span) -> bool:
    """An unnamed batch, not one agreement: "signed 23 bilateral agreements"."""
    doc = phrase.doc
    head = phrase[-1]
    plural = head.tag_ in ("NNS", "NNPS") or head.lower_ in ("memoranda", "agreements", "documents")
    counted = any(t.like_num and t.lower_ not in ("one", "1") for t in doc[max(phrase.start - 2, 0):phrase.end])
    return plural and counted


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
            if token.is_punct or token.pos_ in ("VERB", "AUX") or token.lower_ in ("between", "with", "by"):
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
        "date_start_char": _date_offsets(fallback_date)[0],
        "date_end_char": _date_offsets(fallback_date)[1],
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
        if _is_planned(view, sign_at) or not refers:
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
        if doc[gpe.start - 1].lower_ == "in" and gpe.text not in parties and _place_kind(gpe.text) in ("city", None):
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


def _is_venue(doc: Doc, span: Span) -> bool:
    words = [t.lower_ for t in doc[max(span.start - 2, 0):span.start]]
    if words[-1:] == ["the"]:
        words = words[:-1]
    return bool(words) and words[-1] in ("at", "in", "from", "visited", "to", "during")


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


def _agreement_parties(clause: SigningClause, phrase: Span, context: dict[str, Any]) -> tuple[list[str], int]:
    """Parties of one agreement, best evidence first: "between X and Y"; the signers named
    around the verb ("X and Y signed", "X signed ... with Y", "signed by X and Y", "on behalf
    of X and Y"); "the two cities/colleges/sides" read from the article."""
    doc = clause.view.sent.doc
    tail_start, tail_end = clause.tail(phrase)
    named = [e for e in clause.ents(INSTITUTION, GPE) if not _inside_official(doc, e)]
    between = _between_parties(clause, phrase, named)
    if len(between) >= 2:
        return between, _PARTY_BETWEEN
    candidates = [e for e in named if not _is_venue(doc, e)]
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
            after = _coordinated(doc, [c for c in candidates if c.start >= e.start and c.end <= clause.end])
            break
    found = [e.text for e in subjects + after]
    if found:
        return found, _PARTY_SUBJECT
    return _both_sides_parties(clause, context)


def _inside_official(doc: Doc, span: Span) -> bool:
    """A place or institution inside an official's phrase ("Head of Obluchye X") belongs to
    the signatory, not to the parties."""
    return any(o["evidence_start"] <= span.start_char and span.end_char <= o["evidence_end"] for o in doc._.officials or [])


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
    return following in ("'s", "’s", "-", "based") or _is_venue(doc, span)


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
    after = _coordinated(doc, [e for e in named if e.start > between[0] and e.end <= tail_end])
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


def _names_places(text: str) -> bool:
    """Whether "the two ..." in the text means places or sides, not institutions."""
    match = _OF_THE_TWO.search(text)
    if match and has_institution_keyword(_plural_head(match.group(1).lower())):
        return False
    match = _THE_TWO.search(text)
    return bool(match) and _plural_head((match.group(1) or match.group(2)).lower()) in _PLACE_WORDS


def _both_sides_parties(clause: SigningClause, context: dict[str, Any]) -> tuple[list[str], int]:
    """"the education bureaus of the two cities" -> each side's bureau; "the two colleges" ->
    the article's two colleges; "the two regions" -> the regions the sentence names; "the
    two sides/cities" -> the visit's two parties."""
    doc, text = clause.view.sent.doc, clause.text
    places = [p for p in (context.get("destination"), context.get("origin")) if p]
    of_the_two = _OF_THE_TWO.search(text)
    if of_the_two and has_institution_keyword(_plural_head(of_the_two.group(1).lower())):
        kind = institution_type(_plural_head(of_the_two.group(1).lower()))
        return [_side_institution(doc, city, kind) or city for city in places], _PARTY_BOTH_SIDES
    match = _THE_TWO.search(text)
    if match is None:
        return [], _PARTY_NONE
    word = _plural_head((match.group(1) or match.group(2)).lower())
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
        if ent.label_ == GPE and _place_kind(ent.text) == "region":
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


def _coordinated(doc: Doc, spans: list[Span]) -> list[Span]:
    """The leading run of spans joined only by "and", commas or "the" ("X, Y and the Z")."""
    run: list[Span] = []
    for span in spans:
        if run and any(t.lower_ not in ("and", ",", "the", "&") for t in doc[run[-1].end:span.start]):
            break
        run.append(span)
    return run


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
    for date in doc._.dates or []:
        if date["start_char"] == record["date_start_char"]:
            return len(date["value"].split("/")[0])
    return 0


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
        groups: dict[int, list[Span]] = {}
        sent_starts = [s.start for s in doc.sents]
        sents = list(doc.sents)
        for match_id, start, end in self.matcher(doc):
            label = self.vocab.strings[match_id]
            index = _sentence_index(sent_starts, start)
            if label in (GROUP, GROUP_REF, SIZE):
                groups.setdefault(index, []).append(Span(doc, start, end, label=label))
            else:
                triggers.setdefault(index, {}).setdefault(label, []).append(start)
        views = []
        ents = list(doc.ents)
        for index, sent in enumerate(sents):
            in_sent = [e for e in ents if e.start >= sent.start and e.end <= sent.end]
            views.append(SentenceView(sent, in_sent, {k: sorted(set(v)) for k, v in triggers.get(index, {}).items()},
                                      filter_spans(groups.get(index, []))))
        return views

    def __call__(self, doc: Doc) -> Doc:
        views = self.views(doc)
        delegations: list[dict[str, Any]] = []
        visits: list[list[str]] = []
        ties: list[dict[str, Any]] = []
        for view in views:
            found = find_delegation(view, self.number_words, references=bool(delegations))
            if found is not None:
                delegations.append(found)
            elif delegations and view.has("VISIT"):
                visit_at = min(view.triggers["VISIT"])
                visits.append([e.text for e in view.of(INSTITUTION) if e.start > visit_at])
            if found is None and delegations and _refers_to_visit(view, delegations[-1]):
                _complete_delegation(delegations[-1], view, self.number_words)
            ties.extend(find_sister_cities(view))
        if not delegations:
            # No delegation named: an official's own trip is the visit the article reports.
            delegations = [v for v in (find_official_visit(view, self.number_words) for view in views) if v][:1]
        merged = merge_delegations(delegations, visits)
        # Agreements read the whole visit (who came, what they visited) as their context.
        context = merged[0] if merged else {}
        agreements: list[dict[str, Any]] = []
        # An undated signing happened on the last day named before it; during a visit, on the
        # last day of the visit named before it, not on a date of the ties' history.
        last_day: Span | None = None
        visit_date = _visit_date(doc, context)
        for view in views:
            agreements.extend(find_agreements(view, last_day or visit_date, context, self.rules["agreement_types"]))
            for date in view.event_dates():
                if _is_day(doc, date) and (visit_date is None or not _starts_before(doc, date, visit_date)):
                    last_day = date
        doc._.delegations = merged
        doc._.agreements = merge_agreements(agreements, doc)
        doc._.sister_cities = _dedupe_ties(ties + _ties_from_agreements(doc, doc._.agreements))
        return doc


def _visit_date(doc: Doc, visit: dict[str, Any]) -> Span | None:
    """The days of the reported visit (a day or a range of days), if the article gives them."""
    if visit.get("date_start_char") is None:
        return None
    span = doc.char_span(visit["date_start_char"], visit["date_end_char"])
    value = _date_value(doc, span) if span is not None else None
    return span if value and len(value.split("/")[0]) == len("YYYY-MM-DD") else None


def _starts_before(doc: Doc, first: Span, second: Span) -> bool:
    """Whether one date's value starts before another's."""
    first_value, second_value = _date_value(doc, first), _date_value(doc, second)
    if first_value is None or second_value is None:
        return False
    return first_value.split("/")[0] < second_value.split("/")[0]


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
        if agreement["agreement_type"] != SISTER_CITY_AGREEMENT or len(agreement["parties"]) != 2:
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
