"""The two things ingest yields: an Article ready for the NLP step, or a Reject saying why not."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """Machine-readable reason codes of the ``rejects`` table; ``.doc`` says what each means."""

    doc: str

    def __new__(cls, value: str, doc: str) -> Reason:
        member = str.__new__(cls, value)
        member._value_ = value
        member.doc = doc
        return member

    UNREADABLE = "unreadable", "the path is missing, a broken link, not a regular file, or the OS refused to read it"
    UNSUPPORTED_TYPE = "unsupported_type", "the file suffix is not .txt/.text, .html/.htm or .jsonl/.ndjson"
    TOO_LARGE = "too_large", "the file, record or cleaned article exceeds a size limit"
    BINARY = "binary", "the bytes are a binary format (image, archive, ...) rather than text"
    UNDECODABLE = "undecodable", "the bytes are not valid in any supported text encoding"
    EMPTY = "empty", "the input holds no text, or only whitespace"
    NO_TEXT = "no_text", "nothing is left once markup, scripts and boilerplate are removed"
    MALFORMED_JSON = "malformed_json", "a JSONL line is not valid JSON, or not a JSON object"
    MISSING_TEXT = "missing_text", "a JSONL record has no string 'text', 'content' or 'body' field"
    NOT_ENGLISH = "not_english", "the article is written in another language than English"
    DUPLICATE = "duplicate", "the cleaned text is identical to an article already read in this run"
    EXTRACTION_FAILED = "extraction_failed", "the NLP step raised an error on this article (the detail says which)"


def describe_input(source: str, record: int | None = None) -> str:
    """How a Reject detail names its input: the file, or the record's line in it."""
    return source if record is None else f"{source} line {record}"


@dataclass
class Reject:
    """An input (a file, or one record of a JSONL file) that does not become an article."""

    source: str
    record: int | None
    reason: Reason
    detail: str

    def to_row(self) -> dict[str, Any]:
        """The row of the ``rejects`` table (pipeline/tables.py)."""
        return {"source": self.source, "record": self.record, "reason": str(self.reason), "detail": self.detail}


@dataclass
class Article:
    """One cleaned article.

    ``text`` is what every downstream offset points into. ``segments`` holds
    ``[text_start, raw_start, length]`` runs: ``text[text_start + k]`` comes from
    ``raw_text[raw_start + k]`` for ``0 <= k < length`` (see ``offsets.to_raw_offset``).
    Pages extracted from HTML have ``segments == []``: their text cannot be mapped into
    the markup. ``source`` is the file path; ``record`` the 1-based JSONL line, else None.
    """

    article_id: str
    source: str
    record: int | None
    url: str | None
    title: str | None
    published: str | None
    published_span: tuple[int, int] | None
    language: str
    text: str
    raw_text: str
    segments: list[list[int]] = field(default_factory=list)

    @property
    def source_label(self) -> str:
        """``path`` for a file, ``path:N`` for record N of a JSONL file (the articles.source column)."""
        return self.source if self.record is None else f"{self.source}:{self.record}"

    @property
    def n_chars(self) -> int:
        """Length of the cleaned text in characters."""
        return len(self.text)

    @property
    def n_words(self) -> int:
        """Number of whitespace-separated words in the cleaned text."""
        return len(self.text.split())

    def to_row(self) -> dict[str, Any]:
        """The row of the ``articles`` table (pipeline/tables.py)."""
        return {
            "article_id": self.article_id,
            "source": self.source_label,
            "url": self.url,
            "title": self.title,
            "published": self.published,
            "language": self.language,
            "text": self.text,
            "n_chars": self.n_chars,
            "n_words": self.n_words,
            "raw_text": self.raw_text,
            "segments": [list(segment) for segment in self.segments],
        }
