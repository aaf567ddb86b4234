"""Tests for pipeline.normalize.dates: text -> NormalizedDate tables, rule-file loading."""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path

import dateparser
import pytest
from dateparser.date import DateDataParser

from pipeline.normalize.dates import (
    MAX_TEXT_LENGTH,
    DateNormalizer,
    DatePatternError,
    NormalizedDate,
    load_date_rules,
    normalize_date,
)

D = datetime.date

# A Wednesday; relative cases below are worked out by hand from it.
WED_2025_05_21 = D(2025, 5, 21)


def day(iso: str) -> NormalizedDate:
    return NormalizedDate(iso, iso, iso, "day")


def month(iso: str, last_day: int) -> NormalizedDate:
    return NormalizedDate(iso, f"{iso}-01", f"{iso}-{last_day:02d}", "month")


def year(iso: str) -> NormalizedDate:
    return NormalizedDate(iso, f"{iso}-01-01", f"{iso}-12-31", "year")


def day_range(first: str, last: str) -> NormalizedDate:
    return NormalizedDate(f"{first}/{last}", first, last, "day")


# --------------------------------------------------------------------------- absolute dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 June 2017", day("2017-06-15")),
        ("2024-05-18", day("2024-05-18")),
        ("2004-10-27 00:32", day("2004-10-27")),
        ("Mar 20,2024", day("2024-03-20")),
        ("Oct. 5, 2019", day("2019-10-05")),
        ("the 11th of December, 2015", day("2015-12-11")),
        ("January 16, 2026", day("2026-01-16")),
        ("in the afternoon of December 27, 2017", day("2017-12-27")),
        ("on the morning of 3 March 2020", day("2020-03-03")),
        ("October 20, 1993", day("1993-10-20")),
        ("september 1st, 2019", day("2019-09-01")),
        ("Monday, 5 May 2025", day("2025-05-05")),
        ("May 5, 2019 at 3 p.m.", day("2019-05-05")),
        ("18.05.2024", day("2024-05-18")),
        ("2025/05/18", day("2025-05-18")),
        ("(June 15, 2019).", day("2019-06-15")),
        ("May 1995", month("1995-05", 31)),
        ("in February 2024", month("2024-02", 29)),
        ("mid-May 2019", month("2019-05", 31)),
        ("2011-12", month("2011-12", 31)),
        ("1993", year("1993")),
        ("in 2019", year("2019")),
        ("in 2019 year", year("2019")),
        ("the end of 2019", year("2019")),
        ("since 2015", year("2015")),
    ],
)
def test_dates_absolute(text: str, expected: NormalizedDate) -> None:
    assert normalize_date(text, WED_2025_05_21) == expected


@pytest.mark.parametrize("text", ["15 June 2017", "May 1995", "1993", "23-25 May 2016", "the 1990s"])
def test_dates_absolute_need_no_base(text: str) -> None:
    assert normalize_date(text) == normalize_date(text, WED_2025_05_21)
    assert normalize_date(text) is not None


# --------------------------------------------------------------------------- year-less dates


@pytest.mark.parametrize(
    ("text", "base", "expected"),
    [
        # the latest occurrence on or before the base ...
        ("June 15", D(2025, 7, 1), day("2025-06-15")),
        ("June 15", D(2025, 6, 15), day("2025-06-15")),
        ("August 3rd", D(2025, 8, 5), day("2025-08-03")),
        ("December 28", D(2026, 1, 4), day("2025-12-28")),
        ("Jan. 1", D(2025, 5, 21), day("2025-01-01")),
        ("March 8", D(2025, 11, 30), day("2025-03-08")),
        ("4th May", D(2025, 5, 21), day("2025-05-04")),
        ("in May", D(2025, 5, 21), month("2025-05", 31)),
        ("in early May", D(2025, 6, 2), month("2025-05", 31)),
        ("February 29", D(2025, 3, 1), day("2024-02-29")),
        # ... unless that is more than about ten months back: then the coming one
        ("June 15", D(2025, 5, 21), day("2025-06-15")),
        ("January 5", D(2025, 12, 20), day("2026-01-05")),
        ("in June", D(2025, 4, 20), month("2025-06", 30)),
    ],
)
def test_dates_yearless_resolved_near_base(text: str, base: D, expected: NormalizedDate) -> None:
    assert normalize_date(text, base) == expected


