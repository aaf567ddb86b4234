"""The table schemas: validation, and the README's generated column reference."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline.tables import RECORD_TABLES, SCHEMAS, check_table, schema_markdown, to_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_tables_readme_documents_every_column() -> None:
    text = README.read_text(encoding="utf8")
    match = re.search(r"<!-- tables:start[^>]*-->\n(.*?)<!-- tables:end -->", text, re.S)
    assert match, "README.md lacks the generated tables section"
    assert match.group(1) == schema_markdown(), "README tables are stale: python -m pipeline.tables"


def test_tables_missing_keys_become_nulls() -> None:
    table = to_table("rejects", [{"source": "a.txt", "reason": "empty", "detail": "a.txt is empty"}])
    assert table.column("record").to_pylist() == [None]
    check_table("rejects", table)


def test_tables_non_null_column_with_null_is_refused() -> None:
    schema = SCHEMAS["rejects"]
    loose = pa.schema([f.with_nullable(True) for f in schema])
    table = pa.Table.from_pylist([{"source": None, "record": 1, "reason": "empty", "detail": "x"}], schema=loose)
    with pytest.raises(ValueError):
        check_table("rejects", table)


def test_tables_wrong_type_is_refused() -> None:
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError, TypeError)):
        to_table("dates", [{"article_id": "a", "text": "x", "start_char": "zero", "end_char": 1, "role": "event"}])


@pytest.mark.parametrize("name", RECORD_TABLES)
def test_tables_every_record_table_has_article_id(name: str) -> None:
    assert SCHEMAS[name].field("article_id").nullable is False
