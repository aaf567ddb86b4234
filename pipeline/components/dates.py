"""Normalise every DATE entity against the article's publication date.

Sets ``Doc._.dates``: list of dicts with keys text, start_char, end_char, value, start, end,
granularity (see pipeline.normalize.dates.NormalizedDate) and role ("publication" for the
stamp at ``Doc._.published_span``, else "event"). DATE entities that do not normalise
("three days", "annual") are removed from ``doc.ents``: a DATE we cannot place on a calendar
is not a date for our tables. The publication stamp found by the reader always gets its row
(and a DATE entity when it falls on token boundaries), whatever the NER made of it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

import re

from pipeline.components.base import RulesComponent
from pipeline.labels import DATE, FACTORY_DATES
from pipeline.normalize.dates import normalize_date
from pipeline.rules import PATTERNS_DIR, read_csv_table

DATE_CONTEXT_FILE = PATTERNS_DIR / "date_context.csv"
_WRITTEN_YEAR = re.compile(r"(?<!\d)(?:1[6-9]|20|21)\d{2}(?!\d)")
_PAST_WORDS = re.compile(r"\b(?:last|ago|yesterday|previous|earlier|past)\b", re.I)


def publication_base(published: str | None) -> dt.date | None:
    """The date relative expressions resolve against: the publication day (or its first day)."""
    if not published:
        return None
    parts = published.split("-")
    try:
        return dt.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return None


def date_record(span: Span, base: dt.date | None, role: str) -> dict[str, Any] | None:
    """One row of the dates table for a DATE span, or None when it does not normalise."""
    norm = normalize_date(span.text, base)
    if norm is None:
        return None
    return {
        "text": span.text,
        "start_char": span.start_char,
        "end_char": span.end_char,
        "value": norm.value,
        "start": norm.start,
        "end": norm.end,
        "granularity": norm.granularity,
        "role": role,
    }


def publication_record(doc: Doc, start_char: int, end_char: int, published: str) -> dict[str, Any]:
    """The dates row of the publication stamp, whose value the reader already knows."""
    norm = normalize_date(published)
    return {
        "text": doc.text[start_char:end_char],
        "start_char": start_char,
        "end_char": end_char,
        "value": published,
        "start": norm.start if norm else None,
        "end": norm.end if norm else None,
        "granularity": norm.granularity if norm else None,
        "role": "publication",
    }


# Words before a date that give a bare month its calendar sense ("in September").
_CONTEXT_WORDS = ("in", "since", "by", "until", "till", "early", "late", "mid", "last", "next", "this")


def _with_preposition(doc: Doc, span: Span, base: dt.date | None) -> dict[str, Any] | None:
    """Normalise "September" as "in September" when the text says so; keep the span's offsets."""
    if span.start == 0 or doc[span.start - 1].lower_ not in _CONTEXT_WORDS:
        return None
    norm = normalize_date(f"{doc[span.start - 1].lower_} {span.text}", base)
    if norm is None:
        return None
    return {"text": span.text, "start_char": span.start_char, "end_char": span.end_char,
            "value": norm.value, "start": norm.start, "end": norm.end, "granularity": norm.granularity,
            "role": "event"}


def forward_in_future(text: str, record: dict[str, Any], base: dt.date | None) -> dict[str, Any]:
    """Resolve a year-less date or a weekday forward when its sentence speaks of the future.

    "The forum will open on Saturday" in an article of Thursday is two days later, not five
    days earlier; "the fair will be held on June 1" is the coming June.
    """
    if base is None or record["end"] is None or record["end"] >= base.isoformat():
        return record
    if _WRITTEN_YEAR.search(text) or _PAST_WORDS.search(text):
        return record
    for candidate in (f"next {text}", f"{text} {base.year}", f"{text} {base.year + 1}"):
        norm = normalize_date(candidate, base)
        if norm is not None and norm.start >= base.isoformat():
            return {**record, "value": norm.value, "start": norm.start, "end": norm.end,
                    "granularity": norm.granularity}
    return record


def _year_anchor(records: list[dict[str, Any]]) -> dt.date | None:
    """With no publication date, a date without a year ("On 24 May") belongs to the year of
    the last date before it that states one ("From 23 to 25 May 2016")."""
    for record in reversed(records):
        specific = record["granularity"] in ("day", "month")  # "founded in 1978" anchors nothing
        if record["role"] == "event" and specific and _WRITTEN_YEAR.search(record["text"]) and record["end"]:
            return dt.date.fromisoformat(record["end"])
    return None


def _in_year_of(span: Span, record: dict[str, Any], anchor: dt.date) -> dict[str, Any]:
    """The record of a year-less date read in the anchor's year, when that parses."""
    norm = normalize_date(f"{span.text} {anchor.year}", None)
    if norm is None or norm.granularity != record["granularity"]:
        return record
    return {**record, "value": norm.value, "start": norm.start, "end": norm.end}


class DateResolver(RulesComponent):
    """Sets ``Doc._.dates`` and drops DATE entities that are no calendar dates.

    Rules (patterns/date_context.csv): words that are never dates on their own ("today"
    names the present, not a day the article reports) and words that put a sentence in the
    future (see ``forward_in_future``).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.rules: list[dict[str, str]] = []
        self._apply_rules()

    def _apply_rules(self) -> None:
        self.not_dates = {r["word"] for r in self.rules if r["kind"] == "not_a_date"}
        self.future = {r["word"] for r in self.rules if r["kind"] == "future"}

    def initialize(self, get_examples: Any = None, *, nlp: Any = None, rows: list[dict[str, str]] | None = None) -> None:
        self.rules = rows if rows is not None else read_csv_table(DATE_CONTEXT_FILE, ("word", "kind"))
        self._apply_rules()

    def _is_future(self, span: Span) -> bool:
        return any(t.lower_ in self.future for t in span.sent if t.i < span.start)

    def __call__(self, doc: Doc) -> Doc:
        base = publication_base(doc._.published)
        pub = doc._.published_span
        ents = list(doc.ents)
        records: list[dict[str, Any]] = []
        if pub and doc._.published:
            records.append(publication_record(doc, pub[0], pub[1], doc._.published))
            stamp = doc.char_span(pub[0], pub[1], label=DATE)
            # The stamp found by the reader is authoritative: it replaces what overlaps it.
            ents = [e for e in ents if not (e.start_char < pub[1] and pub[0] < e.end_char)]
            if stamp is not None:
                ents.append(stamp)
        kept: list[Span] = []
        for ent in ents:
            if ent.label_ != DATE:
                kept.append(ent)
                continue
            if pub and ent.start_char == pub[0] and ent.end_char == pub[1]:
                kept.append(ent)
                continue
            if ent.text.lower() in self.not_dates:
                continue
            anchor = base or _year_anchor(records)
            record = date_record(ent, anchor, "event") or _with_preposition(doc, ent, anchor)
            if base is None and anchor is not None and record is not None and not _WRITTEN_YEAR.search(ent.text):
                record = _in_year_of(ent, record, anchor)
            if record is not None and self._is_future(ent):
                record = forward_in_future(ent.text, record, base)
            if record is not None:
                kept.append(ent)
                records.append(record)
        records.sort(key=lambda r: r["start_char"])
        doc.ents = sorted(kept)
        doc._.dates = records
        return doc


@Language.factory(FACTORY_DATES, default_config={}, assigns=["doc.ents", "doc._.dates"], requires=["doc.ents"])
def make_date_resolver(nlp: Language, name: str) -> DateResolver:
    return DateResolver(name)