# --------------------------------------------------------------------------- ranges


@pytest.mark.parametrize(
    ("text", "base", "expected"),
    [
        ("from 23 to 25 May 2016", None, day_range("2016-05-23", "2016-05-25")),
        ("23-25 May 2016", None, day_range("2016-05-23", "2016-05-25")),
        ("May 12 to 14", D(2025, 5, 21), day_range("2025-05-12", "2025-05-14")),
        ("May 12-14, 2025", None, day_range("2025-05-12", "2025-05-14")),
        ("from May 30 to June 2, 2024", None, day_range("2024-05-30", "2024-06-02")),
        ("30 May - 2 June 2024", None, day_range("2024-05-30", "2024-06-02")),
        ("September 3\u20135", D(2025, 9, 10), day_range("2025-09-03", "2025-09-05")),
        ("2\u20143 July", D(2025, 7, 20), day_range("2025-07-02", "2025-07-03")),
        ("December 30 to January 2, 2025", None, day_range("2024-12-30", "2025-01-02")),
        ("December 30 to January 2", D(2025, 1, 10), day_range("2024-12-30", "2025-01-02")),
        (
            "between 1997 and 2002",
            None,
            NormalizedDate("1997/2002", "1997-01-01", "2002-12-31", "year"),
        ),
        ("2019-20", None, NormalizedDate("2019/2020", "2019-01-01", "2020-12-31", "year")),
        (
            "May to June 2024",
            None,
            NormalizedDate("2024-05/2024-06", "2024-05-01", "2024-06-30", "month"),
        ),
        ("2024-05-12/2024-05-14", None, day_range("2024-05-12", "2024-05-14")),
        ("the 1990s", None, NormalizedDate("1990/1999", "1990-01-01", "1999-12-31", "year")),
        ("early 2000s", None, NormalizedDate("2000/2009", "2000-01-01", "2009-12-31", "year")),
    ],
)
def test_dates_ranges(text: str, base: D | None, expected: NormalizedDate) -> None:
    assert normalize_date(text, base) == expected


@pytest.mark.parametrize("text", ["25 to 23 May 2016", "2002 to 1997", "23-25 representatives"])
def test_dates_ranges_that_are_not_ranges_give_none(text: str) -> None:
    assert normalize_date(text, WED_2025_05_21) is None


# --------------------------------------------------------------------------- relative


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tuesday", day("2025-05-20")),
        ("on Tuesday", day("2025-05-20")),
        ("last Tuesday", day("2025-05-20")),
        ("Tuesday afternoon", day("2025-05-20")),
        ("on Sunday", day("2025-05-18")),
        ("Thursday", day("2025-05-15")),
        ("Wednesday", day("2025-05-21")),  # the base's own weekday is the base
        ("last Wednesday", day("2025-05-14")),  # ... but "last" goes back a week
        ("next Tuesday", day("2025-05-27")),
        ("this Friday", day("2025-05-23")),
        ("yesterday", day("2025-05-20")),
        ("today", day("2025-05-21")),
        ("tomorrow", day("2025-05-22")),
        ("the day before yesterday", day("2025-05-19")),
        ("two days ago", day("2025-05-19")),
        ("a week ago", day("2025-05-14")),
        ("last week", day_range("2025-05-12", "2025-05-18")),
        ("this week", day_range("2025-05-19", "2025-05-25")),
        ("earlier this week", day_range("2025-05-19", "2025-05-25")),
        ("next week", day_range("2025-05-26", "2025-06-01")),
        ("last month", month("2025-04", 30)),
        ("earlier this month", month("2025-05", 31)),
        ("this month", month("2025-05", 31)),
        ("next month", month("2025-06", 30)),
        ("3 months ago", month("2025-02", 28)),
        ("last year", year("2024")),
        ("this year", year("2025")),
        ("next year", year("2026")),
        ("earlier this year", year("2025")),
        ("late last year", year("2024")),
        ("ten years ago", year("2015")),
    ],
)
def test_dates_relative_to_base(text: str, expected: NormalizedDate) -> None:
    assert normalize_date(text, WED_2025_05_21) == expected


