"""Split decoded text into cleaned lines that remember where each character came from.

Per line: control characters (except tab) and invisible format characters are removed,
the rest is put in Unicode NFC, and surrounding whitespace is stripped. Each line keeps
``runs`` of ``(line_offset, raw_offset, length)`` so ``offsets`` can map the assembled
article text back into ``raw_text``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# Line breaks: \r\n first so it counts once; also the Unicode line/paragraph separators,
# NEL and the vertical tab/form feed, which would otherwise be deleted as control
# characters and glue two lines together.
LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")

# Characters dropped from a line. C0/C1 controls except tab; zero-width space/joiners,
# word joiner and the BOM/zero-width no-break space (invisible, they split words for the
# tokenizer); soft hyphen (invisible unless a line breaks there); bidi marks and
# embeddings (invisible direction hints copied along with RTL names).
DROPPED_CHARS = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"
    "\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)

# Stripped from the ends of lines: str.strip()'s whitespace (incl. no-break space and
# ideographic space).
_NOT_SPACE = re.compile(r"\S")


@dataclass(frozen=True)
class Line:
    """One cleaned line.

    ``runs`` map ``text`` into the raw text; ``newline_at`` is the raw offset of the "\\n"
    that ends the line (None at the end of the text or for other breaks), so the "\\n"
    joining assembled lines can map to a real raw newline.
    """

    text: str
    runs: tuple[tuple[int, int, int], ...]
    newline_at: int | None


def split_lines(raw: str) -> Iterator[Line]:
    """Yield every line of ``raw`` cleaned (blank lines come out with empty text)."""
    position = 0
    for brk in LINE_BREAK.finditer(raw):
        newline = brk.group().find("\n")
        yield clean_line(raw, position, brk.start(), brk.start() + newline if newline >= 0 else None)
        position = brk.end()
    if position < len(raw) or position == 0:
        yield clean_line(raw, position, len(raw), None)


def clean_line(raw: str, start: int, end: int, newline_at: int | None = None) -> Line:
    """Clean ``raw[start:end]`` (one line without its break)."""
    segment = raw[start:end]
    if not DROPPED_CHARS.search(segment) and unicodedata.is_normalized("NFC", segment):
        pieces = [(segment, start)]  # the common case: one run, no copying per character
    else:
        pieces = _clean_pieces(segment, start)
    return _strip(pieces, newline_at)


def _clean_pieces(segment: str, start: int) -> list[tuple[str, int]]:
    """(text, raw_offset) pieces of a line once dropped characters are gone and NFC applied."""
    pieces: list[tuple[str, int]] = []
    cursor = 0
    for dropped in [*DROPPED_CHARS.finditer(segment), None]:
        stop = dropped.start() if dropped else len(segment)
        if stop > cursor:
            pieces.extend(_nfc_pieces(segment[cursor:stop], start + cursor))
        if dropped:
            cursor = dropped.end()
    return pieces


def _nfc_pieces(chunk: str, raw_start: int) -> list[tuple[str, int]]:
    """NFC a chunk, composing one starter + its combining marks at a time so offsets stay exact."""
    if unicodedata.is_normalized("NFC", chunk):
        return [(chunk, raw_start)]
    pieces: list[tuple[str, int]] = []
    cluster_start = 0
    for index in range(1, len(chunk) + 1):
        if index < len(chunk) and unicodedata.combining(chunk[index]):
            continue
        cluster = chunk[cluster_start:index]
        pieces.append((unicodedata.normalize("NFC", cluster), raw_start + cluster_start))
        cluster_start = index
    return pieces


def _strip(pieces: list[tuple[str, int]], newline_at: int | None) -> Line:
    """Drop leading/trailing whitespace across pieces and build the line's runs."""
    while pieces and not _NOT_SPACE.search(pieces[0][0]):
        pieces.pop(0)
    while pieces and not _NOT_SPACE.search(pieces[-1][0]):
        pieces.pop()
    if not pieces:
        return Line("", (), newline_at)
    first_text, first_raw = pieces[0]
    lead = len(first_text) - len(first_text.lstrip())
    pieces[0] = (first_text[lead:], first_raw + lead)
    last_text, last_raw = pieces[-1]
    pieces[-1] = (last_text.rstrip(), last_raw)
    runs: list[tuple[int, int, int]] = []
    texts: list[str] = []
    offset = 0
    for text, raw_offset in pieces:
        if not text:
            continue
        # A composed character may be shorter than its raw cluster: each piece is its own run.
        runs.append((offset, raw_offset, len(text)))
        texts.append(text)
        offset += len(text)
    return Line("".join(texts), tuple(runs), newline_at)
