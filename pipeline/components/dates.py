"""Normalise every DATE entity against the article's publication date.

Sets ``Doc._.dates``: list of dicts with keys text, start_char, end_char, value, start, end,
granularity (see pipeline.normalize.dates.NormalizedDate) and role ("publication" for the
stamp at ``Doc._.published_span``, else "event"). DATE entities that do not normalise
("three days", "annual") are removed from ``doc.ents``: a DATE we cannot place on a calendar
is not a date for our tables. A publication stamp the NER missed is added as a DATE entity.
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


class DateResolver:
    """Sets ``Doc._.dates`` and drops DATE entities that are no calendar dates."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        base = publication_base(doc._.published)
        pub = doc._.published_span
        ents = list(doc.ents)
        if pub:
            stamp = doc.char_span(pub[0], pub[1], label=DATE, alignment_mode="expand")
            if stamp is not None:
                # The stamp found by the reader is authoritative: it replaces what overlaps it.
                ents = [e for e in ents if not (e.start < stamp.end and stamp.start < e.end)] + [stamp]
        kept: list[Span] = []
        records: list[dict[str, Any]] = []
        for ent in ents:
            if ent.label_ != DATE:
                kept.append(ent)
                continue
            is_stamp = bool(pub) and ent.start_char < pub[1] and pub[0] < ent.end_char
            record = date_record(ent, base, "publication" if is_stamp else "event")
            if record is not None:
                kept.append(ent)
                records.append(record)
        doc.ents = sorted(kept)
        doc._.dates = records
        return doc


@Language.factory(FACTORY_DATES, default_config={}, assigns=["doc.ents", "doc._.dates"], requires=["doc.ents"])
def make_date_resolver(nlp: Language, name: str) -> DateResolver:
    return DateResolver(name)