def month_range(first: str, last: str, last_day: int) -> NormalizedDate:
    return NormalizedDate(f"{first}/{last}", f"{first}-01", f"{last}-{last_day:02d}", "month")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Seasons and quarters are month ranges (GUIDELINES section 6).
        ("next summer", month_range("2026-06", "2026-08", 31)),
        ("this autumn", month_range("2025-09", "2025-11", 30)),
        ("Last summer", month_range("2024-06", "2024-08", 31)),
        ("next spring", month_range("2026-03", "2026-05", 31)),
        ("winter 2019", month_range("2019-12", "2020-02", 29)),
        ("the fourth quarter of 2025", month_range("2025-10", "2025-12", 31)),
        ("Q3 2019", month_range("2019-07", "2019-09", 30)),
        ("the first quarter", month_range("2025-01", "2025-03", 31)),
        ("October last year", month("2024-10", 31)),
        ("the end of the year", year("2025")),
        ("the 11th to the 17th of May", day_range("2025-05-11", "2025-05-17")),
    ],
)
def test_dates_periods(text: str, expected: NormalizedDate) -> None:
    assert normalize_date(text, WED_2025_05_21) == expected


def test_dates_period_rule_needs_months_or_a_month_group(tmp_path: Path) -> None:
    path = _write_rules(tmp_path, {"id": "bad", "kind": "period", "regex": "summer"})
    with pytest.raises(DatePatternError, match="needs a"):
        DateNormalizer(path)
    path = _write_rules(tmp_path, {"id": "bad", "kind": "period", "regex": "summer", "months": "13/02"})
    with pytest.raises(DatePatternError, match="MM/MM"):
        DateNormalizer(path)


@pytest.mark.parametrize(
    ("text", "base", "expected"),
    [
        ("last month", D(2025, 1, 15), month("2024-12", 31)),
        ("next month", D(2024, 12, 3), month("2025-01", 31)),
        ("last week", D(2025, 1, 1), day_range("2024-12-23", "2024-12-29")),
        ("yesterday", D(2024, 3, 1), day("2024-02-29")),
        ("on Monday", D(2025, 5, 19), day("2025-05-19")),
    ],
)
def test_dates_relative_across_boundaries(text: str, base: D, expected: NormalizedDate) -> None:
    assert normalize_date(text, base) == expected


@pytest.mark.parametrize(
    "text",
    ["Tuesday", "yesterday", "last week", "this year", "two days ago", "June 15", "May 12 to 14", "in May"],
)
def test_dates_relative_without_base_is_none(text: str) -> None:
    assert normalize_date(text) is None
    assert normalize_date(text, WED_2025_05_21) is not None


def test_dates_datetime_base_counts_as_its_day() -> None:
    at_noon = datetime.datetime(2025, 5, 21, 12, 30)
    assert normalize_date("yesterday", at_noon) == day("2025-05-20")


def test_dates_cache_keeps_bases_apart() -> None:
    assert normalize_date("yesterday", D(2025, 5, 21)) == day("2025-05-20")
    assert normalize_date("yesterday", D(2020, 1, 1)) == day("2019-12-31")


# --------------------------------------------------------------------------- never dates


@pytest.mark.parametrize(
    "text",
    [
        "may",
        "May",
        "in may",
        "March",
        "march",
        "Dec",
        "to",
        "three days",
        "10 years",
        "annual",
        "annually",
        "first",
        "19",
        "12:30",
        "noon",
        "2,000",
        "1.5",
        "200 representatives",
        "2019 people",
        "No. 17",
        "No. 2019",
        "COVID-19",
        "G20",
        "20th century",
        "the 20th anniversary",
        "Year of Education",
        "St. Petersburg",
        "the previous day",
        "the same day",
        "the day before",
        "that year",
        "recently",
        "several days ago",
        "February 30, 2019",
        "winter",  # "winter sports": a season is a date only with a year or this/next/last
        "",
        "   ",
        "\n\t",
    ],
)
def test_dates_never_dates(text: str) -> None:
    assert normalize_date(text, WED_2025_05_21) is None


def test_dates_overlong_text_is_none() -> None:
    text = "15 June 2017 " + "x" * MAX_TEXT_LENGTH
    assert normalize_date(text, WED_2025_05_21) is None


@pytest.mark.parametrize("text", [None, 2019, b"15 June 2017", ["May 1995"]])
def test_dates_non_string_is_none(text: object) -> None:
    assert normalize_date(text, WED_2025_05_21) is None  # type: ignore[arg-type]


