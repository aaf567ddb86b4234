"""Run every system on the gold splits, score them, write the report files.

Systems (``SYSTEMS``; the report has one row each, on every split):

- ``pipeline``: the default pipeline the product ships (``models/cnru_core``, assembled
  from ``pipeline/configs/core.cfg``); its detailed tables are in the report;
- ``baseline``: stock ``en_core_web_sm``, labels mapped, no rules (``baseline.py``);
- ``rules_only``: our rules and gazetteer, no statistical NER (``rules_only.cfg``);
- ``sm_ner_rules``: stock NER + rules, the default before the trained NER (``sm_ner_rules.cfg``);
- ``ner_only``: the trained NER (``models/cnru_ner``) without entity rules (``ner_only.cfg``);
- ``combined``: the trained NER + rules (``combined.cfg``);
- ``accurate``: the transformer NER (``models/cnru_accurate_ner``) + rules (``accurate.cfg``),
  only when the ``accurate`` extra is installed and ``make train-accurate`` has run.

A system whose trained model or optional extra is missing is listed with the reason and
not scored. Every system's speed (words/s) is measured in the same run on the same cleaned
texts (the evaluated splits' articles, repeated to ``SPEED_MIN_WORDS``), best of
``speed_repeat`` interleaved passes, after every system has run once on them.

Model selection: the best system on dev by ``SELECTION_CRITERION`` (the mean of span
exact micro F1 and record micro F1); the metrics say which one that is and whether the
default pipeline scores as well.

Outputs in ``out_dir``:

- ``metrics.json``: the systems (description, config, speed), the selection, per split every
  system's scorer metrics plus ``records_micro``, the pipeline's rejected articles and the
  gold data hash, and (once, at the top) the matching rules;
- ``eval_report.md``: the Markdown report (``report.render_markdown``);
- ``eval_errors.jsonl``: one line per false positive, false negative, boundary error or
  wrong attribute, tagged with split, system and table, for error analysis.

The pipelines see each gold text exactly as an input file would give it (through
``article_from_text``, so boilerplate is cleaned the same way) and their offsets into the
cleaned text are mapped back to raw offsets before scoring. The baseline reads the raw text.

Command line: ``python -m pipeline.evaluation.evaluate [--splits dev test] [--out output]``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.evaluation import report
from pipeline.evaluation.baseline import load_baseline_nlp, predict_baseline
from pipeline.evaluation.scorer import (
    MICRO,
    SCORED_TABLES,
    GoldLike,
    Prediction,
    matching_rules,
    prf,
    score,
)

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_OUT_DIR = Path("output")
BATCH_SIZE = 32
METRICS_FILE = "metrics.json"
REPORT_FILE = "eval_report.md"
ERRORS_FILE = "eval_errors.jsonl"
PIPELINE = report.PIPELINE
BASELINE = report.BASELINE
REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO_ROOT / "pipeline" / "configs"
MODELS_DIR = REPO_ROOT / "models"
#: Timed passes over the speed texts per system; the fastest counts.
SPEED_REPEAT = 3
#: The gold texts are repeated up to at least this many words for timing: one pass over a
#: few thousand words lasts about a second, too short to time on a shared machine.
SPEED_MIN_WORDS = 20_000
#: The split systems are compared on (test is only reported).
SELECTION_SPLIT = "dev"
SELECTION_CRITERION = "mean of span exact micro F1 and record micro F1"


@dataclass(frozen=True)
class System:
    """One evaluated system: how to build it and what it needs."""

    name: str
    description: str
    #: A variant config assembled like core.cfg; None for the default pipeline and baseline.
    config: Path | None = None
    #: Trained model folders the config sources, with the make target that builds each.
    models: tuple[tuple[Path, str], ...] = ()
    #: A module an optional profile needs (its extra is not in the default install).
    needs_module: str | None = None
    #: Part of an optional profile: reported, but not a candidate for the default.
    optional: bool = False


_NER = (MODELS_DIR / "cnru_ner", "make train")
_ACCURATE_NER = (MODELS_DIR / "cnru_accurate_ner", "make train-accurate")

SYSTEMS: tuple[System, ...] = (
    System(PIPELINE, "default pipeline (models/cnru_core from core.cfg)"),
    System(BASELINE, "stock en_core_web_sm, labels mapped, no rules"),
    System("rules_only", "rules + gazetteer, no statistical NER", CONFIG_DIR / "rules_only.cfg"),
    System("sm_ner_rules", "stock en_core_web_sm NER + rules", CONFIG_DIR / "sm_ner_rules.cfg"),
    System("ner_only", "trained NER, no entity rules", CONFIG_DIR / "ner_only.cfg", (_NER,)),
    System("combined", "trained NER + rules", CONFIG_DIR / "combined.cfg", (_NER,)),
    System(
        "accurate",
        "frozen all-MiniLM-L6-v2 (3 layers) + case features NER, + rules",
        CONFIG_DIR / "accurate.cfg",
        (_ACCURATE_NER,),
        needs_module="spacy_transformers",
        optional=True,
    ),
)
SYSTEMS_BY_NAME: dict[str, System] = {system.name: system for system in SYSTEMS}


def _shown(path: Path) -> str:
    """A path as the report shows it: relative to the repository when inside it."""
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def unavailable_reason(system: System) -> str | None:
    """Why a system cannot be built here (a missing model or extra), None when it can."""
    if system.needs_module and importlib.util.find_spec(system.needs_module) is None:
        return f"needs the optional extra that provides {system.needs_module} (pip install -e '.[accurate]')"
    for folder, target in system.models:
        if not (folder / "meta.json").is_file():
            return f"{_shown(folder)} is missing: run `{target}`"
    return None


def assemble_system(config: Path, patterns_dir: Path | None = None) -> Language:
    """Assemble a variant config as ``make model`` assembles core.cfg.

    The configs name the models they source relative to the repository root
    (``models/cnru_ner``), so they are assembled from there.
    """
    from pipeline.nlp import assemble  # noqa: PLC0415

    # Every sourced model (the transformer included) is read from disk: nothing is fetched.
    with contextlib.chdir(REPO_ROOT):
        return assemble(config, patterns_dir)


def load_system(system: System, patterns_dir: Path | None = None) -> Language:
    """The spaCy pipeline of one system."""
    if system.name == BASELINE:
        return load_baseline_nlp()
    if system.config is None:
        from pipeline.run import load_nlp  # noqa: PLC0415

        return load_nlp()
    return assemble_system(system.config, patterns_dir)


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


def records_micro(system_metrics: Mapping[str, Any]) -> dict[str, float | int]:
    """P/R/F1 over the rows of every scored table together (counts summed)."""
    tables = [system_metrics.get("records", {}).get(table) or {} for table in SCORED_TABLES]
    return prf(
        sum(int(t.get("tp", 0)) for t in tables),
        sum(int(t.get("fp", 0)) for t in tables),
        sum(int(t.get("fn", 0)) for t in tables),
    )


def _predict(
    name: str, nlp: Language | None, articles: Sequence[GoldLike]
) -> tuple[list[Prediction], PipelineRun | None]:
    """One system's predictions (and, for a pipeline, its run details)."""
    if name == BASELINE:
        return predict_baseline(articles, nlp), None
    run = run_pipeline(articles, nlp)
    return run.predictions, run


