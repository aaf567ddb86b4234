"""Turn an English date expression into an ISO value with its day bounds.

``normalize_date("May 12-14, 2025")`` gives ``NormalizedDate("2025-05-12/2025-05-14",
"2025-05-12", "2025-05-14", "day")``. dateparser reads the dates themselves (month and
weekday words, numerals, formats); ``patterns/dates.jsonl`` holds our own rules around it:
phrases to strip, range shapes, relative phrases, and texts that are never dates.

Expressions are resolved against ``base`` (normally the article's publication date):

* relative phrases ("yesterday", "last week", "this year", "two days ago") and weekdays need
  ``base``; without it they give ``None``.
* a date written without a year ("June 15", "May 12 to 14", "in May") takes the occurrence
  nearest to ``base`` with a preference for the past, because news mostly reports what has
  happened: the latest occurrence on or before ``base``, unless that is more than
  ``YEARLESS_LOOKBACK_DAYS`` (about ten months) back, in which case the next one after ``base``
  (an announcement of a coming event). Without ``base`` they give ``None``.
* a bare weekday ("Tuesday", "on Tuesday") is the latest such day on or before ``base``;
  "last Tuesday" is strictly before it, "next Tuesday" strictly after, "this Tuesday" falls
  in the Monday-to-Sunday week of ``base``.
* anaphoric phrases ("the previous day", "the same day") are anchored to another date in the
  story, not to ``base``, so they give ``None``.
"""

from __future__ import annotations

import calendar
import datetime
import json
import logging
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from dateparser.date import DateDataParser
from dateparser.languages.loader import default_loader

from pipeline.labels import GRANULARITIES

__all__ = [
    "DATE_PATTERNS_PATH",
    "MAX_TEXT_LENGTH",
    "YEARLESS_LOOKBACK_DAYS",
    "DatePatternError",
    "DateRule",
    "DateNormalizer",
    "NormalizedDate",
    "load_date_rules",
    "normalize_date",
]

logger = logging.getLogger(__name__)

#: The rule file this module reads by default.
DATE_PATTERNS_PATH = Path(__file__).resolve().parents[2] / "patterns" / "dates.jsonl"

#: Longer texts are sentences, not date expressions; refusing them also bounds dateparser's time.
MAX_TEXT_LENGTH = 200

#: A year-less date further back than this from the base is taken as the coming occurrence.
YEARLESS_LOOKBACK_DAYS = 305

#: A leap year, so that a year-less "February 29" still reads; dateparser fills a missing year
#: with this one, which is how we tell that the text had none.
_REFERENCE_YEAR = 2000

_DATEPARSER_LANGUAGES = ("en",)

_CACHE_SIZE = 8192


@dataclass(frozen=True)
class NormalizedDate:
    """A date expression as ISO text plus the full days it covers."""

    value: str  # ISO at text precision: "2025-05-12", "1995-05", "2016"; range "A/B"
    start: str  # first full ISO day covered
    end: str  # last full ISO day covered
    granularity: str  # "day" | "month" | "year"; for ranges, the precision of the bounds


# --------------------------------------------------------------------------- rule file


class DatePatternError(ValueError):
    """The date rule file is malformed."""


@dataclass(frozen=True)
class DateRule:
    """One line of ``patterns/dates.jsonl``, validated and compiled."""

    id: str
    kind: str
    pattern: re.Pattern[str]
    replacement: str | None = None  # rewrite
    month_context: bool = False  # prefix: licenses a bare capitalised month name after it
    unit: str | None = None  # relative: day | week | month | year
    offset: int = 0  # relative: how many units from the base
    direction: str | None = None  # weekday: on_or_before | before | after | same_week
    start: str | None = None  # range: template of the first side
    end: str | None = None  # range: template of the last side
    months: tuple[int, int] | None = None  # period: first and last month ("06/08"; "12/02" runs into the next year)


