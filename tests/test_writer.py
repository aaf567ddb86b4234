"""Checkpoint parts, schema checks before publication, crash recovery and the output lock."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.tables import RECORD_TABLES, SCHEMAS, check_table, to_table
from pipeline.writer import (
    JOURNAL,
    MANIFEST,
    TABLE_FILES,
    OutputLock,
    OutputLocked,
    PartStore,
    publish_tables,
    recover,
)

MENTION = {"article_id": "a_1", "label": "GPE", "text": "Harbin", "start_char": 0, "end_char": 6,
           "normalized": "Harbin"}
REJECT = {"source": "x.txt", "record": None, "reason": "empty", "detail": "x.txt is empty"}


def make_store(out_dir: Path, chunks: list[list[dict[str, Any]]]) -> PartStore:
    """A store with one part per chunk of mention rows."""
    store = PartStore(out_dir / ".parts" / "run")
    for index, mentions in enumerate(chunks):
        store.write(index, {"mentions": mentions}, [REJECT], fingerprint=f"f{index}")
    return store


def file_hashes(folder: Path) -> dict[str, str]:
    """sha1 of every published (non-hidden) file."""
    return {p.name: hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


def test_writer_publish_concatenates_parts_in_order(tmp_path: Path) -> None:
    chunks = [[{**MENTION, "start_char": i * 10 + k} for k in range(3)] for i in range(4)]
    store = make_store(tmp_path, chunks)
    counts = publish_tables(store, tmp_path, manifest=lambda rows: {"rows": rows})
    assert counts["mentions"] == 12 and counts["rejects"] == 4 and counts["articles"] == 0
    mentions = pq.read_table(tmp_path / "mentions.parquet")
    assert mentions.column("start_char").to_pylist() == [row["start_char"] for chunk in chunks for row in chunk]
    for file_name in TABLE_FILES:
        name = file_name.removesuffix(".parquet")
        check_table(name, pq.read_table(tmp_path / file_name))
    assert json.loads((tmp_path / MANIFEST).read_text())["rows"] == counts
    assert not list(tmp_path.glob(".staging-*")) and not (tmp_path / JOURNAL).exists()


def test_writer_publish_with_no_parts_writes_empty_tables(tmp_path: Path) -> None:
    counts = publish_tables(PartStore(tmp_path / ".parts" / "run"), tmp_path)
    assert set(counts) == set(SCHEMAS) and not any(counts.values())
    for name in SCHEMAS:
        table = pq.read_table(tmp_path / f"{name}.parquet")
        assert table.num_rows == 0
        check_table(name, table)


def _null_label(table: pa.Table) -> pa.Table:
    labels = pa.array([None] * table.num_rows, pa.string())
    return table.set_column(table.schema.get_field_index("label"), pa.field("label", pa.string()), labels)


def _string_offsets(table: pa.Table) -> pa.Table:
    offsets = pa.array([str(v) for v in table.column("start_char").to_pylist()])
    return table.set_column(table.schema.get_field_index("start_char"), "start_char", offsets)


def _missing_column(table: pa.Table) -> pa.Table:
    return table.drop_columns(["normalized"])


def _extra_column(table: pa.Table) -> pa.Table:
    return table.append_column("score", pa.array([0.5] * table.num_rows))


@pytest.mark.parametrize("break_table", [_null_label, _string_offsets, _missing_column, _extra_column],
                         ids=["null-in-required", "wrong-type", "missing-column", "extra-column"])
def test_writer_publish_refuses_a_part_breaking_its_schema(tmp_path: Path, break_table: Any) -> None:
    store = make_store(tmp_path, [[MENTION]])
    publish_tables(store, tmp_path, manifest=lambda rows: {"run": 1})
    before = file_hashes(tmp_path)
    store = make_store(tmp_path, [[MENTION], [MENTION, MENTION]])
    bad = store.part_dir(1) / "mentions.parquet"
    pq.write_table(break_table(pq.read_table(bad)), bad)
    with pytest.raises(ValueError, match="mentions"):
        publish_tables(store, tmp_path, manifest=lambda rows: {"run": 2})
    assert file_hashes(tmp_path) == before
    assert not list(tmp_path.glob(".staging-*")) and not (tmp_path / JOURNAL).exists()


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("mentions", pa.table({"article_id": ["a"]})),
        ("rejects", pa.table({"source": [None], "record": pa.array([1], pa.int32()), "reason": ["empty"],
                              "detail": ["d"]})),
        ("rejects", pa.table({"source": ["s"], "record": pa.array([1], pa.int64()), "reason": ["empty"],
                              "detail": ["d"]})),
    ],
    ids=["missing-columns", "null-source", "int64-record"],
)
def test_writer_check_table_refuses_bad_tables(name: str, table: pa.Table) -> None:
    with pytest.raises(ValueError):
        check_table(name, table)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_writer_check_table_accepts_schema_tables(name: str) -> None:
    check_table(name, to_table(name, []))


@pytest.mark.parametrize("moved_before_crash", [0, 3, len(TABLE_FILES) + 1])
def test_writer_recover_completes_an_interrupted_publication(tmp_path: Path, moved_before_crash: int) -> None:
    publish_tables(make_store(tmp_path, [[MENTION]]), tmp_path, manifest=lambda rows: {"run": 1})
    # Stage run 2 as publish_tables does, then "crash" after some of the moves.
    staging = tmp_path / ".staging-crashed"
    publish_tables(make_store(staging, [[MENTION] * 5]), staging, manifest=lambda rows: {"run": 2})
    files = [*TABLE_FILES, MANIFEST]
    (tmp_path / JOURNAL).write_text(json.dumps({"staging": staging.name, "files": files}))
    for name in files[:moved_before_crash]:
        (staging / name).replace(tmp_path / name)
    recover(tmp_path)
    assert pq.read_table(tmp_path / "mentions.parquet").num_rows == 5
    assert json.loads((tmp_path / MANIFEST).read_text()) == {"run": 2}
    assert not staging.exists() and not (tmp_path / JOURNAL).exists()


def test_writer_recover_removes_stale_staging_without_journal(tmp_path: Path) -> None:
    publish_tables(make_store(tmp_path, [[MENTION]]), tmp_path)
    before = file_hashes(tmp_path)
    stale = tmp_path / ".staging-old"
    stale.mkdir()
    (stale / "mentions.parquet").write_bytes(b"half a file")
    recover(tmp_path)
    assert not stale.exists() and file_hashes(tmp_path) == before


def test_writer_part_is_reused_only_for_the_same_inputs(tmp_path: Path) -> None:
    store = PartStore(tmp_path / "run")
    store.write(0, {"mentions": [MENTION]}, [], fingerprint="abc")
    assert store.done(0, "abc")
    assert not store.done(0, "other inputs")
    assert not store.done(1, "abc")
    store.write(0, {"mentions": [MENTION, MENTION]}, [], fingerprint="other inputs")
    assert store.done(0, "other inputs") and not store.done(0, "abc")
    assert pq.read_table(store.part_dir(0) / "mentions.parquet").num_rows == 2


def test_writer_part_keeps_failed_articles_for_resume(tmp_path: Path) -> None:
    store = PartStore(tmp_path / "run")
    failed = [{**REJECT, "reason": "extraction_failed"}]
    store.write(0, {}, failed, fingerprint="f", failed=failed)
    assert store.failed(0) == failed
    assert pq.read_table(store.part_dir(0) / "rejects.parquet").to_pylist() == failed


def test_writer_discard_incomplete_drops_half_written_parts(tmp_path: Path) -> None:
    store = make_store(tmp_path, [[MENTION]])
    (store.root / ".tmp-killed").mkdir()
    store.discard_incomplete()
    assert [p.name for p in store.root.iterdir()] == [store.part_dir(0).name]


def test_writer_every_record_table_is_in_a_part(tmp_path: Path) -> None:
    store = make_store(tmp_path, [[MENTION]])
    assert {p.stem for p in store.part_dir(0).glob("*.parquet")} == {*RECORD_TABLES, "rejects"}


def test_writer_lock_refuses_a_second_run(tmp_path: Path) -> None:
    with OutputLock(tmp_path):
        with pytest.raises(OutputLocked, match="another extract run"):
            with OutputLock(tmp_path):
                pass
    with OutputLock(tmp_path):  # released on exit
        pass
