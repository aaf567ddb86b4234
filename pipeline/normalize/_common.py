"""Shared helpers of the normalizers: reading rule tables from ``patterns/`` and folding text.

Kept free of spaCy (``pipeline.rules`` imports it) so the normalizers stay importable alone.
"""

from __future__ import annotations

import re

import csv
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

#: The repository's rule folder.
PATTERNS_DIR = Path(__file__).resolve().parent.parent.parent / "patterns"


class NormalizeDataError(ValueError):
    """A normalizer's rule table is malformed; the message names the file and row."""


def read_table(
    name: str,
    columns: Sequence[str],
    *,
    required: Iterable[str] = (),
    directory: Path = PATTERNS_DIR,
) -> list[dict[str, str]]:
    """Read ``patterns/<name>``: the header must be exactly ``columns``; ``required`` cells non-empty.

    Cells come back stripped. Rows whose every cell is empty are skipped; a row with a
    missing or an extra cell fails, so a stray comma never shifts a column silently.
    """
    path = directory / name
    must_have = tuple(required)
    with path.open(encoding="utf8", newline="") as handle:
        reader = csv.DictReader(handle, restkey="__extra__")
        if reader.fieldnames != list(columns):
            raise NormalizeDataError(f"{path}: header {reader.fieldnames}, expected {list(columns)}")
        rows: list[dict[str, str]] = []
        for number, row in enumerate(reader, start=2):
            if "__extra__" in row or any(row.get(column) is None for column in columns):
                raise NormalizeDataError(f"{path}:{number}: expected {len(columns)} cells")
            cells = {column: row[column].strip() for column in columns}
            if not any(cells.values()):
                continue
            empty = [column for column in must_have if not cells[column]]
            if empty:
                raise NormalizeDataError(f"{path}:{number}: empty {empty}")
            rows.append(cells)
    return rows


def split_list(cell: str) -> list[str]:
    """Split a ``|``-separated cell into its stripped, non-empty items."""
    return [item.strip() for item in cell.split("|") if item.strip()]


def fold_accents(text: str) -> str:
    """Drop combining marks after NFKD (``é`` -> ``e``, ``ü`` -> ``u``); NFKC first so ``№`` -> ``No``."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold_key(text: str) -> str:
    """Casefolded, accent-folded text: the base of every lookup key."""
    return fold_accents(text).casefold()


#: A trailing English possessive ("Harbin's", "Brothers'"), stripped before a name is looked up.
POSSESSIVE_END = re.compile(r"(?:'s|’s|s'|s’)$")
