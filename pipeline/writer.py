"""Checkpoint parts, atomic publication of the Parquet tables, and the output-folder lock.

A run writes one part directory per chunk of input (``part-000042/<table>.parquet`` plus
``part.json``), made complete by a rename, so a killed run leaves only whole parts behind
and ``--resume`` can skip them. ``part.json`` holds a fingerprint of the chunk's inputs:
a part is reused only for the very same inputs.

Publishing streams the parts table by table into a staging folder (one part in memory at
a time), checks every part and the result against the schema, writes the manifest there
too, and only then moves the files into place. A journal (``.publish.json``) written
before the first move lists them, so a run killed between two moves is completed by the
next run (``recover``) instead of leaving a mix of old and new tables. The manifest moves
last: a reader who sees the new manifest sees the new tables. Until publication, the
previous tables are never touched.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.tables import RECORD_TABLES, SCHEMAS, check_table, to_table

PART_PREFIX = "part-"
PARTS_DIR = ".parts"
PART_META = "part.json"
STAGING_PREFIX = ".staging-"
JOURNAL = ".publish.json"
LOCK_FILE = ".lock"
MANIFEST = "manifest.json"
#: Every table file a run publishes, in publication order.
TABLE_FILES: tuple[str, ...] = tuple(f"{name}.parquet" for name in (*RECORD_TABLES, "rejects"))

Rows = dict[str, list[dict[str, Any]]]


class OutputLocked(RuntimeError):
    """Another run is writing to the same output folder."""


class OutputLock:
    """An exclusive ``flock`` on ``OUT/.lock`` for the length of a run.

    Two runs into one folder would overwrite each other's parts and tables. The kernel
    drops the lock when the process dies, so a killed run never leaves it stale.
    """

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / LOCK_FILE
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputLocked(
                f"another extract run is writing to {self.path.parent}; wait for it to finish or choose another OUT"
            ) from None
        self._fd = fd
        return self

    def fileno(self) -> int:
        """The locked descriptor (worker processes close their inherited copy)."""
        if self._fd is None:
            raise ValueError("the lock is not held")
        return self._fd

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class PartStore:
    """The checkpoint parts of one run (see module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def part_dir(self, index: int) -> Path:
        return self.root / f"{PART_PREFIX}{index:06d}"

    def meta(self, index: int) -> dict[str, Any] | None:
        """The part's ``part.json``, or None when the part is missing or unreadable."""
        try:
            return json.loads((self.part_dir(index) / PART_META).read_text(encoding="utf8"))
        except (OSError, ValueError):
            return None

    def done(self, index: int, fingerprint: str) -> bool:
        """Whether part ``index`` is complete and was made from the same inputs."""
        meta = self.meta(index)
        return meta is not None and meta.get("fingerprint") == fingerprint

    def failed(self, index: int) -> list[dict[str, Any]]:
        """Reject rows of the articles the pipeline failed on in part ``index``."""
        return list((self.meta(index) or {}).get("failed", []))

    def discard_incomplete(self) -> None:
        """Remove half-written parts a killed run left (they were never renamed into place)."""
        if self.root.is_dir():
            for entry in self.root.iterdir():
                if not entry.name.startswith(PART_PREFIX):
                    shutil.rmtree(entry, ignore_errors=True)

    def clear(self) -> None:
        """Remove every part of every run in this output folder (the shared ``.parts``)."""
        shutil.rmtree(self.root.parent, ignore_errors=True)

    def write(self, index: int, rows: Rows, rejects: list[dict[str, Any]], *, fingerprint: str,
              failed: list[dict[str, Any]] | None = None) -> None:
        """Write every table of one chunk, then make the part visible with one rename.

        ``rejects`` are all the chunk's reject rows; ``failed`` the subset the pipeline
        itself produced, kept in ``part.json`` so a resumed run can count them.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        for name in RECORD_TABLES:
            _write_parquet(to_table(name, rows.get(name, [])), staging / f"{name}.parquet")
        _write_parquet(to_table("rejects", rejects), staging / "rejects.parquet")
        meta = {"fingerprint": fingerprint, "failed": failed or []}
        _write_file(staging / PART_META, json.dumps(meta, ensure_ascii=False).encode("utf8"))
        _fsync(staging)
        target = self.part_dir(index)
        if target.exists():  # a stale part made from other inputs: a directory rename cannot replace it
            shutil.rmtree(target)
        os.replace(staging, target)
        _fsync(self.root)

    def parts(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if p.name.startswith(PART_PREFIX))


def publish_tables(store: PartStore, out_dir: Path,
                   manifest: Callable[[dict[str, int]], dict[str, Any]] | None = None) -> dict[str, int]:
    """Concatenate the parts into one validated Parquet file per table and publish them.

    ``manifest`` gets the row counts and returns the manifest to publish with the tables.
    Raises ValueError (and publishes nothing) when a part breaks its table's schema.
    """
    counts: dict[str, int] = {}
    staging_dir = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    try:
        for name in (*RECORD_TABLES, "rejects"):
            counts[name] = _concat_parts(name, store.parts(), staging_dir / f"{name}.parquet")
        files = list(TABLE_FILES)
        if manifest is not None:
            write_json_atomic(staging_dir / MANIFEST, manifest(counts))
            files.append(MANIFEST)
        _fsync(staging_dir)
        write_json_atomic(out_dir / JOURNAL, {"staging": staging_dir.name, "files": files})
        _move_staged(out_dir, staging_dir, files)
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
    return counts


def recover(out_dir: Path) -> list[str]:
    """Finish a publication a killed run left half done; remove stale staging folders.

    Returns the files moved into place. Call it holding the ``OutputLock``.
    """
    moved: list[str] = []
    journal = out_dir / JOURNAL
    if journal.exists():
        try:
            plan = json.loads(journal.read_text(encoding="utf8"))
            staging_dir = out_dir / plan["staging"]
            files = [str(name) for name in plan["files"]]
        except (OSError, ValueError, KeyError, TypeError):
            # The journal is written atomically, so this is damage from outside: without
            # it nothing can be rolled forward, and the staged files are not trusted.
            journal.unlink(missing_ok=True)
        else:
            moved = [name for name in files if (staging_dir / name).exists()]
            _move_staged(out_dir, staging_dir, files)
    for entry in out_dir.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(entry, ignore_errors=True)
    for name in (MANIFEST, JOURNAL):  # temp files of write_json_atomic
        for entry in out_dir.glob(f".{name}.*"):
            entry.unlink(missing_ok=True)
    return moved


def _move_staged(out_dir: Path, staging_dir: Path, files: list[str]) -> None:
    """Move staged files into place in the journal's order, then drop the journal."""
    for name in files:
        source = staging_dir / name
        if source.exists():  # already moved by an earlier, interrupted attempt
            os.replace(source, out_dir / name)
    _fsync(out_dir)
    (out_dir / JOURNAL).unlink(missing_ok=True)
    _fsync(out_dir)


def _concat_parts(name: str, parts: list[Path], target: Path) -> int:
    """Stream one table's parts into target, one part in memory at a time; return its rows.

    Each part is checked against the schema before it is appended, and the finished file's
    footer is checked after, so a published table always matches ``SCHEMAS[name]``.
    """
    schema = SCHEMAS[name]
    rows = 0
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for part in parts:
            path = part / f"{name}.parquet"
            try:
                table = pq.read_table(path)
                check_table(name, table)
            except (OSError, pa.ArrowException, ValueError) as err:
                raise ValueError(f"checkpoint part {path} is not a valid {name!r} table: {err}") from err
            rows += table.num_rows
            writer.write_table(table)
        if rows == 0:
            writer.write_table(schema.empty_table())
    footer = pq.ParquetFile(target)
    if footer.metadata.num_rows != rows or not footer.schema_arrow.equals(schema, check_metadata=False):
        raise ValueError(f"staged table {name!r} does not match its schema or lost rows")
    _fsync(target)
    return rows


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path)
    _fsync(path)


def _write_file(path: Path, data: bytes) -> None:
    with path.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON next to its destination, then rename it into place."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf8") as out:
        json.dump(payload, out, indent=1, ensure_ascii=False, sort_keys=True)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(temp, 0o644)  # mkstemp creates 0600; the manifest is for every reader
    os.replace(temp, path)


def _fsync(path: Path) -> None:
    """Flush a file (its data) or a folder (its entries) to disk, so that a rename never
    publishes a name whose data a power cut could still lose."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