def score_split(
    split: str,
    *,
    nlp: Language | None = None,
    baseline_nlp: Language | None = None,
    gold_dir: Path | None = None,
    systems: Mapping[str, Language | None] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Metrics of each system on one split, and their errors (nothing is written).

    ``systems`` maps system name -> pipeline; without it, the default pipeline (``nlp``) and
    the baseline (``baseline_nlp``) are scored, each loaded when None.
    """
    from pipeline.evaluation.gold import DEFAULT_GOLD_DIR, load_split  # noqa: PLC0415

    gold_dir = Path(gold_dir) if gold_dir is not None else DEFAULT_GOLD_DIR
    articles = load_split(split, gold_dir)
    if systems is None:
        systems = {PIPELINE: nlp, BASELINE: baseline_nlp}
    scored: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    runs: dict[str, PipelineRun] = {}
    for name, system_nlp in systems.items():
        predictions, run = _predict(name, system_nlp, articles)
        metrics = score(articles, predictions, with_errors=True)
        metrics.pop("matching_rules", None)
        for table, table_errors in metrics.pop("errors").items():
            tag = {"split": split, "system": name, "table": table}
            errors += [{**tag, **error} for error in table_errors]
        metrics["records_micro"] = records_micro(metrics)
        if run is not None:
            metrics["unmapped_spans"] = run.unmapped_spans
            runs[name] = run
        scored[name] = metrics
    # Cleaning does not depend on the model: every pipeline rejects the same articles.
    main_run = runs.get(PIPELINE) or next(iter(runs.values()), PipelineRun())
    split_metrics = {
        "n_articles": len(articles),
        "gold_file": f"{split}.jsonl",
        "gold_sha256": gold_sha256(split, articles, gold_dir),
        "pipeline_rejects": main_run.rejects,
        "pipeline_unmapped_spans": main_run.unmapped_spans,
        "systems": scored,
    }
    return split_metrics, errors


# ---------------------------------------------------------------------------------------
# Speed


def speed_articles(
    splits: Sequence[str], gold_dir: Path | None = None, min_words: int = SPEED_MIN_WORDS
) -> list[Any]:
    """The cleaned articles of the gold splits, repeated up to ``min_words``: the texts
    every system is timed on."""
    from pipeline.evaluation.gold import DEFAULT_GOLD_DIR, load_split  # noqa: PLC0415
    from pipeline.ingest import Article, article_from_text  # noqa: PLC0415

    gold_dir = Path(gold_dir) if gold_dir is not None else DEFAULT_GOLD_DIR
    articles = []
    for split in splits:
        for gold in load_split(split, gold_dir):
            result = article_from_text(gold.text, source=f"gold:{gold.id}", published=gold.published)
            if isinstance(result, Article):
                articles.append(result)
    words = sum(len(article.text.split()) for article in articles)
    copies = -(-min_words // words) if words else 1
    return articles * max(1, copies)


def _timed_work(name: str, nlp: Language, articles: Sequence[Any]) -> Callable[[], Any]:
    """What one timed pass of a system runs: a pipeline goes through ``process_batch`` (the
    product's unit of work, nlp and table rows); the baseline through ``nlp.pipe``."""
    from pipeline.run import process_batch  # noqa: PLC0415

    if name == BASELINE:
        return lambda: list(nlp.pipe(article.text for article in articles))
    return lambda: process_batch(nlp, list(articles))


def measure_speeds(
    nlps: Mapping[str, Language], articles: Sequence[Any], repeat: int = SPEED_REPEAT
) -> dict[str, dict[str, Any]]:
    """Words per second of every system over ``articles``: the fastest of ``repeat`` passes.

    The passes are interleaved (each round times every system once), so a burst of load
    from elsewhere on the machine falls on all systems alike rather than on one.
    """
    words = sum(len(article.text.split()) for article in articles)
    rounds = max(1, repeat)
    works = {name: _timed_work(name, nlp, articles) for name, nlp in nlps.items()}
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, work in works.items():
            started = time.perf_counter()
            work()
            elapsed = time.perf_counter() - started
            best[name] = min(elapsed, best.get(name, elapsed))
    return {
        name: {
            "words": words,
            "articles": len(articles),
            "seconds": round(seconds, 4),
            "words_per_second": round(words / seconds, 1) if seconds > 0 else None,
            "repeat": rounds,
        }
        for name, seconds in best.items()
    }


def measure_speed(
    name: str, nlp: Language, articles: Sequence[Any], repeat: int = SPEED_REPEAT
) -> dict[str, Any]:
    """Words per second of one system (see ``measure_speeds``)."""
    return measure_speeds({name: nlp}, articles, repeat)[name]


# ---------------------------------------------------------------------------------------
# Selection


def selection_score(system_metrics: Mapping[str, Any]) -> float:
    """The number systems are ranked by (see SELECTION_CRITERION)."""
    spans = system_metrics.get("spans", {}).get("exact", {}).get(MICRO, {}).get("f1", 0.0)
    records = (system_metrics.get("records_micro") or records_micro(system_metrics))["f1"]
    return (float(spans) + float(records)) / 2


def _same_output(metrics: Mapping[str, Any], first: str, second: str) -> bool:
    """Whether two systems scored identically on every split (same spans and rows found)."""
    splits = metrics.get("splits", {}).values()
    return bool(splits) and all(
        first in split["systems"]
        and second in split["systems"]
        and split["systems"][first]["spans"] == split["systems"][second]["spans"]
        and split["systems"][first]["records"] == split["systems"][second]["records"]
        for split in splits
    )


def select_system(metrics: Mapping[str, Any], split: str = SELECTION_SPLIT) -> dict[str, Any]:
    """The best candidate for the default on ``split``, and how the default compares.

    Candidates are every scored system but the default itself and the optional profiles
    (they need an extra install); the optional ones are ranked beside them all the same.
    Ties go to the system listed first in SYSTEMS (simpler first).
    """
    scored = metrics.get("splits", {}).get(split, {}).get("systems", {})
    scores = {name: round(selection_score(values), 6) for name, values in scored.items()}
    order = {system.name: index for index, system in enumerate(SYSTEMS)}
    candidates = [
        name for name in scores
        if name != PIPELINE and not getattr(SYSTEMS_BY_NAME.get(name), "optional", False)
    ]
    best = max(candidates, key=lambda name: (scores[name], -order.get(name, len(order))), default=None)
    default_score = scores.get(PIPELINE)
    best_score = scores.get(best) if best is not None else None
    return {
        "split": split,
        "criterion": SELECTION_CRITERION,
        "scores": scores,
        "best": best,
        "default_same_as": [name for name in scores if name != PIPELINE and _same_output(metrics, PIPELINE, name)],
        "default_is_best": (
            None if default_score is None or best_score is None else default_score >= best_score
        ),
        "optional_better": sorted(
            name for name in scores
            if getattr(SYSTEMS_BY_NAME.get(name), "optional", False)
            and best_score is not None and scores[name] > best_score
        ),
    }


# ---------------------------------------------------------------------------------------
# Runs


def _system_info(system: System, reason: str | None) -> dict[str, Any]:
    return {
        "description": system.description,
        "config": _shown(system.config) if system.config else None,
        "optional": system.optional,
        "available": reason is None,
        "reason": reason,
    }


def load_systems(
    names: Sequence[str] | None = None,
    *,
    nlp: Language | None = None,
    baseline_nlp: Language | None = None,
    patterns_dir: Path | None = None,
) -> tuple[dict[str, Language], dict[str, dict[str, Any]]]:
    """Build the named systems (default: all): name -> pipeline, and name -> description."""
    chosen = [SYSTEMS_BY_NAME[name] for name in names] if names is not None else list(SYSTEMS)
    given = {PIPELINE: nlp, BASELINE: baseline_nlp}
    nlps: dict[str, Language] = {}
    info: dict[str, dict[str, Any]] = {}
    for system in chosen:
        reason = None if given.get(system.name) is not None else unavailable_reason(system)
        info[system.name] = _system_info(system, reason)
        if reason is None:
            nlps[system.name] = given.get(system.name) or load_system(system, patterns_dir)
    return nlps, info


def evaluate_splits(
    splits: Sequence[str] = ("dev", "test"),
    *,
    nlp: Language | None = None,
    baseline_nlp: Language | None = None,
    out_dir: Path = DEFAULT_OUT_DIR,
    gold_dir: Path | None = None,
    systems: Sequence[str] | None = None,
    speed_repeat: int = SPEED_REPEAT,
    patterns_dir: Path | None = None,
) -> dict[str, Any]:
    """Evaluate the systems (default: all) on each split; write metrics, report and errors.

    ``speed_repeat`` = 0 skips the speed measurement.
    """
    nlps, info = load_systems(systems, nlp=nlp, baseline_nlp=baseline_nlp, patterns_dir=patterns_dir)
    metrics: dict[str, Any] = {"matching_rules": matching_rules(), "systems": info, "splits": {}}
    errors: list[dict[str, Any]] = []
    for split in splits:
        split_metrics, split_errors = score_split(split, gold_dir=gold_dir, systems=nlps)
        metrics["splits"][split] = split_metrics
        errors += split_errors
    if speed_repeat > 0:
        for name, speed in measure_speeds(nlps, speed_articles(splits, gold_dir), speed_repeat).items():
            info[name]["speed"] = speed
    metrics["selection"] = select_system(metrics)
    write_outputs(metrics, errors, Path(out_dir))
    return metrics


def evaluate_split(
    split: str = "test",
    *,
    nlp: Language | None = None,
    baseline_nlp: Language | None = None,
    out_dir: Path = DEFAULT_OUT_DIR,
    gold_dir: Path | None = None,
    systems: Sequence[str] | None = None,
    speed_repeat: int = SPEED_REPEAT,
) -> dict[str, Any]:
    """Evaluate the systems on one split; write metrics, report and errors."""
    return evaluate_splits(
        (split,), nlp=nlp, baseline_nlp=baseline_nlp, out_dir=out_dir, gold_dir=gold_dir,
        systems=systems, speed_repeat=speed_repeat,
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


# ---------------------------------------------------------------------------------------
# Command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pipeline.evaluation.evaluate``: evaluate, write the files, print the tables."""
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.evaluation.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--splits", nargs="+", default=["dev", "test"], help="gold splits (default: dev test)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR, help="output folder (default: output)")
    parser.add_argument("--systems", nargs="+", choices=list(SYSTEMS_BY_NAME), default=None,
                        help="systems to evaluate (default: all that can be built here)")
    parser.add_argument("--repeat", type=int, default=SPEED_REPEAT,
                        help=f"timed passes per system for words/s (default {SPEED_REPEAT}; 0 = no timing)")
    args = parser.parse_args(argv)
    metrics = evaluate_splits(args.splits, out_dir=args.out, systems=args.systems, speed_repeat=args.repeat)
    print(report.render_systems_terminal(metrics))
    print(report.render_terminal(metrics))
    print(f"Report: {args.out / REPORT_FILE}; metrics: {args.out / METRICS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
