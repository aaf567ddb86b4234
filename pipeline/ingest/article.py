"""Cleaned text + metadata -> Article (or Reject): the steps every input format shares."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pipeline.ingest import boilerplate, metadata
from pipeline.ingest.language import ENGLISH, detect_language
from pipeline.ingest.lines import Line, split_lines
from pipeline.ingest.models import Article, Reason, Reject, describe_input
from pipeline.ingest.offsets import Segment, merge_runs

# spaCy's default nlp.max_length: longer texts make spaCy raise, and the parser and NER
# need about 1 GB of memory per 100,000 characters. No news article is this long; such
# inputs are dumps or concatenated pages and should be split before ingest.
MAX_ARTICLE_CHARS = 1_000_000

# Text longer than this before cleaning is rejected without cleaning it: boilerplate is a
# few kilobytes per page, so such a text cannot clean down to MAX_ARTICLE_CHARS, and
# cleaning 20 MB line by line only to reject it would cost seconds.
MAX_UNCLEANED_CHARS = 4 * MAX_ARTICLE_CHARS

ID_PREFIX = "a_"
# Hex digits of the SHA-1 kept in the id: 64 bits, collision-free for any realistic corpus.
ID_HEX_DIGITS = 16


def article_id(text: str) -> str:
    """Stable id of a cleaned text: whitespace-collapsed, casefolded, SHA-1 hashed."""
    key = " ".join(text.split()).casefold()
    return ID_PREFIX + hashlib.sha1(key.encode("utf-8")).hexdigest()[:ID_HEX_DIGITS]


def assemble(lines: Sequence[Line]) -> tuple[str, list[Segment]]:
    """Join kept lines with '\\n' and build the segments mapping the result into the raw text.

    A joining '\\n' maps to the raw newline that ended the previous kept line, so an
    untouched file maps in a single segment.
    """
    parts: list[str] = []
    runs: list[tuple[int, int, int]] = []
    offset = 0
    for index, line in enumerate(lines):
        if index:
            previous = lines[index - 1]
            if previous.newline_at is not None:
                runs.append((offset, previous.newline_at, 1))
            parts.append("\n")
            offset += 1
        runs.extend((offset + line_offset, raw_offset, length) for line_offset, raw_offset, length in line.runs)
        parts.append(line.text)
        offset += len(line.text)
    return "".join(parts), merge_runs(runs)


def clean_lines(lines: Sequence[Line]) -> tuple[str, list[Segment]]:
    """Drop boilerplate (keeping publication stamps) and assemble the cleaned text."""
    return assemble(boilerplate.filter_lines(lines, protect=metadata.is_stamp_line))


def article_from_text(
    text: str,
    source: str,
    *,
    record: int | None = None,
    url: str | None = None,
    title: str | None = None,
    published: str | None = None,
) -> Article | Reject:
    """Clean decoded plain text (boilerplate lines removed) and build its Article.

    ``text`` becomes ``raw_text``; ``title``/``published``/``url`` given by the input win
    over what the text says.
    """
    if len(text) > MAX_UNCLEANED_CHARS:
        return too_large_reject(source, record, len(text), cleaned=False)
    lines = list(split_lines(text))
    if not any(line.text for line in lines):
        return empty_reject(source, record)
    cleaned, segments = clean_lines(lines)
    return finish_article(
        cleaned, source, record=record, raw_text=text, segments=segments, url=url, title=title, published=published
    )


def finish_article(
    cleaned: str,
    source: str,
    *,
    record: int | None,
    raw_text: str,
    segments: list[Segment],
    url: str | None = None,
    title: str | None = None,
    published: str | None = None,
) -> Article | Reject:
    """Checks (size, language) and metadata shared by every format, on cleaned text."""
    where = describe_input(source, record)
    if not cleaned.strip():
        return Reject(
            source, record, Reason.NO_TEXT,
            f"{where} has text, but all of it is web boilerplate (navigation, footers, link lists); "
            "check that the file holds the article itself.",
        )
    if len(cleaned) > MAX_ARTICLE_CHARS:
        return too_large_reject(source, record, len(cleaned), cleaned=True)
    code, name = detect_language(cleaned)
    if code != ENGLISH:
        return Reject(
            source, record, Reason.NOT_ENGLISH,
            f"{where} is written in {name} ({code}); only English articles are processed. "
            "Pass an English version of it, or leave it out.",
        )
    value, span = metadata.publication(cleaned, given=published, hints=(url, source))
    return Article(
        article_id=article_id(cleaned),
        source=source,
        record=record,
        url=url,
        title=title.strip() if title and title.strip() else metadata.find_title(cleaned),
        published=value,
        published_span=span,
        language=code,
        text=cleaned,
        raw_text=raw_text,
        segments=segments,
    )


def empty_reject(source: str, record: int | None = None) -> Reject:
    """The Reject for an input with no text or only whitespace."""
    return Reject(
        source, record, Reason.EMPTY,
        f"{describe_input(source, record)} is empty or holds only whitespace; there is nothing to extract.",
    )


def too_large_reject(source: str, record: int | None, n_chars: int, *, cleaned: bool) -> Reject:
    """The Reject for a text over the NLP step's size limit."""
    state = "after cleaning" if cleaned else "before cleaning (too long to clean down to the limit)"
    return Reject(
        source, record, Reason.TOO_LARGE,
        f"{describe_input(source, record)} is {n_chars:,} characters {state}, over the {MAX_ARTICLE_CHARS:,} "
        "the NLP step accepts; it is probably several articles or a dump: split it into single articles.",
    )
