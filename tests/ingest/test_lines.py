"""Line splitting and character clean-up keep every kept character traceable to raw text."""

from __future__ import annotations

import pytest

from pipeline.ingest.article import assemble
from pipeline.ingest.lines import split_lines
from pipeline.ingest.offsets import to_raw_offset


def _clean(raw: str) -> tuple[str, list[list[int]]]:
    return assemble([line for line in split_lines(raw) if line.text])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Harbin\u200b and\u200c Moscow\u200d", "Harbin and Moscow"),
        ("\ufeffHarbin\u2060 city", "Harbin city"),
        ("Bell\x07 and\x00 null\x1b", "Bell and null"),
        ("keep\ttabs", "keep\ttabs"),
        ("soft\u00adhyphen", "softhyphen"),
        ("line one\r\nline two\rline three", "line one\nline two\nline three"),
        ("  padded  \n\n\n   next\u00a0 ", "padded\nnext"),
        ("page\x0cbreak", "page\nbreak"),
        ("para\u2029graph", "para\ngraph"),
        ("Cafe\u0301 Pushkin", "Café Pushkin"),
    ],
)
def test_lines_clean_characters(raw: str, expected: str) -> None:
    text, _segments = _clean(raw)
    assert text == expected


@pytest.mark.parametrize(
    "raw",
    [
        "Harbin\u200b and\u200c Moscow\u200d\r\nsecond\x07 line\n\n\u00a0third\ufeff line  \n",
        "\ufeff\u200b\n  Title line\n\nBody\x00 text with\u2060 joiners.\r\n",
        "plain text without anything to clean\nand a second line",
    ],
)
def test_lines_every_kept_character_maps_back(raw: str) -> None:
    text, segments = _clean(raw)
    for index, char in enumerate(text):
        raw_index = to_raw_offset(segments, index)
        assert raw_index is not None, index
        assert raw[raw_index] == char


def test_lines_composed_character_maps_to_its_base_letter() -> None:
    raw = "Cafe\u0301 Pushkin"
    text, segments = _clean(raw)
    assert text[3] == "é"
    assert to_raw_offset(segments, 3) == 3  # the raw 'e' the accent was composed onto
    assert raw[to_raw_offset(segments, 5)] == text[5] == "P"


def test_lines_untouched_text_is_one_segment() -> None:
    raw = "first line\nsecond line\nthird line"
    text, segments = _clean(raw)
    assert text == raw
    assert segments == [[0, 0, len(raw)]]
