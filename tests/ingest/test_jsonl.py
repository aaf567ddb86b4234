"""JSONL inputs: one article per line; bad lines become Rejects naming their line number."""

from __future__ import annotations

import io
import json

import pytest

from pipeline.ingest import jsonl
from pipeline.ingest.jsonl import iter_jsonl
from pipeline.ingest.models import Article, Reason, Reject

ENGLISH_BODY = (
    "A delegation from the Khabarovsk Territory led by Deputy Governor Ivan Sokolov visited Harbin "
    "from June 3 to 5 to discuss cooperation in education, tourism and cross-border trade.\n"
    "During the visit, Harbin Normal University and Pacific National University signed a memorandum "
    "of understanding on student exchanges. Both sides agreed to hold a joint forum next year."
)


def _line(**record: object) -> bytes:
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def _read(data: bytes) -> list[Article | Reject]:
    return list(iter_jsonl(io.BytesIO(data), "in/batch.jsonl"))


def _summary(items: list[Article | Reject]) -> list[tuple[str, int | None, str]]:
    return [
        ("article", item.record, item.text[:20]) if isinstance(item, Article) else ("reject", item.record, item.reason)
        for item in items
    ]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [_line(text="First. " + ENGLISH_BODY), b'{"text": "broken\n', _line(text="Third. " + ENGLISH_BODY)],
            [("article", 1, "First. A delegation "), ("reject", 2, Reason.MALFORMED_JSON), ("article", 3, "Third. A delegation ")],
        ),
        (
            [_line(title="No text here", url="https://example.org/a"), _line(text=ENGLISH_BODY)],
            [("reject", 1, Reason.MISSING_TEXT), ("article", 2, ENGLISH_BODY[:20])],
        ),
        ([_line(text=["not", "a", "string"])], [("reject", 1, Reason.MISSING_TEXT)]),
        ([b"[1, 2, 3]\n"], [("reject", 1, Reason.MALFORMED_JSON)]),
        ([_line(text="   \n\t ")], [("reject", 1, Reason.EMPTY)]),
        ([b"\n", b"   \n", _line(text=ENGLISH_BODY)], [("article", 3, ENGLISH_BODY[:20])]),  # blank lines still count
        ([_line(content=ENGLISH_BODY)], [("article", 1, ENGLISH_BODY[:20])]),
        ([_line(body=ENGLISH_BODY)], [("article", 1, ENGLISH_BODY[:20])]),
        ([b'{"text": "caf\xe9"}\n'], [("reject", 1, Reason.UNDECODABLE)]),
        ([b"\xef\xbb\xbf" + _line(text=ENGLISH_BODY)], [("article", 1, ENGLISH_BODY[:20])]),  # BOM on line 1
        ([_line(text=ENGLISH_BODY).rstrip(b"\n")], [("article", 1, ENGLISH_BODY[:20])]),  # no final newline
    ],
)
def test_jsonl_records(lines: list[bytes], expected: list[tuple[str, int | None, str]]) -> None:
    assert _summary(_read(b"".join(lines))) == expected


def test_jsonl_reject_detail_names_file_and_line() -> None:
    (reject,) = _read(b'{"text": oops}\n')
    assert isinstance(reject, Reject)
    assert reject.source == "in/batch.jsonl"
    assert "in/batch.jsonl line 1" in reject.detail


def test_jsonl_fields_fill_the_article() -> None:
    data = _line(
        id="x1",
        text="Harbin Hosts Forum\n" + ENGLISH_BODY,
        url="https://example.org/news/2024/06/06/forum.html",
        title="  Given headline  ",
        published="2024-06-06T09:30:00+08:00",
    )
    (article,) = _read(data)
    assert isinstance(article, Article)
    assert (article.url, article.title, article.published, article.record) == (
        "https://example.org/news/2024/06/06/forum.html",
        "Given headline",
        "2024-06-06",
        1,
    )
    assert article.raw_text == "Harbin Hosts Forum\n" + ENGLISH_BODY
    assert article.source_label == "in/batch.jsonl:1"


def test_jsonl_date_field_is_an_alias_of_published() -> None:
    (article,) = _read(_line(text=ENGLISH_BODY, date="June 6, 2024"))
    assert isinstance(article, Article)
    assert article.published == "2024-06-06"


def test_jsonl_oversized_record_is_rejected_and_reading_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl, "MAX_RECORD_BYTES", 100)
    monkeypatch.setattr(jsonl, "_SKIP_CHUNK", 16)
    big = _line(text="word " * 200)
    small = _line(text="Harbin and Omsk met.")
    assert _summary(_read(big + small)) == [("reject", 1, Reason.TOO_LARGE), ("article", 2, "Harbin and Omsk met.")]
