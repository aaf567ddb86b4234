"""The sentence view the event rules read, and helpers shared by visits and agreements.

A ``SentenceView`` holds one sentence's entities, trigger positions (patterns/event_triggers.jsonl)
and travelling-group phrases; the helpers answer small questions about spans, places and
the officials the article names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc, Span

from pipeline.labels import DATE, DELEGATION, INSTITUTION
from pipeline.normalize.institutions import institution_type
from pipeline.normalize.places import find_place, resolve_place


# Trigger labels of travelling groups (see SentenceView.groups).
GROUP, GROUP_REF, SIZE, PARTY, OFFICE = "GROUP", "GROUP_REF", "SIZE", "PARTY", "OFFICE"
# How far (in tokens) a modal may stand before a signing verb and still make it a plan.
FUTURE_WINDOW = 4
# How far (in tokens) after a group its journey's verb may stand ("Fifteen pupils and two
# teachers of Dalian No. 24 Middle School returned last week from a ten-day exchange trip").
GROUP_VERB_WINDOW = 16


@dataclass
class SentenceView:
    """The entities and trigger positions of one sentence."""

    sent: Span
    ents: list[Span]
    triggers: dict[str, list[int]] = field(default_factory=dict)
    #: Travelling groups not called delegations (GROUP), "the group" (GROUP_REF), sizes
    #: written after a delegation (SIZE), people named with their home (PARTY) and heads of
    #: bodies (OFFICE).
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
            if group.label_ in (SIZE, PARTY, OFFICE):
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


def is_planned(view: SentenceView, index: int) -> bool:
    """A modal or plan word shortly before the trigger, or an infinitive ("invited them to
    visit", "agreed to sign"): not something that happened."""
    doc = view.sent.doc
    if index > view.sent.start and doc[index - 1].lower_ == "to" and doc[index].tag_ == "VB":
        return True
    return any(0 < index - i <= FUTURE_WINDOW for i in view.triggers.get("FUTURE", []))


def place_kind(text: str) -> str | None:
    place = resolve_place(text)
    return place.kind if place is not None else None


def first_after(spans: Sequence[Span], index: int, window: int | None = None) -> Span | None:
    for span in spans:
        if span.start >= index and (window is None or span.start - index <= window):
            return span
    return None


def last_before(spans: Sequence[Span], index: int) -> Span | None:
    before = [s for s in spans if s.end <= index]
    return before[-1] if before else None


def date_offsets(span: Span | None) -> tuple[int | None, int | None]:
    return (span.start_char, span.end_char) if span is not None else (None, None)


def official_links(doc: Doc, person: Span) -> list[dict[str, Any]]:
    """The title links of a person mention (``Doc._.officials``); for a later mention by one
    name ("Sokolovsky arrived"), those of the one official the article names so."""
    links = doc._.officials or []
    exact = [link for link in links if link["person_start"] == person.start_char]
    if exact or len(person) != 1:
        return exact
    word = person.text.casefold()
    named = {link["person"] for link in links if word in link["person"].casefold().split()}
    return [link for link in links if link["person"] in named] if len(named) == 1 else []


def leader_org(doc: Doc, leader: Span | None) -> str | None:
    """The institution in the leader's title phrase, if it is one (not a city)."""
    if leader is None:
        return None
    for link in official_links(doc, leader):
        if link["organization"] and resolve_place(link["organization"]) is None:
            return link["organization"]
    return None


def same_country(a: str, b: str) -> bool:
    place_a, place_b = resolve_place(a), resolve_place(b)
    return place_a is not None and place_b is not None and place_a.country == place_b.country


def leader_home(doc: Doc, leader: Span) -> str | None:
    """The place in the leader's organisation ("Education Department of Rostov-on-Don")."""
    for link in official_links(doc, leader):
        if link["organization"]:
            place = find_place(link["organization"])
            if place is not None:
                return place.name
    return None


def side_institution(doc: Doc, city: str, kind: str | None) -> str | None:
    """The first institution of the article in ``city`` (of the same type, when given)."""
    for ent in doc.ents:
        if ent.label_ != INSTITUTION:
            continue
        place = find_place(ent.text)
        if place is not None and place.name == city and (kind is None or institution_type(ent.text) == kind):
            return ent.text
    return None


def is_venue(doc: Doc, span: Span) -> bool:
    words = [t.lower_ for t in doc[max(span.start - 2, 0):span.start]]
    if words[-1:] == ["the"]:
        words = words[:-1]
    return bool(words) and words[-1] in ("at", "in", "from", "visited", "to", "during")


def date_at(doc: Doc, start_char: int | None) -> dict[str, Any] | None:
    """The dates-table record of the DATE entity starting at a character offset."""
    for record in doc._.dates or []:
        if record["start_char"] == start_char:
            return record
    return None


def date_value(doc: Doc, span: Span) -> str | None:
    record = date_at(doc, span.start_char)
    return record["value"] if record is not None else None


def inside_official(doc: Doc, span: Span) -> bool:
    """A place or institution inside an official's phrase ("Head of Obluchye X") belongs to
    the signatory, not to the parties."""
    return any(o["evidence_start"] <= span.start_char and span.end_char <= o["evidence_end"] for o in doc._.officials or [])


def coordinated(doc: Doc, spans: list[Span]) -> list[Span]:
    """The leading run of spans joined only by "and", commas or "the" ("X, Y and the Z")."""
    run: list[Span] = []
    for span in spans:
        if run and any(t.lower_ not in ("and", ",", "the", "&") for t in doc[run[-1].end:span.start]):
            break
        run.append(span)
    return run


def is_day(doc: Doc, span: Span) -> bool:
    record = date_at(doc, span.start_char)
    return record is not None and record["role"] == "event" and record["granularity"] == "day"