_COMMON_KEYS = frozenset({"id", "kind", "regex", "note"})

#: kind -> (required keys besides id/kind/regex, optional keys besides note)
_KIND_KEYS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = MappingProxyType(
    {
        "rewrite": (frozenset({"replacement"}), frozenset()),
        "prefix": (frozenset({"month_context"}), frozenset()),
        "suffix": (frozenset(), frozenset()),
        "reject": (frozenset(), frozenset()),
        "relative": (frozenset({"unit", "offset"}), frozenset()),
        "ago": (frozenset(), frozenset()),
        "weekday": (frozenset({"direction"}), frozenset()),
        "decade": (frozenset(), frozenset()),
        "range": (frozenset({"start", "end"}), frozenset()),
        "year_marker": (frozenset(), frozenset()),
        "numeric_date": (frozenset(), frozenset()),
        "period": (frozenset(), frozenset({"months"})),
    }
)

_RELATIVE_UNITS = frozenset({"day", "week", "month", "year"})
#: Year offsets of the words a period rule's (?P<rel>...) group may hold.
_RELATIVE_YEARS: Mapping[str, int] = MappingProxyType({"this": 0, "next": 1, "last": -1, "past": -1, "coming": 1})
_WEEKDAY_DIRECTIONS = frozenset({"on_or_before", "before", "after", "same_week"})


def _rule_error(path: Path, line_no: int, message: str) -> DatePatternError:
    return DatePatternError(f"{path}:{line_no}: {message}")


