"""Segments map cleaned-text offsets back into raw_text."""

from __future__ import annotations

import pytest

from pipeline.ingest.offsets import merge_runs, to_raw_offset, to_raw_span

SEGMENTS = [[0, 5, 3], [3, 10, 4], [8, 20, 2]]  # text 0-2 -> raw 5-7, 3-6 -> 10-13, 7 unmapped, 8-9 -> 20-21


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(0, 5), (2, 7), (3, 10), (6, 13), (7, None), (8, 20), (9, 21), (10, None), (-1, None)],
)
def test_offsets_to_raw_offset(offset: int, expected: int | None) -> None:
    assert to_raw_offset(SEGMENTS, offset) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(0, 3, (5, 8)), (1, 5, (6, 12)), (8, 10, (20, 22)), (5, 8, None), (4, 4, None)],
)
def test_offsets_to_raw_span(start: int, end: int, expected: tuple[int, int] | None) -> None:
    assert to_raw_span(SEGMENTS, start, end) == expected


def test_offsets_empty_segments_map_nothing() -> None:
    assert to_raw_offset([], 0) is None


@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        ([(0, 0, 2), (2, 2, 3)], [[0, 0, 5]]),  # contiguous on both sides: one segment
        ([(0, 0, 2), (2, 3, 3)], [[0, 0, 2], [2, 3, 3]]),  # a raw character was dropped
        ([(0, 0, 0), (0, 4, 1)], [[0, 4, 1]]),  # empty runs vanish
    ],
)
def test_offsets_merge_runs(runs: list[tuple[int, int, int]], expected: list[list[int]]) -> None:
    assert merge_runs(runs) == expected
