"""Segments: runs that map offsets in the cleaned text back into the raw text.

A segment ``[text_start, raw_start, length]`` says ``text[text_start + k]`` comes from
``raw_text[raw_start + k]`` for ``0 <= k < length``. Segments are sorted by
``text_start`` and do not overlap. Every kept character of a plain-text input is covered;
a joining "\n" is covered when the raw line ended with "\n" (not a lone "\r" or U+2028).
Uncovered offsets, and all offsets of HTML articles (no segments), map to None.
A character produced by NFC composition maps to the first raw character it was built from.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence

Segment = list[int]


def to_raw_offset(segments: Sequence[Sequence[int]], offset: int) -> int | None:
    """The raw_text offset of ``text[offset]``, or None when no segment covers it."""
    index = bisect_right(segments, offset, key=lambda segment: segment[0]) - 1
    if index < 0:
        return None
    text_start, raw_start, length = segments[index]
    if offset >= text_start + length:
        return None
    return raw_start + (offset - text_start)


def to_raw_span(segments: Sequence[Sequence[int]], start: int, end: int) -> tuple[int, int] | None:
    """The raw_text span of ``text[start:end]`` (end exclusive), or None if an end is unmapped."""
    if end <= start:
        return None
    raw_start = to_raw_offset(segments, start)
    raw_last = to_raw_offset(segments, end - 1)
    if raw_start is None or raw_last is None:
        return None
    return raw_start, raw_last + 1


def merge_runs(runs: Iterable[tuple[int, int, int]]) -> list[Segment]:
    """Sorted, non-empty runs -> segments, joining runs contiguous in both text and raw."""
    merged: list[Segment] = []
    for text_start, raw_start, length in runs:
        if length <= 0:
            continue
        if merged:
            last = merged[-1]
            if last[0] + last[2] == text_start and last[1] + last[2] == raw_start:
                last[2] += length
                continue
        merged.append([text_start, raw_start, length])
    return merged