def test_dates_bad_base_type_raises() -> None:
    with pytest.raises(TypeError):
        normalize_date("yesterday", "2025-05-21")  # type: ignore[arg-type]


def test_dates_dateparser_failure_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self: DateDataParser, *args: object, **kwargs: object) -> None:
        raise RuntimeError("dateparser broke")

    monkeypatch.setattr(DateDataParser, "get_date_data", explode)
    normalizer = DateNormalizer()  # fresh instance: nothing cached yet
    assert normalizer.normalize("15 June 2017", WED_2025_05_21) is None
    assert normalizer.normalize("two days ago", WED_2025_05_21) is None
    # rules that need no dateparser still work
    assert normalizer.normalize("yesterday", WED_2025_05_21) == day("2025-05-20")


def test_dates_leave_dateparser_defaults_alone() -> None:
    names = ("RELATIVE_BASE", "PREFER_DATES_FROM", "PARSERS")
    before = {name: getattr(dateparser.conf.settings, name) for name in names}
    normalizer = DateNormalizer()
    normalizer.normalize("two days ago", WED_2025_05_21)
    normalizer.normalize("June 15", WED_2025_05_21)
    after = {name: getattr(dateparser.conf.settings, name) for name in names}
    assert after == before


def test_dates_result_is_frozen() -> None:
    result = normalize_date("15 June 2017")
    assert result is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.value = "2000"  # type: ignore[misc]


# --------------------------------------------------------------------------- rule file


def test_dates_rule_file_loads_every_kind() -> None:
    kinds = {rule.kind for rule in load_date_rules()}
    assert {"prefix", "suffix", "reject", "relative", "weekday", "range", "year_marker", "period"} <= kinds


def _write_rules(tmp_path: Path, *records: dict[str, object]) -> Path:
    path = tmp_path / "dates.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def test_dates_rules_come_from_the_file(tmp_path: Path) -> None:
    path = _write_rules(
        tmp_path,
        {"id": "relative_heute", "kind": "relative", "regex": "heute", "unit": "day", "offset": 0},
        {"id": "year", "kind": "year_marker", "regex": r"\d{4}"},
    )
    normalizer = DateNormalizer(path)
    assert normalizer.normalize("heute", WED_2025_05_21) == day("2025-05-21")
    assert normalizer.normalize("today", WED_2025_05_21) is None  # not in this file
    assert normalizer.normalize("15 June 2017", WED_2025_05_21) == day("2017-06-15")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"id": "a", "kind": "reject", "regex": "x", "colour": "red"}'], "unknown keys"),
        (['{"id": "a", "kind": "holiday", "regex": "x"}'], "unknown kind"),
        (['{"id": "a", "kind": "relative", "regex": "x", "unit": "day"}'], "missing keys"),
        (['{"id": "a", "kind": "relative", "regex": "x", "unit": "hour", "offset": 1}'], "unit"),
        (['{"id": "a", "kind": "relative", "regex": "x", "unit": "day", "offset": "1"}'], "offset"),
        (['{"id": "a", "kind": "reject", "regex": "("}'], "bad regex"),
        (
            ['{"id": "a", "kind": "reject", "regex": "x"}', '{"id": "a", "kind": "reject", "regex": "y"}'],
            "duplicate id",
        ),
        (
            ['{"id": "a", "kind": "range", "regex": "(?P<y>x)", "start": "{y}", "end": "{z}"}'],
            "unknown groups",
        ),
        (['{"id": "a", "kind": "prefix", "regex": "on\\\\s+", "month_context": false}'], "must start with"),
        (['{"id": "a", "kind": "suffix", "regex": "\\\\s+pm"}'], "must end with"),
        (['{"id": "a", "kind": "weekday", "regex": "x", "direction": "before"}'], "weekday"),
        (['{"id": "a", "kind": "weekday", "regex": "(?P<weekday>x)", "direction": "sideways"}'], "direction"),
        (['{"id": "", "kind": "reject", "regex": "x"}'], "non-empty"),
        (["[1, 2]"], "JSON object"),
        (["{not json"], "not JSON"),
    ],
)
def test_dates_rule_file_faults_fail_loudly(tmp_path: Path, lines: list[str], message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DatePatternError, match=message):
        load_date_rules(path)
