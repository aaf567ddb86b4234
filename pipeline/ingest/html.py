"""HTML pages -> Article: trafilatura finds the main text and the page metadata.

``raw_text`` is the decoded HTML source. The extracted text is rebuilt by trafilatura
from the DOM, so its characters cannot be traced to offsets in the markup: HTML
articles carry ``segments == []`` (every ``to_raw_offset`` is None). The extracted text
then goes through the same line cleaning and boilerplate rules as plain text.
"""

from __future__ import annotations

import re

import trafilatura

from pipeline.ingest.article import (
    MAX_UNCLEANED_CHARS,
    clean_lines,
    empty_reject,
    finish_article,
    too_large_reject,
)
from pipeline.ingest.decode import decode_bytes
from pipeline.ingest.lines import split_lines
from pipeline.ingest.models import Article, Reason, Reject

# Bytes searched for a <meta charset>: browsers only honour it within the first 1024
# bytes; a little more tolerates long <head> preambles.
CHARSET_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its <meta> tags, if any."""
    match = _META_CHARSET.search(data[:CHARSET_SNIFF_BYTES])
    return match.group(1).decode("ascii") if match else None


def article_from_html_bytes(data: bytes, source: str) -> Article | Reject:
    """Decode an HTML file (honouring its declared charset) and extract its article."""
    decoded = decode_bytes(data, source, declared=declared_charset(data))
    if isinstance(decoded, Reject):
        return decoded
    return article_from_html(decoded, source)


def article_from_html(page: str, source: str) -> Article | Reject:
    """Extract the main text and metadata of a decoded HTML page."""
    if not page.strip():
        return empty_reject(source)
    extracted = trafilatura.bare_extraction(
        page,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        # Dates from the page's markup only: htmldate's extensive search falls back to any
        # date in the body, i.e. an event date. Stamps in the text are matched by our rules.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = extracted.text if extracted is not None and extracted.text else ""
    if not text.strip():
        # trafilatura gives up on pages it finds too thin; its plain-text fallback keeps
        # short articles, and the boilerplate rules then clean it like a .txt file.
        text = trafilatura.html2txt(page)
    if not text.strip():
        return Reject(
            source, None, Reason.NO_TEXT,
            f"{source} is HTML without visible text (only markup, scripts or styles); "
            "save the article page itself, not a script-rendered shell.",
        )
    if len(text) > MAX_UNCLEANED_CHARS:
        return too_large_reject(source, None, len(text), cleaned=False)
    cleaned, _segments = clean_lines(list(split_lines(text)))
    return finish_article(
        cleaned,
        source,
        record=None,
        raw_text=page,
        segments=[],
        url=extracted.url if extracted is not None else None,
        title=extracted.title if extracted is not None else None,
        published=extracted.date if extracted is not None else None,
    )