def _template_fields(template: str) -> set[str]:
    """Names a ``str.format`` template refers to."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def _parse_rule(record: Any, path: Path, line_no: int) -> DateRule:
    """Validate one JSON object from the rule file and build its rule."""
    if not isinstance(record, dict):
        raise _rule_error(path, line_no, "each line must be a JSON object")
    kind = record.get("kind")
    if kind not in _KIND_KEYS:
        raise _rule_error(path, line_no, f"unknown kind {kind!r}; known: {sorted(_KIND_KEYS)}")
    required, optional = _KIND_KEYS[kind]
    keys = set(record)
    missing = (required | {"id", "kind", "regex"}) - keys
    unknown = keys - required - optional - _COMMON_KEYS
    if missing:
        raise _rule_error(path, line_no, f"missing keys {sorted(missing)} for kind {kind!r}")
    if unknown:
        raise _rule_error(path, line_no, f"unknown keys {sorted(unknown)} for kind {kind!r}")
    rule_id = record["id"]
    if not isinstance(rule_id, str) or not rule_id:
        raise _rule_error(path, line_no, "'id' must be a non-empty string")
    for key in ("regex", "replacement", "start", "end", "note"):
        if key in record and not isinstance(record[key], str):
            raise _rule_error(path, line_no, f"{rule_id}: {key!r} must be a string")
    try:
        pattern = re.compile(record["regex"], re.IGNORECASE)
    except re.error as exc:
        raise _rule_error(path, line_no, f"{rule_id}: bad regex: {exc}") from exc

    fields: dict[str, Any] = {}
    if kind == "rewrite":
        fields["replacement"] = record["replacement"]
    elif kind == "prefix":
        if not record["regex"].startswith("^"):
            raise _rule_error(path, line_no, f"{rule_id}: a prefix regex must start with '^'")
        if not isinstance(record["month_context"], bool):
            raise _rule_error(path, line_no, f"{rule_id}: 'month_context' must be true or false")
        fields["month_context"] = record["month_context"]
    elif kind == "suffix":
        if not record["regex"].endswith("$"):
            raise _rule_error(path, line_no, f"{rule_id}: a suffix regex must end with '$'")
    elif kind == "relative":
        unit, offset = record["unit"], record["offset"]
        if unit not in _RELATIVE_UNITS:
            raise _rule_error(path, line_no, f"{rule_id}: unit must be one of {sorted(_RELATIVE_UNITS)}")
        if not isinstance(offset, int) or isinstance(offset, bool):
            raise _rule_error(path, line_no, f"{rule_id}: 'offset' must be an integer")
        fields.update(unit=unit, offset=offset)
    elif kind == "weekday":
        if record["direction"] not in _WEEKDAY_DIRECTIONS:
            raise _rule_error(
                path, line_no, f"{rule_id}: direction must be one of {sorted(_WEEKDAY_DIRECTIONS)}"
            )
        if "weekday" not in pattern.groupindex:
            raise _rule_error(path, line_no, f"{rule_id}: regex needs a (?P<weekday>...) group")
        fields["direction"] = record["direction"]
    elif kind == "decade":
        if "decade" not in pattern.groupindex:
            raise _rule_error(path, line_no, f"{rule_id}: regex needs a (?P<decade>...) group")
    elif kind == "period":
        # Seasons and quarters give their months; without them the rule reads a named month
        # from a (?P<m>...) group ("October last year").
        if "months" in record:
            found = re.fullmatch(r"(\d{2})/(\d{2})", str(record["months"]))
            if found is None or not all(1 <= int(g) <= 12 for g in found.groups()):
                raise _rule_error(path, line_no, f"{rule_id}: 'months' must be 'MM/MM'")
            fields["months"] = (int(found.group(1)), int(found.group(2)))
        elif "m" not in pattern.groupindex:
            raise _rule_error(path, line_no, f"{rule_id}: a period without 'months' needs a (?P<m>...) group")
    elif kind == "range":
        for side in ("start", "end"):
            try:
                names = _template_fields(record[side])
            except ValueError as exc:
                raise _rule_error(path, line_no, f"{rule_id}: bad {side} template: {exc}") from exc
            stray = names - set(pattern.groupindex)
            if stray:
                raise _rule_error(path, line_no, f"{rule_id}: {side} names unknown groups {sorted(stray)}")
        fields.update(start=record["start"], end=record["end"])
    return DateRule(id=rule_id, kind=kind, pattern=pattern, **fields)


@lru_cache(maxsize=8)
def load_date_rules(path: Path = DATE_PATTERNS_PATH) -> tuple[DateRule, ...]:
    """Read and validate the date rule file once; raise ``DatePatternError`` on any fault."""
    rules: list[DateRule] = []
    seen_ids: set[str] = set()
    with Path(path).open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _rule_error(Path(path), line_no, f"not JSON: {exc}") from exc
            rule = _parse_rule(record, Path(path), line_no)
            if rule.id in seen_ids:
                raise _rule_error(Path(path), line_no, f"duplicate id {rule.id!r}")
            seen_ids.add(rule.id)
            rules.append(rule)
    return tuple(rules)


# --------------------------------------------------------------------------- calendar words


@dataclass(frozen=True)
class _CalendarWords:
    months: frozenset[str]
    weekdays: Mapping[str, int]  # word -> Monday=0 .. Sunday=6


@lru_cache(maxsize=1)
def _calendar_words() -> _CalendarWords:
    """Month and weekday words from dateparser's English data (not a list of our own)."""
    info = default_loader.get_locale(_DATEPARSER_LANGUAGES[0]).info
    months = frozenset(
        word.lower() for month in calendar.month_name[1:] for word in info[month.lower()]
    )
    # Two-letter forms ("mo", "tu") are too easily other words to read as days.
    weekdays = {
        word.lower(): index
        for index, day in enumerate(calendar.day_name)
        for word in info[day.lower()]
        if len(word) >= 3
    }
    return _CalendarWords(months=months, weekdays=MappingProxyType(weekdays))


_WORD = re.compile(r"[a-z]+", re.IGNORECASE)


# --------------------------------------------------------------------------- date arithmetic


