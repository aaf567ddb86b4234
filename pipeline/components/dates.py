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

from pipeline.labels import DATE, FACTORY_DATES
from pipeline.normalize.dates import normalize_date


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


class DateResolver:
    """Sets ``Doc._.dates`` and drops DATE entities that are no calendar dates."""

    def __init__(self, name: str) -> None:
        self.name = name

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
            record = date_record(ent, base, "event") or _with_preposition(doc, ent, base)
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
