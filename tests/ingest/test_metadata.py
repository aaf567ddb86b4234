"""Headline and publication date from the cleaned text."""

from __future__ import annotations

import pytest

from pipeline.ingest.metadata import context_date, find_title, publication

BODY = "Officials of the two cities discussed cooperation in education and trade."


@pytest.mark.parametrize(
    ("text", "hints", "published", "span_text"),
    [
        (f"Harbin Hosts Forum\nUpdated : 2025-05-21Source : City Foreign Affairs Office\n{BODY}", (), "2025-05-21", "2025-05-21"),
        (f"Harbin Hosts Forum\nUpdated: 2004-10-27 00:32\n{BODY}", (), "2004-10-27", "2004-10-27"),
        (f"Harbin Hosts Forum\nBy LI MING|Apr 2,2023\n{BODY}", (), "2023-04-02", "Apr 2,2023"),
        (f"Harbin Hosts Forum\nPublished: May 17, 2024\n{BODY}", (), "2024-05-17", "May 17, 2024"),
        (f"Harbin Hosts Forum\nDate: 2023/11/05\n{BODY}", (), "2023-11-05", "2023/11/05"),
        (f"Harbin Hosts Forum\nTuesday, 21 May 2024 14:05\n{BODY}", (), "2024-05-21", "21 May 2024"),
        (f"Harbin Hosts Forum\n发布时间：2024年3月8日\n{BODY}", (), "2024-03-08", "2024年3月8日"),
        # wire datelines without a year: resolved from the URL or file name, else unknown
        (f"ST. PETERSBURG, September 16. /TASS/. {BODY}", (), None, "September 16"),
        (f"ST. PETERSBURG, September 16. /TASS/. {BODY}", ("https://example.org/2024-09-17/news.html",), "2024-09-16", "September 16"),
        (f"MOSCOW, March 3 (Xinhua) -- {BODY}", (None, "in/2023-03-04_xinhua.txt"), "2023-03-03", "March 3"),
        (f"MOSCOW, March 3 (Xinhua) -- {BODY}", ("https://example.org/2023/01/story.html",), "2022-03-03", "March 3"),
        (f"MOSCOW, March 3, 2022 (Xinhua) -- {BODY}", (), "2022-03-03", "March 3, 2022"),
        (f"HARBIN, July 8 -- {BODY}", ("/data/20240709/a.txt",), "2024-07-08", "July 8"),
        # no stamp: dates inside sentences are event dates, not the publication date
        (f"Harbin Hosts Forum\nThe forum was held on May 17, 2024 in Harbin.\n{BODY}", (), None, None),
        (f"Harbin Hosts Forum\n{BODY}", ("https://example.org/news/1.html",), None, None),
    ],
)
def test_metadata_publication_from_stamp(
    text: str, hints: tuple[str | None, ...], published: str | None, span_text: str | None
) -> None:
    value, span = publication(text, hints=hints)
    assert value == published
    assert (text[span[0] : span[1]] if span else None) == span_text


@pytest.mark.parametrize(
    ("given", "text", "published", "has_span"),
    [
        ("2024-05-17T10:00:00Z", "Title Of Story\nPublished: May 17, 2024\n" + BODY, "2024-05-17", True),
        ("2024-05-18", "Title Of Story\nPublished: May 17, 2024\n" + BODY, "2024-05-18", False),
        ("May 18, 2024", BODY, "2024-05-18", False),
        ("not a date", "Title Of Story\nPublished: May 17, 2024\n" + BODY, "2024-05-17", True),
    ],
)
def test_metadata_given_date_wins_over_stamp(given: str, text: str, published: str, has_span: bool) -> None:
    value, span = publication(text, given=given)
    assert value == published
    assert (span is not None) is has_span


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (f"Harbin Hosts Russian Students\nUpdated: 2024-01-02\n{BODY}", "Harbin Hosts Russian Students"),
        (f"World\nHarbin Hosts Russian Students\n{BODY}", "Harbin Hosts Russian Students"),  # section label skipped
        (f"Updated: 2024-01-02\nHarbin Hosts Russian Students\n{BODY}", "Harbin Hosts Russian Students"),
        (f"Harbin Hosts Russian Students | Education\n{BODY}", "Harbin Hosts Russian Students"),
        (f"Why Do Russian Students Choose Harbin?\n{BODY}", "Why Do Russian Students Choose Harbin?"),
        (f"{BODY}\nA later short line without a stop", None),  # body first: no headline
        (f"MOSCOW, March 3 (Xinhua) -- {BODY}", None),
        ("", None),
    ],
)
def test_metadata_find_title(text: str, title: str | None) -> None:
    assert find_title(text) == title


@pytest.mark.parametrize(
    ("hints", "expected"),
    [
        (("https://example.org/2024/09/16/a.html",), (2024, 9, 16)),
        (("https://example.org/2024/9/",), (2024, 9, None)),
        ((None, "data/20231231_story.txt"), (2023, 12, 31)),
        (("https://example.org/article/12345.html", "story.txt"), None),
    ],
)
def test_metadata_context_date(hints: tuple[str | None, ...], expected: tuple[int, int, int | None] | None) -> None:
    found = context_date(*hints)
    assert (None if found is None else (found.year, found.month, found.day)) == expected