@dataclass(frozen=True)
class _Reading:
    """A single date as written: ``year`` is None when the text gave none."""

    granularity: str
    year: int | None
    month: int
    day: int


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _bounds(granularity: str, year: int, month: int, day: int) -> tuple[datetime.date, datetime.date]:
    """First and last day covered by a point at ``granularity``."""
    if granularity == "year":
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if granularity == "month":
        return datetime.date(year, month, 1), datetime.date(year, month, _last_day(year, month))
    day_date = datetime.date(year, month, day)
    return day_date, day_date


def _point(granularity: str, year: int, month: int = 1, day: int = 1) -> NormalizedDate:
    """A single date at ``granularity`` (raises ValueError for impossible dates)."""
    first, last = _bounds(granularity, year, month, day)
    if granularity == "year":
        value = f"{year:04d}"
    elif granularity == "month":
        value = f"{year:04d}-{month:02d}"
    else:
        value = first.isoformat()
    return NormalizedDate(value, first.isoformat(), last.isoformat(), granularity)


def _span(first: NormalizedDate, last: NormalizedDate) -> NormalizedDate | None:
    """A range from ``first`` to ``last``; None when it runs backwards."""
    if first.start > last.end:
        return None
    granularity = max(first.granularity, last.granularity, key=GRANULARITIES.index)
    return NormalizedDate(f"{first.value}/{last.value}", first.start, last.end, granularity)


def _day_span(first: datetime.date, last: datetime.date) -> NormalizedDate:
    return NormalizedDate(
        f"{first.isoformat()}/{last.isoformat()}", first.isoformat(), last.isoformat(), "day"
    )


