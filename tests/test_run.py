"""The batch run: resume, kills, determinism, worker processes, failing articles."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from spacy.language import Language

import pipeline.run
from pipeline.bench import _children, generate_articles, write_jsonl, write_text_files
from pipeline.cli import main
from pipeline.ingest import Article
from pipeline.run import EXIT_WITH_REJECTS, EXTRACTION_FAILED, extract
from pipeline.tables import SCHEMAS
from pipeline.writer import OutputLock, OutputLocked

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def read_tables(out_dir: Path) -> dict[str, pa.Table]:
    return {name: pq.read_table(out_dir / f"{name}.parquet") for name in SCHEMAS}


def assert_same_tables(got: dict[str, pa.Table], expected: dict[str, pa.Table]) -> None:
    for name in SCHEMAS:
        assert got[name].equals(expected[name]), f"table {name} differs"


def published_hashes(out_dir: Path) -> dict[str, str]:
    """sha1 of every published (non-hidden) entry of the output folder."""
    return {p.name: hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(out_dir.iterdir()) if not p.name.startswith(".")}


@pytest.fixture(scope="module")
def small_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """26 short generated articles in one JSONL file."""
    folder = tmp_path_factory.mktemp("dump")
    write_jsonl(folder / "dump.jsonl", 26, seed=7)
    return folder


@pytest.fixture(scope="module")
def reference(small_dump: Path, nlp: Language, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pa.Table]:
    """Tables of one uninterrupted serial run on small_dump (chunks of 4)."""
    out = tmp_path_factory.mktemp("reference")
    result = extract(small_dump, out, nlp=nlp, chunk_size=4, progress=False)
    assert result.articles_extracted == 26 and result.parts_written == 7
    return read_tables(out)


def test_run_same_input_gives_identical_tables(small_dump: Path, nlp: Language, tmp_path: Path,
                                               reference: dict[str, pa.Table]) -> None:
    extract(small_dump, tmp_path, nlp=nlp, chunk_size=4, progress=False)
    assert_same_tables(read_tables(tmp_path), reference)


def test_run_chunk_size_does_not_change_tables(small_dump: Path, nlp: Language, tmp_path: Path,
                                               reference: dict[str, pa.Table]) -> None:
    extract(small_dump, tmp_path, nlp=nlp, chunk_size=11, progress=False)
    assert_same_tables(read_tables(tmp_path), reference)


def test_run_two_workers_give_the_same_tables_as_one(small_dump: Path, nlp: Language, tmp_path: Path,
                                                     reference: dict[str, pa.Table]) -> None:
    result = extract(small_dump, tmp_path, nlp=nlp, chunk_size=4, workers=2, progress=False)
    assert result.parts_written == 7
    assert_same_tables(read_tables(tmp_path), reference)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["workers"] == 2 and manifest["articles_extracted"] == 26


@pytest.mark.parametrize("workers", [1, 2])
def test_run_resume_after_interrupt_equals_uninterrupted_run(
    small_dump: Path, nlp: Language, tmp_path: Path, reference: dict[str, pa.Table],
    monkeypatch: pytest.MonkeyPatch, workers: int,
) -> None:
    real = pipeline.run.process_chunk
    calls = []

    def interrupted(nlp: Language, articles: list[Article]):  # noqa: ANN202
        calls.append(len(articles))
        if len(calls) == 4:
            raise KeyboardInterrupt  # Ctrl-C while the 4th chunk runs
        return real(nlp, articles)

    monkeypatch.setattr(pipeline.run, "process_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        extract(small_dump, tmp_path, nlp=nlp, chunk_size=4, progress=False)
    assert not (tmp_path / "articles.parquet").exists()
    monkeypatch.setattr(pipeline.run, "process_chunk", real)
    result = extract(small_dump, tmp_path, nlp=nlp, chunk_size=4, workers=workers, resume=True, progress=False)
    assert result.parts_resumed == 3 and result.parts_written == 4
    assert_same_tables(read_tables(tmp_path), reference)
    assert not (tmp_path / ".parts").exists()


def test_run_resume_redoes_parts_whose_inputs_changed(nlp: Language, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    dump = tmp_path / "in"
    dump.mkdir()
    write_jsonl(dump / "dump.jsonl", 12, seed=3)
    real = pipeline.run.process_chunk
    calls = []

    def interrupted(nlp: Language, articles: list[Article]):  # noqa: ANN202
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(nlp, articles)

    monkeypatch.setattr(pipeline.run, "process_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        extract(dump, tmp_path / "out", nlp=nlp, chunk_size=4, progress=False)
    monkeypatch.setattr(pipeline.run, "process_chunk", real)
    lines = (dump / "dump.jsonl").read_text().splitlines()
    record = json.loads(lines[0])
    record["text"] = record["text"].replace("Updated", "Posted")  # the file was edited meanwhile
    (dump / "dump.jsonl").write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n")
    resumed = extract(dump, tmp_path / "out", nlp=nlp, chunk_size=4, resume=True, progress=False)
    assert resumed.parts_resumed == 1  # part 0 holds the edited record: redone
    extract(dump, tmp_path / "fresh", nlp=nlp, chunk_size=4, progress=False)
    assert_same_tables(read_tables(tmp_path / "out"), read_tables(tmp_path / "fresh"))


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the worker processes")
def test_run_killed_run_leaves_previous_tables_and_resumes(nlp: Language, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    previous_in = tmp_path / "previous"
    write_text_files(previous_in, 3, seed=11)
    extract(previous_in, out, nlp=nlp, progress=False)
    before = published_hashes(out)
    previous_rows = {name: pq.read_table(out / f"{name}.parquet").num_rows for name in SCHEMAS}
    big = tmp_path / "big"
    big.mkdir()
    write_jsonl(big / "dump.jsonl", 200, seed=5)

    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "extract", str(big), str(out), "--chunk-size", "8", "--workers", "2",
         "--quiet"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 240
        while not list((out / ".parts").glob("*/part-*")):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "no checkpoint part appeared"
            time.sleep(0.05)
        workers = [pid for pid in _children(process.pid) if pid != process.pid]
        assert process.poll() is None, "the run ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL and len(workers) >= 2, workers

    # The previous tables are intact: same files, same bytes, still readable.
    assert published_hashes(out) == before
    for name in SCHEMAS:
        assert pq.read_table(out / f"{name}.parquet").num_rows == previous_rows[name]
    assert not list(out.glob(".staging-*"))
    # The workers died with the run, so nothing holds the output folder.
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers), "worker processes outlived the killed run"

    monkeypatch.setattr(pipeline.run, "load_nlp", lambda model=None: nlp)
    result = CliRunner().invoke(main, ["extract", str(big), str(out), "--chunk-size", "8", "--resume", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "finished parts reused" in result.output
    titles = pq.read_table(out / "articles.parquet").column("title").to_pylist()
    assert titles == [article["title"] for article in generate_articles(200, seed=5, small=True)]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parts_resumed"] > 0 and manifest["articles_extracted"] == 200
    assert not (out / ".parts").exists()


def test_run_failing_article_becomes_a_reject(nlp: Language, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    dump = tmp_path / "in"
    write_text_files(dump, 6, seed=2)
    victim = sorted(dump.iterdir())[2]
    real = pipeline.run.process_batch

    def fragile(nlp: Language, articles: list[Article], batch_size: int = 64):  # noqa: ANN202
        if any(article.source == str(victim) for article in articles):
            raise ValueError("component bug")
        return real(nlp, articles, batch_size)

    monkeypatch.setattr(pipeline.run, "process_batch", fragile)
    result = extract(dump, tmp_path / "out", nlp=nlp, chunk_size=4, progress=False)
    assert result.exit_code == EXIT_WITH_REJECTS
    assert (result.articles_read, result.articles_extracted, result.rejected) == (6, 5, 1)
    rejects = pq.read_table(tmp_path / "out" / "rejects.parquet").to_pylist()
    assert [(r["source"], r["reason"]) for r in rejects] == [(str(victim), EXTRACTION_FAILED)]
    assert "component bug" in rejects[0]["detail"]
    articles = pq.read_table(tmp_path / "out" / "articles.parquet").column("source").to_pylist()
    assert articles == [str(p) for p in sorted(dump.iterdir()) if p != victim]


def test_run_refuses_an_output_folder_in_use(small_dump: Path, nlp: Language, tmp_path: Path) -> None:
    with OutputLock(tmp_path):
        with pytest.raises(OutputLocked):
            extract(small_dump, tmp_path, nlp=nlp, progress=False)
    assert not (tmp_path / "articles.parquet").exists()


def test_run_missing_input_is_an_error(nlp: Language, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        extract(tmp_path / "nothing-here", tmp_path / "out", nlp=nlp, progress=False)


@pytest.mark.parametrize("inside", ["out", "sub/out", "."])
def test_run_refuses_an_output_folder_inside_the_input(nlp: Language, tmp_path: Path, inside: str) -> None:
    write_text_files(tmp_path / "in", 1)
    with pytest.raises(ValueError, match="inside the input folder"):
        extract(tmp_path / "in", tmp_path / "in" / inside, nlp=nlp, progress=False)
    assert not list((tmp_path / "in").rglob("*.parquet"))
