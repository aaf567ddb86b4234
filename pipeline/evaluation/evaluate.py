"""Run the pipeline and the baseline on gold splits, score both, write the report files.

Outputs in ``out_dir``:

- ``metrics.json``: per split, both systems' scorer metrics, the pipeline's rejected
  articles, the gold data hash, and (once, at the top) the matching rules;
- ``eval_report.md``: the Markdown report (``report.render_markdown``);
- ``eval_errors.jsonl``: one line per false positive, false negative, boundary error or
  wrong attribute, tagged with split, system and table, for error analysis.

The pipeline sees each gold text exactly as an input file would give it (through
``article_from_text``, so boilerplate is cleaned the same way) and its offsets into the
cleaned text are mapped back to raw offsets before scoring. The baseline reads the raw text.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.evaluation import report
from pipeline.evaluation.baseline import load_baseline_nlp, predict_baseline
from pipeline.evaluation.scorer import SCORED_TABLES, GoldLike, Prediction, matching_rules, score

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_OUT_DIR = Path("output")
BATCH_SIZE = 32
METRICS_FILE = "metrics.json"
REPORT_FILE = "eval_report.md"
ERRORS_FILE = "eval_errors.jsonl"
PIPELINE = report.PIPELINE
BASELINE = report.BASELINE


@dataclass
class PipelineRun:
    """Pipeline predictions for a list of gold articles, with what could not be scored."""

    predictions: list[Prediction] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    unmapped_spans: int = 0


def predict_pipeline(
    articles: Sequence[GoldLike], nlp: Language | None = None, *, batch_size: int = BATCH_SIZE
) -> list[Prediction]:
    """Pipeline predictions for each gold article, in order (a rejected one predicts nothing)."""
    return run_pipeline(articles, nlp, batch_size=batch_size).predictions


def run_pipeline(
    articles: Sequence[GoldLike], nlp: Language | None = None, *, batch_size: int = BATCH_SIZE
) -> PipelineRun:
    """Predictions plus the rejected articles and the spans that had no raw offset."""
    from pipeline.ingest import Article, article_from_text  # noqa: PLC0415
    from pipeline.run import load_nlp, process_batch  # noqa: PLC0415

    nlp = nlp or load_nlp()
    run = PipelineRun()
    accepted: list[tuple[GoldLike, Any]] = []
    for gold in articles:
        result = article_from_text(gold.text, source=f"gold:{gold.id}", published=gold.published)
        if isinstance(result, Article):
            accepted.append((gold, result))
        else:
            run.rejects.append(
                {"id": gold.id, "reason": str(result.reason), "detail": str(result.detail)}
            )
    predicted: dict[str, Prediction] = {}
    for begin in range(0, len(accepted), batch_size):
        batch = accepted[begin : begin + batch_size]
        for gold, prediction, unmapped in _predict_batch(nlp, batch, process_batch):
            predicted[gold.id] = prediction
            run.unmapped_spans += unmapped
    run.predictions = [predicted.get(gold.id, Prediction(gold.id)) for gold in articles]
    return run


def _predict_batch(
    nlp: Language, batch: Sequence[tuple[GoldLike, Any]], process_batch: Any
) -> list[tuple[GoldLike, Prediction, int]]:
    """Run one batch; two gold texts that clean to the same article are processed once."""
    unique = list({article.article_id: article for _, article in batch}.values())
    tables: dict[str, list[dict[str, Any]]] = process_batch(nlp, unique)
    rows_by_article: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for table in ("mentions", *SCORED_TABLES):
        for row in tables.get(table) or []:
            rows_by_article[row["article_id"]][table].append(row)
    results = []
    for gold, article in batch:
        rows = rows_by_article.get(article.article_id, {})
        spans, unmapped = _raw_spans(article.segments, rows.get("mentions", []))
        records = {table: list(rows.get(table, [])) for table in SCORED_TABLES}
        results.append((gold, Prediction(gold.id, spans, records), unmapped))
    return results


def _raw_spans(
    segments: Sequence[Sequence[int]], mentions: Sequence[dict[str, Any]]
) -> tuple[list[tuple[int, int, str]], int]:
    """Mention spans in raw-text offsets, and how many could not be mapped."""
    from pipeline.ingest import to_raw_offset  # noqa: PLC0415

    spans: list[tuple[int, int, str]] = []
    unmapped = 0
    for mention in mentions:
        start, end = int(mention["start_char"]), int(mention["end_char"])
        raw_start = to_raw_offset(segments, start) if end > start else None
        # The end offset is exclusive: map the last character and step past it.
        raw_last = to_raw_offset(segments, end - 1) if end > start else None
        if raw_start is None or raw_last is None:
            unmapped += 1
            continue
        spans.append((raw_start, raw_last + 1, str(mention["label"])))
    return spans, unmapped


# ---------------------------------------------------------------------------------------
# Splits


def gold_sha256(split: str, articles: Sequence[GoldLike], gold_dir: Path) -> str:
    """sha256 of the compiled split file, or of the articles' content when there is none."""
    path = gold_dir / f"{split}.jsonl"
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    content = [
        {
            "id": gold.id,
            "published": gold.published,
            "text": gold.text,
            "spans": [[s.start, s.end, s.label] for s in gold.spans],
            "records": gold.records,
        }
        for gold in articles
    ]
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def score_split(
    split: str,
    *,
    nlp: Language | None = None,
    baseline_nlp: Language | None = None,
    gold_dir: Path | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Metrics of both systems on one split, and their errors (nothing is written)."""
    from pipeline.evaluation.gold import DEFAULT_GOLD_DIR, load_split  # noqa: PLC0415

    gold_dir = Path(gold_dir) if gold_dir is not None else DEFAULT_GOLD_DIR
    articles = load_split(split, gold_dir)
    run = run_pipeline(articles, nlp)
    systems = {
        PIPELINE: score(articles, run.predictions, with_errors=True),
        BASELINE: score(articles, predict_baseline(articles, baseline_nlp), with_errors=True),
    }
    errors: list[dict[str, Any]] = []
    for system, metrics in systems.items():
        metrics.pop("matching_rules", None)
        for table, table_errors in metrics.pop("errors").items():
            tag = {"split": split, "system": system, "table": table}
            errors += [{**tag, **error} for error in table_errors]
    split_metrics = {
        "n_articles": len(articles),
        "gold_file": f"{split}.jsonl",
        "gold_sha256": gold_sha256(split, articles, gold_dir),
        "pipeline_rejects": run.rejects,
        "pipeline_unmapped_spans": run.unmapped_spans,
        "systems": systems,
    }
    return split_metrics, errors


def evaluate_splits(
    splits: Sequence[str] = ("dev", "test"),
    *,
    nlp: Language | None = None,
    baseline_nlp: Language | None = None,
    out_dir: Path = DEFAULT_OUT_DIR,
    gold_dir: Path | None = None,
) -> dict[str, Any]:
    """Evaluate pipeline and baseline on each split; write metrics, report and errors."""
    if nlp is None:
        from pipeline.run import load_nlp  # noqa: PLC0415

        nlp = load_nlp()
    baseline_nlp = baseline_nlp or load_baseline_nlp()
    metrics: dict[str, Any] = {"matching_rules": matching_rules(), "splits": {}}
    errors: list[dict[str, Any]] = []
    for split in splits:
        split_metrics, split_errors = score_split(
            split, nlp=nlp, baseline_nlp=baseline_nlp, gold_dir=gold_dir
        )
        metrics["splits"][split] = split_metrics
        errors += split_errors
    write_outputs(metrics, errors, Path(out_dir))
    return metrics


def evaluate_split(
    split: str = "test",
    *,
    nlp: Language | None = None,
    baseline_nlp: Language | None = None,
    out_dir: Path = DEFAULT_OUT_DIR,
    gold_dir: Path | None = None,
) -> dict[str, Any]:
    """Evaluate pipeline and baseline on one split; write metrics, report and errors."""
    return evaluate_splits(
        (split,), nlp=nlp, baseline_nlp=baseline_nlp, out_dir=out_dir, gold_dir=gold_dir
    )


def write_outputs(metrics: dict[str, Any], errors: Sequence[dict[str, Any]], out_dir: Path) -> None:
    """metrics.json, eval_report.md and eval_errors.jsonl in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / METRICS_FILE).write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out_dir / REPORT_FILE).write_text(report.render_markdown(metrics), encoding="utf-8")
    with (out_dir / ERRORS_FILE).open("w", encoding="utf-8") as handle:
        for error in errors:
            handle.write(json.dumps(error, ensure_ascii=False) + "\n")
