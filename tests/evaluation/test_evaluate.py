"""Tests for pipeline.evaluation.evaluate: systems, record micro scores, selection, speed."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from spacy.util import load_config

from pipeline.evaluation import evaluate
from pipeline.evaluation.evaluate import BASELINE, PIPELINE, System
from pipeline.evaluation.gold import SPLITS, GoldArticle, GoldSpan, dumps_article, split_path
from pipeline.evaluation.report import render_markdown, render_systems_terminal
from pipeline.evaluation.scorer import MICRO, SCORED_TABLES, prf

CORE = evaluate.CONFIG_DIR / "core.cfg"


def _records(counts: dict[str, tuple[int, int, int]]) -> dict[str, Any]:
    """Scorer-shaped records: table -> (tp, fp, fn); other tables empty."""
    return {table: prf(*counts.get(table, (0, 0, 0))) for table in SCORED_TABLES}


def _system_metrics(span_f1: float, counts: dict[str, tuple[int, int, int]]) -> dict[str, Any]:
    records = _records(counts)
    metrics = {"spans": {"exact": {MICRO: {"f1": span_f1}}}, "records": records}
    metrics["records_micro"] = evaluate.records_micro(metrics)
    return metrics


# ---------------------------------------------------------------------------------------
# Record micro scores and the selection score


@pytest.mark.parametrize(
    ("counts", "expected_p", "expected_r"),
    [
        ({}, 0.0, 0.0),
        ({"officials": (2, 0, 2)}, 1.0, 0.5),
        ({"officials": (2, 0, 2), "dates": (2, 4, 0)}, 4 / 8, 4 / 6),
        ({"institutions": (0, 3, 0), "agreements": (1, 1, 1)}, 1 / 5, 1 / 2),
    ],
)
def test_evaluate_records_micro_sums_every_table(
    counts: dict[str, tuple[int, int, int]], expected_p: float, expected_r: float
) -> None:
    micro = evaluate.records_micro({"records": _records(counts)})
    assert micro["p"] == pytest.approx(expected_p)
    assert micro["r"] == pytest.approx(expected_r)
    f1 = 2 * expected_p * expected_r / (expected_p + expected_r) if expected_p + expected_r else 0.0
    assert micro["f1"] == pytest.approx(f1)


@pytest.mark.parametrize(
    ("span_f1", "counts", "expected"),
    [
        (0.8, {"dates": (1, 0, 0)}, 0.9),
        (0.0, {}, 0.0),
        (0.5, {"dates": (1, 1, 0)}, (0.5 + 2 / 3) / 2),
    ],
)
def test_evaluate_selection_score_is_mean_of_spans_and_records(
    span_f1: float, counts: dict[str, tuple[int, int, int]], expected: float
) -> None:
    assert evaluate.selection_score(_system_metrics(span_f1, counts)) == pytest.approx(expected)


def _split(systems: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"systems": systems}


@pytest.mark.parametrize(
    ("dev", "best", "default_is_best", "same_as", "optional_better"),
    [
        # The default produces what "combined" produces, and combined is best.
        ({PIPELINE: (0.9, (9, 1, 1)), "combined": (0.9, (9, 1, 1)), "sm_ner_rules": (0.8, (8, 2, 2))},
         "combined", True, ["combined"], []),
        # The default lags behind a variant.
        ({PIPELINE: (0.8, (8, 2, 2)), "combined": (0.9, (9, 1, 1)), "sm_ner_rules": (0.8, (8, 2, 2))},
         "combined", False, ["sm_ner_rules"], []),
        # An optional profile is never the candidate, but is named when it scores higher.
        ({PIPELINE: (0.8, (8, 2, 2)), "accurate": (0.95, (10, 0, 0)), "sm_ner_rules": (0.8, (8, 2, 2))},
         "sm_ner_rules", True, ["sm_ner_rules"], ["accurate"]),
        # Ties go to the system listed first (simpler first).
        ({"combined": (0.9, (9, 1, 1)), "rules_only": (0.9, (9, 1, 1))}, "rules_only", None, [], []),
    ],
)
def test_evaluate_select_system(
    dev: dict[str, tuple[float, tuple[int, int, int]]],
    best: str,
    default_is_best: bool | None,
    same_as: list[str],
    optional_better: list[str],
) -> None:
    systems = {name: _system_metrics(f1, {"officials": counts}) for name, (f1, counts) in dev.items()}
    metrics = {"splits": {"dev": _split(systems), "test": _split(systems)}}
    selection = evaluate.select_system(metrics)
    assert selection["best"] == best
    assert selection["default_is_best"] is default_is_best
    assert selection["default_same_as"] == same_as
    assert selection["optional_better"] == optional_better


def test_evaluate_select_system_without_the_split() -> None:
    selection = evaluate.select_system({"splits": {"test": _split({PIPELINE: _system_metrics(0.5, {})})}})
    assert selection["best"] is None
    assert selection["default_is_best"] is None


# ---------------------------------------------------------------------------------------
# Systems: availability and configs


@pytest.mark.parametrize(
    ("system", "fragment"),
    [
        (System("x", "needs a model", models=((Path("/nonexistent/cnru_x"), "make train-x"),)), "make train-x"),
        (System("y", "needs an extra", needs_module="no_such_module_cnru"), "extra"),
        (System("z", "needs nothing"), None),
    ],
)
def test_evaluate_unavailable_reason(system: System, fragment: str | None) -> None:
    reason = evaluate.unavailable_reason(system)
    if fragment is None:
        assert reason is None
    else:
        assert reason is not None and fragment in reason


def _pipeline(config: Path) -> list[str]:
    return list(load_config(config, interpolate=False)["nlp"]["pipeline"])


#: Per variant: the components of core.cfg it leaves out and the ones it adds.
VARIANT_DIFFERENCES = {
    "rules_only.cfg": ({"ner", "cnru_label_map"}, set()),
    "sm_ner_rules.cfg": (set(), set()),
    "ner_only.cfg": ({"cnru_label_map", "span_ruler", "cnru_entity_fixer", "cnru_gazetteer"}, set()),
    "combined.cfg": (set(), set()),
    "accurate.cfg": (set(), {"transformer"}),
}


@pytest.mark.parametrize("name", sorted(VARIANT_DIFFERENCES))
def test_evaluate_variant_config_follows_core(name: str) -> None:
    """A variant is core.cfg less/plus the documented components, in core's order, each
    shared component configured as in core.cfg (the NER and the label map's source aside)."""
    left_out, added = VARIANT_DIFFERENCES[name]
    variant_path = evaluate.CONFIG_DIR / name
    core_pipeline, variant_pipeline = _pipeline(CORE), _pipeline(variant_path)
    assert [c for c in variant_pipeline if c not in added] == [c for c in core_pipeline if c not in left_out]
    core = load_config(CORE, interpolate=False)
    variant = load_config(variant_path, interpolate=False)
    for component in set(core_pipeline) & set(variant_pipeline) - {"ner"}:
        assert variant["components"][component] == core["components"][component], component
    assert variant["nlp"]["tokenizer"] == core["nlp"]["tokenizer"]


def test_evaluate_systems_point_at_existing_configs() -> None:
    for system in evaluate.SYSTEMS:
        assert system.config is None or system.config.is_file(), system.name
    assert [s.name for s in evaluate.SYSTEMS][:2] == [PIPELINE, BASELINE]


# ---------------------------------------------------------------------------------------
# Speed


@pytest.mark.parametrize(("texts", "words"), [(["a b c"], 3), (["one", "two words here"], 4)])
def test_evaluate_measure_speed_counts_words(texts: list[str], words: int) -> None:
    import spacy

    articles = [SimpleNamespace(text=text) for text in texts]
    speed = evaluate.measure_speed(BASELINE, spacy.blank("en"), articles, repeat=2)
    assert speed["words"] == words
    assert speed["articles"] == len(texts)
    assert speed["repeat"] == 2
    assert speed["words_per_second"] > 0


def test_evaluate_measure_speeds_times_every_system_on_the_same_words() -> None:
    import spacy

    import pipeline.extensions  # noqa: F401  (the Doc._ attributes process_batch sets)
    from pipeline.ingest import article_from_text

    articles = [article_from_text("Director Wang Lei visited Moscow.", "a.txt")]
    speeds = evaluate.measure_speeds({BASELINE: spacy.blank("en"), "other": spacy.blank("en")}, articles, repeat=1)
    assert sorted(speeds) == [BASELINE, "other"]
    assert {speed["words"] for speed in speeds.values()} == {5}


# ---------------------------------------------------------------------------------------
# Report rows


def _report_metrics() -> dict[str, Any]:
    systems = {
        PIPELINE: _system_metrics(0.9, {"officials": (9, 1, 1)}),
        BASELINE: _system_metrics(0.5, {"officials": (5, 5, 5)}),
        "combined": _system_metrics(0.9, {"officials": (9, 1, 1)}),
    }
    metrics: dict[str, Any] = {
        "systems": {
            PIPELINE: {"description": "default", "available": True, "speed": {"words_per_second": 1234.0, "repeat": 3}},
            BASELINE: {"description": "stock", "available": True, "speed": {"words_per_second": 5000.0, "repeat": 3}},
            "combined": {"description": "trained NER + rules", "available": True},
            "accurate": {"description": "transformer", "available": False, "reason": "run `make train-accurate`"},
        },
        "splits": {split: {"n_articles": 1, "systems": systems} for split in ("dev", "test")},
    }
    metrics["selection"] = evaluate.select_system(metrics)
    return metrics


@pytest.mark.parametrize(
    "expected",
    [
        "| pipeline (= combined) | default | 0.900 | – | 0.900 | 0.900 | – | 0.900 | 0.900 | 1,234 |",
        "| baseline | stock | 0.500 | – | 0.500 | 0.500 | – | 0.500 | 0.500 | 5,000 |",
        "| combined (best on dev) | trained NER + rules | 0.900 | – | 0.900 | 0.900 | – | 0.900 | 0.900 | – |",
        "| accurate | transformer: not scored, run `make train-accurate` |",
        "best default candidate **combined** (0.900)",
    ],
)
def test_evaluate_report_has_a_row_per_system(expected: str) -> None:
    assert expected in render_markdown(_report_metrics())


def test_evaluate_terminal_systems_table() -> None:
    table = render_systems_terminal(_report_metrics())
    assert "accurate" in table and "not scored" in table
    assert "1,234" in table


# ---------------------------------------------------------------------------------------
# End to end on a tiny gold set


def _write_gold(root: Path) -> Path:
    text = "Director Wang Lei of Harbin University visited Moscow on 12 May 2024."
    spans = [("Director", "TITLE"), ("Wang Lei", "PERSON"), ("Harbin University", "INSTITUTION"),
             ("Moscow", "GPE"), ("12 May 2024", "DATE")]
    article = GoldArticle(
        "g1", "2024-05-13", text,
        sorted((GoldSpan(text.index(s), text.index(s) + len(s), label) for s, label in spans), key=lambda s: s.start),
        {"officials": [{"name": "Wang Lei", "title": "Director", "organization": "Harbin University"}]},
    )
    root.mkdir(parents=True)
    for split in SPLITS:
        split_path(split, root).write_text(dumps_article(article) + "\n", encoding="utf-8")
    return root


@pytest.mark.slow
def test_evaluate_splits_scores_each_system_and_writes_report(tmp_path: Path) -> None:
    gold = _write_gold(tmp_path / "gold")
    out = tmp_path / "out"
    metrics = evaluate.evaluate_splits(
        ("dev",), out_dir=out, gold_dir=gold, systems=[BASELINE, "rules_only"], speed_repeat=1
    )
    assert list(metrics["systems"]) == [BASELINE, "rules_only"]
    for name in (BASELINE, "rules_only"):
        system = metrics["splits"]["dev"]["systems"][name]
        assert system["records_micro"] == evaluate.records_micro(system)
        # The one 12-word article, repeated up to the timing minimum.
        assert metrics["systems"][name]["speed"]["words"] == 12 * -(-evaluate.SPEED_MIN_WORDS // 12)
    assert metrics["selection"]["best"] in (BASELINE, "rules_only")
    report = (out / evaluate.REPORT_FILE).read_text(encoding="utf-8")
    assert "| rules_only" in report
    assert (out / evaluate.METRICS_FILE).is_file()
