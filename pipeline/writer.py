"""Checkpoint parts and atomic publication of the Parquet tables.

A run writes one part directory per chunk of input (``part-000042/<table>.parquet``), made
complete by a rename, so a killed run leaves only whole parts behind and ``--resume`` can
skip them. Publishing concatenates the parts table by table into a staging file, validates
it against its schema and moves it into place with ``os.replace``: readers see either the
previous table or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.tables import RECORD_TABLES, SCHEMAS, check_table, to_table

PART_PREFIX = "part-"


class PartStore:
    """The checkpoint parts of one run (see module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def part_dir(self, index: int) -> Path:
        return self.root / f"{PART_PREFIX}{index:06d}"

    def done(self, index: int) -> bool:
        return self.part_dir(index).is_dir()

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        try:
            self.root.parent.rmdir()  # the shared .parts folder, once no run uses it
        except OSError:
            pass

    def write(self, index: int, rows: dict[str, list[dict[str, Any]]], rejects: list[dict[str, Any]]) -> None:
        """Write every table of one chunk, then make the part visible with one rename."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        for name in RECORD_TABLES:
            pq.write_table(to_table(name, rows.get(name, [])), staging / f"{name}.parquet")
        pq.write_table(to_table("rejects", rejects), staging / "rejects.parquet")
        _fsync_dir(staging)
        os.replace(staging, self.part_dir(index))

    def parts(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if p.name.startswith(PART_PREFIX))


def publish_tables(store: PartStore, out_dir: Path) -> dict[str, int]:
    """Concatenate the parts into one validated Parquet file per table; return row counts."""
    counts: dict[str, int] = {}
    staged: list[tuple[Path, Path]] = []
    staging_dir = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        for name in (*RECORD_TABLES, "rejects"):
            target = staging_dir / f"{name}.parquet"
            counts[name] = _concat_parts(name, store.parts(), target)
            check_table(name, pq.read_table(target))
            staged.append((target, out_dir / f"{name}.parquet"))
        for source, destination in staged:
            os.replace(source, destination)
        _fsync_dir(out_dir)
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
    return counts


def _concat_parts(name: str, parts: list[Path], target: Path) -> int:
    """Stream one table's parts into target, one part in memory at a time."""
    schema = SCHEMAS[name]
    rows = 0
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for part in parts:
            table = pq.read_table(part / f"{name}.parquet", schema=schema)
            rows += table.num_rows
            writer.write_table(table)
        if rows == 0:
            writer.write_table(pa.Table.from_pylist([], schema=schema))
    return rows


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON next to its destination, then rename it into place."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf8") as out:
        json.dump(payload, out, indent=1, ensure_ascii=False, sort_keys=True)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(temp, 0o644)  # mkstemp creates 0600; the manifest is for every reader
    os.replace(temp, path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
