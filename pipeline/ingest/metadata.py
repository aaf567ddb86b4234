"""Article metadata from the cleaned text: headline and publication date.

Publication stamps come from ``patterns/publication_dates.jsonl``:
- ``stamp`` rules find the date under the headline ('Updated : 2025-05-21', 'By NAME|Mar
  20,2024', 'MOSCOW, March 3 (Xinhua) --'); the ``date`` group is the date expression, an
  optional ``year`` group a year written after it. Only the first ``HEAD_LINES`` lines
  are searched: deeper stamps belong to related-story lists.
- ``rewrite`` rules tidy the expression before ``pipeline.normalize.dates.normalize_date``.
- ``context`` rules find a date in the URL or file name.
Wire datelines often omit the year ('September 16. /TASS/'). Decision: the year comes
from the context date (URL or file name), taking the latest such day on or before it.
With no context ``published`` stays None, because guessing (the current year) would
differ between runs, but ``published_span`` still marks the dateline so the date can be
reported as written.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pipeline.ingest.boilerplate import strip_title_suffix
from pipeline.ingest.ruledata import PATTERNS_DIR, KindSpec, PatternFileError, load_rules
from pipeline.normalize.dates import normalize_date

PUBLICATION_DATES_FILE = PATTERNS_DIR / "publication_dates.jsonl"

PUBLICATION_DATE_KINDS = {
    "stamp": KindSpec(required={"regex": str}, optional={"flags": str}),
    "rewrite": KindSpec(required={"regex": str, "replacement": str}, optional={"flags": str}),
    "context": KindSpec(required={"regex": str}, optional={"flags": str}),
}

# Lines searched for the headline and the publication stamp: they sit at the top of a page.
HEAD_LINES = 15
# Characters of a line searched for a stamp: stamps open their line, and a long body
# paragraph need not be scanned to its end.
STAMP_PREFIX_CHARS = 300
# A headline longer than this is a paragraph.
TITLE_MAX_CHARS = 300
# Shorter lines above the headline are section labels ('World', 'China News').
TITLE_MIN_WORDS = 3
# Headlines do not end in a full stop; a line that does is body text.
_SENTENCE_END = re.compile(r"[.。][\"'”’)\]]*$")
# A date given as ISO date-time ('2024-05-17T10:00:00Z'): its date part is the value.
_ISO_DATE_PREFIX = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T\s]|$)")


@dataclass(frozen=True)
class StampRule:
    """A compiled stamp rule; ``has_year_group`` when its year is captured apart from the date."""

    id: str
    regex: re.Pattern[str]
    has_year_group: bool


@dataclass(frozen=True)
class DateRules:
    """The rules of ``publication_dates.jsonl`` by kind."""

    stamps: tuple[StampRule, ...]
    rewrites: tuple[tuple[re.Pattern[str], str], ...]
    contexts: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Stamp:
    """A publication stamp found in the text; ``start``/``end`` cover the date as written."""

    rule_id: str
    date_text: str
    year_text: str | None
    needs_year: bool
    start: int
    end: int


@dataclass(frozen=True)
class ContextDate:
    """A date from the URL or file name; ``day`` is None for a year-month folder."""

    year: int
    month: int
    day: int | None

    def as_date(self) -> dt.date | None:
        """The day itself, or the last day of the month; None for an impossible date."""
        try:
            last = calendar.monthrange(self.year, self.month)[1]
            return dt.date(self.year, self.month, self.day or last)
        except ValueError:
            return None


@lru_cache(maxsize=1)
def rules() -> DateRules:
    """Load and check ``patterns/publication_dates.jsonl`` once."""
    stamps: list[StampRule] = []
    rewrites: list[tuple[re.Pattern[str], str]] = []
    contexts: list[re.Pattern[str]] = []
    for rule in load_rules(PUBLICATION_DATES_FILE, PUBLICATION_DATE_KINDS):
        assert rule.regex is not None
        groups = set(rule.regex.groupindex)
        if rule.kind == "stamp":
            if "date" not in groups or groups - {"date", "year"}:
                raise PatternFileError(f"{rule.where}: a stamp regex needs group 'date' and may add 'year' only")
            stamps.append(StampRule(rule.id, rule.regex, "year" in groups))
        elif rule.kind == "rewrite":
            rewrites.append((rule.regex, rule.fields["replacement"]))
        else:
            if not {"year", "month"} <= groups or groups - {"year", "month", "day"}:
                raise PatternFileError(f"{rule.where}: a context regex needs groups 'year', 'month' (and maybe 'day')")
            contexts.append(rule.regex)
    return DateRules(tuple(stamps), tuple(rewrites), tuple(contexts))


def head_lines(text: str) -> list[tuple[int, str]]:
    """(offset, line) for the first ``HEAD_LINES`` lines of ``text``."""
    found: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n", HEAD_LINES)[:HEAD_LINES]:
        found.append((offset, line))
        offset += len(line) + 1
    return found


def match_stamp(line: str, offset: int = 0) -> Stamp | None:
    """The first stamp in ``line`` (offsets shifted by ``offset``), or None."""
    prefix = line[:STAMP_PREFIX_CHARS]
    for rule in rules().stamps:
        match = rule.regex.search(prefix)
        if match is None:
            continue
        year = match.group("year") if rule.has_year_group else None
        end = match.end("year") if year else match.end("date")
        start = offset + match.start("date")
        return Stamp(rule.id, match.group("date"), year, rule.has_year_group, start, offset + end)
    return None


def is_stamp_line(line: str) -> bool:
    """Whether a line carries a publication stamp (boilerplate filtering keeps such lines)."""
    return match_stamp(line) is not None


def find_stamp(text: str) -> Stamp | None:
    """The first publication stamp in the head of ``text``."""
    for offset, line in head_lines(text):
        stamp = match_stamp(line, offset)
        if stamp is not None:
            return stamp
    return None


def find_title(text: str) -> str | None:
    """The headline: the first head line that is not a stamp, a section label or body text."""
    for _offset, line in head_lines(text):
        if is_stamp_line(line):
            continue
        if len(line) > TITLE_MAX_CHARS or _SENTENCE_END.search(line):
            return None  # the body started before any headline-like line
        if len(line.split()) >= TITLE_MIN_WORDS:
            return strip_title_suffix(line)
    return None


def context_date(*hints: str | None) -> ContextDate | None:
    """The first date found in the hints (URL, then file name), tried rule by rule."""
    for pattern in rules().contexts:
        for hint in hints:
            if not hint:
                continue
            match = pattern.search(hint)
            if match:
                day = match.groupdict().get("day")
                return ContextDate(int(match["year"]), int(match["month"]), int(day) if day else None)
    return None


def tidy_date_text(text: str) -> str:
    """Apply the ``rewrite`` rules to a date expression."""
    for pattern, replacement in rules().rewrites:
        text = pattern.sub(replacement, text)
    return text.strip()


def stamp_value(stamp: Stamp, context: ContextDate | None) -> str | None:
    """ISO value of a stamp; a yearless one is resolved against ``context`` (else None)."""
    text = tidy_date_text(stamp.date_text)
    if stamp.year_text:
        return _day_value(f"{text} {stamp.year_text}")
    if not stamp.needs_year:
        return _day_value(text)
    base = context.as_date() if context else None
    if base is None:
        return None
    # A dateline precedes or equals its page's own date: the latest such day on or before
    # base (a 'December 30' dateline on a page filed in January is last year's), never a
    # later one, even far back (normalize_date would read far-back days as coming events).
    value = _day_value(f"{text} {base.year}")
    if value is not None and value > base.isoformat():
        value = _day_value(f"{text} {base.year - 1}")
    return value


def given_value(value: str) -> str | None:
    """ISO value of a date given by the input (JSONL field, HTML metadata), or None."""
    iso = _ISO_DATE_PREFIX.match(value)
    if iso:
        try:
            return dt.date.fromisoformat(iso.group(1)).isoformat()
        except ValueError:
            return None
    return _day_value(tidy_date_text(value))


def publication(
    text: str, *, given: str | None = None, hints: Sequence[str | None] = ()
) -> tuple[str | None, tuple[int, int] | None]:
    """(published, published_span) for an article.

    A date the input gives (JSONL field, HTML metadata) wins over the stamp in the text;
    the span is then kept only when the stamp says the same date.
    """
    stamp = find_stamp(text)
    # A given date also dates a stamp without a year ("KHABAROVSK, June 15. /TASS/.").
    from_stamp = stamp_value(stamp, context_date(given, *hints)) if stamp else None
    span = (stamp.start, stamp.end) if stamp else None
    from_input = given_value(given) if given else None
    if from_input is not None:
        return from_input, span if from_stamp == from_input else None
    return from_stamp, span


def _day_value(text: str) -> str | None:
    """normalize_date's value, or None (also for a range: it is no publication date)."""
    normalized = normalize_date(text)
    if normalized is None or "/" in normalized.value:
        return None
    return normalized.value
