"""Ingest: read input files, decode them, strip boilerplate, and find article metadata.

    files      walk the input path, dispatch by suffix, drop duplicates (iter_inputs)
    decode     bytes -> str (BOMs, binary formats, UTF-8, legacy encodings)
    lines      split into lines, remove control/invisible characters, remember offsets
    boilerplate  drop navigation, footer and related-story lines (patterns/boilerplate.jsonl)
    html       main text and metadata of HTML pages (trafilatura)
    jsonl      one article per JSONL line
    metadata   headline and publication date (patterns/publication_dates.jsonl)
    language   reject non-English articles (lingua)
    article    cleaned text -> Article, the steps all formats share
    offsets    map cleaned-text offsets back into raw_text
    models     Article, Reject and the Reason codes
    ruledata   load and validate the ingest rule files in patterns/
"""

from __future__ import annotations

from pipeline.ingest.article import MAX_ARTICLE_CHARS, article_from_text, article_id
from pipeline.ingest.files import MAX_FILE_BYTES, iter_inputs
from pipeline.ingest.models import Article, Reason, Reject
from pipeline.ingest.offsets import to_raw_offset, to_raw_span

__all__ = [
    "MAX_ARTICLE_CHARS",
    "MAX_FILE_BYTES",
    "Article",
    "Reason",
    "Reject",
    "article_from_text",
    "article_id",
    "iter_inputs",
    "to_raw_offset",
    "to_raw_span",
]
