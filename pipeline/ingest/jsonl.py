"""JSONL/NDJSON files: one article per line, read line by line (never the whole file).

A record is a JSON object with the text in ``text`` (or ``content``, or ``body``) and
optional ``url``, ``title``, ``published`` (or ``date``) and ``id``. Other keys are
ignored. Record numbers are 1-based line numbers, so a person can open the file at the
line a Reject names; blank lines are skipped but still counted.
JSON is UTF-8 (RFC 8259), so lines are not charset-guessed; a leading UTF-8 BOM is allowed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from pipeline.ingest.article import article_from_text
from pipeline.ingest.models import Article, Reason, Reject, describe_input

# Fields holding the article text, in order of preference.
TEXT_FIELDS: tuple[str, ...] = ("text", "content", "body")
# Fields holding the publication date, in order of preference.
DATE_FIELDS: tuple[str, ...] = ("published", "date")

# One record may be as large as one file (same reason: bounded memory per input).
MAX_RECORD_BYTES = 50 * 1024 * 1024
# Bytes read at a time when skipping the rest of an oversized line.
_SKIP_CHUNK = 1024 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"


def iter_jsonl(handle: BinaryIO, source: str) -> Iterator[Article | Reject]:
    """One Article or Reject per non-blank line of an open binary JSONL file."""
    number = 0
    while True:
        line = handle.readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            _skip_rest_of_line(handle)
            yield Reject(
                source, number, Reason.TOO_LARGE,
                f"{describe_input(source, number)} is over {MAX_RECORD_BYTES:,} bytes; one record should hold "
                "one article: split it.",
            )
            continue
        if number == 1 and line.startswith(_UTF8_BOM):
            line = line[len(_UTF8_BOM) :]
        if not line.strip():
            continue
        yield record_article(line, source, number)


def record_article(line: bytes, source: str, number: int) -> Article | Reject:
    """Parse one JSONL line and build its Article (or say why not)."""
    where = describe_input(source, number)
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError as err:
        return Reject(
            source, number, Reason.UNDECODABLE,
            f"{where} is not valid UTF-8 (byte {err.start} of the line); JSON Lines must be UTF-8: "
            "re-save the file as UTF-8.",
        )
    try:
        record = json.loads(decoded)
    except json.JSONDecodeError as err:
        return Reject(
            source, number, Reason.MALFORMED_JSON,
            f"{where} is not valid JSON ({err.msg} at column {err.colno}); fix or remove that line.",
        )
    if not isinstance(record, dict):
        return Reject(
            source, number, Reason.MALFORMED_JSON,
            f"{where} is a JSON {type(record).__name__}, not an object; each line must be one "
            '{"text": ...} object.',
        )
    text = _first_string(record, TEXT_FIELDS)
    if text is None:
        return Reject(
            source, number, Reason.MISSING_TEXT,
            f"{where}{_id_note(record)} has no string field {' / '.join(TEXT_FIELDS)}; "
            "put the article text in 'text'.",
        )
    return article_from_text(
        text,
        source,
        record=number,
        url=_first_string(record, ("url",)),
        title=_first_string(record, ("title",)),
        published=_first_string(record, DATE_FIELDS),
    )


def _first_string(record: dict[str, Any], fields: tuple[str, ...]) -> str | None:
    """The first of ``fields`` whose value is a string (empty strings included)."""
    for name in fields:
        value = record.get(name)
        if isinstance(value, str):
            return value
    return None


def _id_note(record: dict[str, Any]) -> str:
    """' (id X)' when the record carries an id, to help find it."""
    record_id = record.get("id")
    return f" (id {record_id!r})" if isinstance(record_id, (str, int)) else ""


def _skip_rest_of_line(handle: BinaryIO) -> None:
    """Consume bytes up to and including the next newline without holding them."""
    while True:
        chunk = handle.readline(_SKIP_CHUNK)
        if not chunk or chunk.endswith(b"\n"):
            return