def _shift_month(year: int, month: int, offset: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + offset
    return index // 12, index % 12 + 1


def _with_year(reading: _Reading, year: int) -> NormalizedDate | None:
    """The reading placed in ``year``; None when that day does not exist there (Feb 29)."""
    try:
        return _point(reading.granularity, year, reading.month, reading.day)
    except ValueError:
        return None


def _resolve_yearless(reading: _Reading, base: datetime.date) -> NormalizedDate | None:
    """The occurrence nearest ``base``, preferring the past (see the module docstring)."""
    candidates = [
        point
        for year in (base.year - 1, base.year, base.year + 1)
        if (point := _with_year(reading, year)) is not None
    ]
    base_iso = base.isoformat()
    past = [point for point in candidates if point.start <= base_iso]
    future = [point for point in candidates if point.start > base_iso]
    if past:
        latest = past[-1]
        age = (base - datetime.date.fromisoformat(latest.start)).days
        if age <= YEARLESS_LOOKBACK_DAYS or not future:
            return latest
    return future[0] if future else None


def _relative(unit: str, offset: int, base: datetime.date) -> NormalizedDate:
    """The day, week, month or year ``offset`` units from the one containing ``base``."""
    if unit == "day":
        return _point("day", *_ymd(base + datetime.timedelta(days=offset)))
    if unit == "week":
        monday = base - datetime.timedelta(days=base.weekday()) + datetime.timedelta(weeks=offset)
        return _day_span(monday, monday + datetime.timedelta(days=6))
    if unit == "month":
        year, month = _shift_month(base.year, base.month, offset)
        return _point("month", year, month)
    return _point("year", base.year + offset)


def _ymd(day: datetime.date) -> tuple[int, int, int]:
    return day.year, day.month, day.day


def _weekday_date(weekday: int, direction: str, base: datetime.date) -> datetime.date:
    """The ``weekday`` (Monday=0) relative to ``base`` in ``direction``."""
    back = (base.weekday() - weekday) % 7
    if direction == "on_or_before":
        return base - datetime.timedelta(days=back)
    if direction == "before":
        return base - datetime.timedelta(days=back or 7)
    if direction == "after":
        ahead = (weekday - base.weekday()) % 7
        return base + datetime.timedelta(days=ahead or 7)
    return base + datetime.timedelta(days=weekday - base.weekday())  # same_week


def _as_date(base: datetime.date | None) -> datetime.date | None:
    """Drop any time part so a datetime and its date share one cache entry."""
    if base is None:
        return None
    return datetime.date(base.year, base.month, base.day)


# --------------------------------------------------------------------------- normalizer


class DateNormalizer:
    """Reads date expressions with one dateparser configuration and one rule set.

    Each instance holds a single settings mapping; calls copy it and add their own
    ``RELATIVE_BASE``, so neither dateparser's defaults nor this mapping ever change.
    Results are cached per ``(text, base)``.
    """

    def __init__(self, rules_path: Path = DATE_PATTERNS_PATH) -> None:
        rules = load_date_rules(Path(rules_path))
        self._rules_by_kind: Mapping[str, tuple[DateRule, ...]] = MappingProxyType(
            {kind: tuple(rule for rule in rules if rule.kind == kind) for kind in _KIND_KEYS}
        )
        self._words = _calendar_words()
        self._settings: Mapping[str, Any] = MappingProxyType(
            {
                "PREFER_DAY_OF_MONTH": "first",
                "RETURN_AS_TIMEZONE_AWARE": False,
            }
        )
        # Absolute dates never depend on the base (a missing year is filled in by us), so
        # one parser with a fixed reference serves every call and its results are cached by
        # text alone.
        self._absolute_parser = DateDataParser(
            languages=list(_DATEPARSER_LANGUAGES),
            settings=self._settings_with(
                RELATIVE_BASE=datetime.datetime(_REFERENCE_YEAR, 1, 1),
                PREFER_DATES_FROM="current_period",
                PARSERS=["custom-formats", "absolute-time"],
            ),
        )
        # Per-instance caches: dateparser is slow and the pipeline asks about the same
        # texts over and over.
        self._normalize_cached = lru_cache(maxsize=_CACHE_SIZE)(self._normalize_safely)
        self._read = lru_cache(maxsize=_CACHE_SIZE)(self._read_uncached)

    def _settings_with(self, **overrides: Any) -> dict[str, Any]:
        """A fresh copy of this normalizer's settings with ``overrides`` applied."""
        return {**self._settings, **overrides}

    def _rules_of(self, kind: str) -> tuple[DateRule, ...]:
        return self._rules_by_kind.get(kind, ())

    # -- public ----------------------------------------------------------------------

    def normalize(self, text: str, base: datetime.date | None = None) -> NormalizedDate | None:
        """Normalize ``text`` against ``base``; None when it is not a date expression.

        ``base`` must be a ``datetime.date`` (a ``datetime`` counts as its day) or None;
        anything else is a caller bug and raises ``TypeError``.
        """
        if base is not None and not isinstance(base, datetime.date):
            raise TypeError(f"base must be a datetime.date or None, not {type(base).__name__}")
        if not isinstance(text, str) or len(text) > MAX_TEXT_LENGTH:
            return None
        return self._normalize_cached(text, _as_date(base))

    def _normalize_safely(self, text: str, base: datetime.date | None) -> NormalizedDate | None:
        try:
            return self._normalize(text, base)
        except Exception:  # dateparser and calendar edge cases must never stop a run
            logger.debug("date normalization failed for %r", text, exc_info=True)
            return None

    # -- steps -----------------------------------------------------------------------

    def _normalize(self, text: str, base: datetime.date | None) -> NormalizedDate | None:
        cleaned = " ".join(text.split())
        for rule in self._rules_of("rewrite"):
            cleaned = rule.pattern.sub(rule.replacement or "", cleaned)
        core, month_licensed = self._strip_affixes(cleaned)
        if not core or self._matches("reject", core):
            return None
        for step in (self._relative_date, self._ago_date, self._weekday, self._period):
            found, result = step(core, base)
            if found:
                return result
        decade = self._decade(core)
        if decade is not None:
            return decade
        for rule in self._rules_of("range"):
            match = rule.pattern.fullmatch(core)
            if match:
                return self._range(rule, match, base)
        if self._is_bare_month(core) and not (month_licensed and core[:1].isupper()):
            return None  # "May" alone is as likely the verb; "in May" is the month
        return self._single(core, base)

    def _matches(self, kind: str, text: str) -> bool:
        return any(rule.pattern.fullmatch(text) for rule in self._rules_of(kind))

    def _strip_affixes(self, text: str) -> tuple[str, bool]:
        """Remove leading and trailing non-date words; say whether a month-licensing one went."""
        month_licensed = False
        stripping = True
        while stripping and text:
            stripping = False
            for rule in self._rules_of("prefix"):
                match = rule.pattern.match(text)
                if match and match.end() > 0:
                    text = text[match.end() :]
                    month_licensed = month_licensed or rule.month_context
                    stripping = True
                    break
            for rule in self._rules_of("suffix"):
                match = rule.pattern.search(text)
                if match and match.start() < len(text):
                    text = text[: match.start()]
                    stripping = True
                    break
        return text, month_licensed

    def _period(self, core: str, base: datetime.date | None) -> tuple[bool, NormalizedDate | None]:
        """Seasons and quarters as month ranges ("next summer" -> June to August of the next
        year), and a month of a relative year ("October last year")."""
        for rule in self._rules_of("period"):
            match = rule.pattern.fullmatch(core)
            if match is None:
                continue
            groups = match.groupdict()
            if groups.get("y"):
                year = int(groups["y"])
            elif base is None:
                return True, None
            else:
                year = base.year + _RELATIVE_YEARS.get((groups.get("rel") or "this").lower(), 0)
            if rule.months is None:
                month = self._month_number(groups["m"])
                return True, _point("month", year, month) if month is not None else None
            first, last = rule.months
            last_year = year + 1 if last < first else year
            return True, _span(_point("month", year, first), _point("month", last_year, last))
        return False, None

    def _month_number(self, word: str) -> int | None:
        reading = self._read(word)
        return reading.month if reading is not None and reading.granularity == "month" else None

    def _relative_date(self, core: str, base: datetime.date | None) -> tuple[bool, NormalizedDate | None]:
        for rule in self._rules_of("relative"):
            if rule.pattern.fullmatch(core):
                if base is None or rule.unit is None:
                    return True, None
                return True, _relative(rule.unit, rule.offset, base)
        return False, None

    def _ago_date(self, core: str, base: datetime.date | None) -> tuple[bool, NormalizedDate | None]:
        if not self._matches("ago", core):
            return False, None
        if base is None:
            return True, None
        parser = DateDataParser(
            languages=list(_DATEPARSER_LANGUAGES),
            settings=self._settings_with(
                RELATIVE_BASE=datetime.datetime(base.year, base.month, base.day),
                PARSERS=["relative-time"],
            ),
        )
        data = parser.get_date_data(core)
        if data.date_obj is None:
            return True, None
        found = data.date_obj.date()
        # "a week ago" names a day a week back, not a calendar week.
        granularity = {"day": "day", "week": "day", "month": "month", "year": "year"}.get(
            data.period or ""
        )
        if granularity is None:
            return True, None
        return True, _point(granularity, *_ymd(found))

    def _weekday(self, core: str, base: datetime.date | None) -> tuple[bool, NormalizedDate | None]:
        for rule in self._rules_of("weekday"):
            match = rule.pattern.fullmatch(core)
            if not match:
                continue
            weekday = self._words.weekdays.get(match.group("weekday").rstrip(".").lower())
            if weekday is None:
                continue
            if base is None or rule.direction is None:
                return True, None
            return True, _point("day", *_ymd(_weekday_date(weekday, rule.direction, base)))
        return False, None

    def _decade(self, core: str) -> NormalizedDate | None:
        for rule in self._rules_of("decade"):
            match = rule.pattern.fullmatch(core)
            if match:
                first_year = int(match.group("decade")) * 10
                return _span(_point("year", first_year), _point("year", first_year + 9))
        return None

    def _range(
        self, rule: DateRule, match: re.Match[str], base: datetime.date | None
    ) -> NormalizedDate | None:
        groups = {name: value or "" for name, value in match.groupdict().items()}
        first_text = " ".join((rule.start or "").format(**groups).split())
        last_text = " ".join((rule.end or "").format(**groups).split())
        first, last = self._read(first_text), self._read(last_text)
        if first is None or last is None:
            return None
        # A side without a year shares the other's ("May 30 to June 2, 2024"); a range
        # written across New Year ("December 30 to January 2, 2025") starts a year earlier.
        if first.year is None and last.year is not None:
            start = _with_year(first, last.year)
            end = _with_year(last, last.year)
            if start is not None and end is not None and start.start > end.end:
                start = _with_year(first, last.year - 1)
        elif first.year is not None and last.year is None:
            start = _with_year(first, first.year)
            end = _with_year(last, first.year)
            if start is not None and end is not None and start.start > end.end:
                end = _with_year(last, first.year + 1)
        elif first.year is None and last.year is None:
            if base is None:
                return None
            start = _resolve_yearless(first, base)
            if start is None:
                return None
            start_year = int(start.start[:4])
            end = _with_year(last, start_year)
            if end is not None and start.start > end.end:
                end = _with_year(last, start_year + 1)
        else:
            start = _with_year(first, first.year)  # type: ignore[arg-type]  # both written
            end = _with_year(last, last.year)  # type: ignore[arg-type]
        if start is None or end is None:
            return None
        return _span(start, end)

    def _is_bare_month(self, core: str) -> bool:
        return core.rstrip(".").lower() in self._words.months

    def _single(self, core: str, base: datetime.date | None) -> NormalizedDate | None:
        reading = self._read(core)
        if reading is None:
            return None
        if reading.year is not None:
            return _with_year(reading, reading.year)
        if base is None:
            return None
        return _resolve_yearless(reading, base)

    def _read_uncached(self, text: str) -> _Reading | None:
        """Read one absolute date with dateparser; None unless the text shows it is a date."""
        written_years = {
            int(found.group())
            for rule in self._rules_of("year_marker")
            for found in rule.pattern.finditer(text)
        }
        has_month_word = any(word.lower() in self._words.months for word in _WORD.findall(text))
        is_numeric_date = self._matches("numeric_date", text)
        if not (written_years or has_month_word or is_numeric_date):
            return None  # "19", "three days", "first": dateparser would still make a date of them
        data = self._absolute_parser.get_date_data(text)
        if data.date_obj is None:
            return None
        granularity = {"day": "day", "time": "day", "month": "month", "year": "year"}.get(data.period or "")
        if granularity is None:
            return None
        if granularity != "year" and not (has_month_word or is_numeric_date):
            return None  # a day or month needs a month written somewhere
        parsed = data.date_obj
        if written_years:
            if parsed.year not in written_years:
                return None  # dateparser read the digits as something else ("2019 year" -> 6)
            year: int | None = parsed.year
        elif parsed.year != _REFERENCE_YEAR:
            year = parsed.year  # a two-digit year ("May 12, '19")
        elif granularity == "year":
            return None
        else:
            year = None
        return _Reading(granularity, year, parsed.month, parsed.day)


@lru_cache(maxsize=1)
def _default_normalizer() -> DateNormalizer:
    return DateNormalizer()


def normalize_date(text: str, base: datetime.date | None = None) -> NormalizedDate | None:
    """Normalize a date expression against ``base`` (usually the publication date).

    Returns None when ``text`` is not a date expression ("may", "to", "three days"), when it
    needs a base that is missing ("yesterday", "June 15" without ``base``), when it is longer
    than ``MAX_TEXT_LENGTH`` characters, and when anything inside dateparser fails.
    """
    return _default_normalizer().normalize(text, base)
