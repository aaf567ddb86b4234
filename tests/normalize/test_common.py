"""Tests of pipeline.normalize._common: rule-table reading and text folding."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.normalize._common import NormalizeDataError, fold_key, read_table, split_list


def _write(directory: Path, text: str) -> str:
    (directory / "table.csv").write_text(text, encoding="utf8")
    return "table.csv"


def test_common_read_table_reads_stripped_rows_and_skips_blank_ones(tmp_path: Path) -> None:
    name = _write(tmp_path, "word,kind\n the ,article\n,\nour,possessive\n")
    rows = read_table(name, ["word", "kind"], required=["word"], directory=tmp_path)
    assert rows == [{"word": "the", "kind": "article"}, {"word": "our", "kind": "possessive"}]


@pytest.mark.parametrize(
    "text",
    [
        "word,type\nthe,article\n",  # unknown column
        "word\nthe\n",  # missing column
        "word,kind\nthe,article,extra\n",  # extra cell
        "word,kind\nthe\n",  # missing cell
        "word,kind\n,article\n",  # empty required cell
    ],
)
def test_common_read_table_fails_loudly_on_bad_tables(tmp_path: Path, text: str) -> None:
    name = _write(tmp_path, text)
    with pytest.raises(NormalizeDataError):
        read_table(name, ["word", "kind"], required=["word"], directory=tmp_path)


@pytest.mark.parametrize(("cell", "expected"), [("a| b |", ["a", "b"]), ("", []), ("one", ["one"])])
def test_common_split_list(cell: str, expected: list[str]) -> None:
    assert split_list(cell) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("Lü", "lu"), ("Ürümqi", "urumqi"), ("№1", "no1"), ("STRASSE", "strasse")]
)
def test_common_fold_key(text: str, expected: str) -> None:
    assert fold_key(text) == expected
