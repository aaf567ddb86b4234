"""Tests for pipeline.evaluation.report (metrics built from hand-made rows, no spaCy)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.evaluation.gold import GoldArticle, GoldSpan
from pipeline.evaluation.report import (
    check_thresholds,
    load_thresholds,
    render_markdown,
    render_terminal,
    summarize_failures,
    validate_thresholds,
)
from pipeline.evaluation.scorer import MatchKeys, Prediction, fold, matching_rules, score

KEYS = MatchKeys(person=fold, institution=fold)
REPO_THRESHOLDS = Path(__file__).resolve().parents[2] / "seeds" / "gold" / "thresholds.json"

TEXT = "Ivan Petrov met Wang Lei and Anna Smirnova in Moscow."


def _officials(*names: str) -> list[dict[str, Any]]:
    return [{"name": name, "title": "Mayor" if name == "Ivan Petrov" else None} for name in names]


def _metrics() -> dict[str, Any]:
    """Officials: gold 3; pipeline finds 2 of them; baseline 1 of them plus 1 wrong."""
    gold = GoldArticle(
        id="g1",
        published=None,
        text=TEXT,
        spans=[GoldSpan(0, 11, "PERSON"), GoldSpan(46, 52, "GPE")],
        records={"officials": _officials("Ivan Petrov", "Wang Lei", "Anna Smirnova")},
    )
    pipeline = Prediction(
        "g1",
        spans=[(0, 11, "PERSON"), (46, 52, "GPE")],
        # Wang Lei's organization is made up: organization accuracy 1 of 2.
        records={"officials": [
            *_officials("Ivan Petrov"),
            {"name": "Wang Lei", "title": None, "organization": "Peking University"},
        ]},
    )
    baseline = Prediction(
        "g1",
        spans=[(0, 4, "PERSON")],
        records={"officials": [{"name": "Ivan Petrov"}, {"name": "Moscow"}]},
    )
    systems = {
        "pipeline": score([gold], [pipeline], keys=KEYS),
        "baseline": score([gold], [baseline], keys=KEYS),
    }
    return {
        "matching_rules": matching_rules(),
        "splits": {
            "test": {
                "n_articles": 1,
                "gold_sha256": "abc123",
                "pipeline_rejects": [],
                "systems": systems,
            }
        },
    }


# ---------------------------------------------------------------------------------------
# Markdown


@pytest.mark.parametrize(
    "expected_line",
    [
        "| officials | pipeline | 3 | 2 | 2 | 1.000 | 0.667 | 0.800 |",
        "| officials | baseline | 3 | 2 | 1 | 0.500 | 0.333 | 0.400 |",
        "| officials | Δ | | | | +0.500 | +0.333 | +0.400 |",
        # Span exact: pipeline 2/2; baseline 0 of 1 predicted.
        "| micro | 2 | 1.000 | 1.000 | 1.000 | 0.000 | 0.000 | 0.000 | +1.000 |",
        "| PERSON | 1 | 1.000 | 1.000 | 1.000 | 0.000 | 0.000 | 0.000 | +1.000 |",
        # Attribute title: pipeline got Mayor and null right (2/2); baseline's only match lacks it.
        "| officials.title | 1.000 | 2 | 0.000 | 1 | +1.000 |",
        "| officials.organization | 0.500 | 2 | 1.000 | 1 | -0.500 |",
        # No dates in this gold: accuracy over no pairs is shown as not measured.
        "| dates.role | – | 0 | – | 0 | – |",
    ],
)
def test_report_markdown_contains_the_numbers(expected_line: str) -> None:
    assert expected_line in render_markdown(_metrics()).splitlines()


def test_report_markdown_overlap_table_counts_partial_spans() -> None:
    lines = render_markdown(_metrics()).splitlines()
    overlap = lines[lines.index("### Spans, overlap match") :]
    # Baseline "Ivan" overlaps "Ivan Petrov": 1 of 1 predicted, 1 of 2 gold.
    assert "| micro | 2 | 1.000 | 1.000 | 1.000 | 1.000 | 0.500 | 0.667 | +0.333 |" in overlap


def test_report_markdown_names_split_hash_and_rules() -> None:
    text = render_markdown(_metrics())
    assert "## Split `test`" in text
    assert "`abc123`" in text
    assert "**records.officials**" in text


def test_report_markdown_lists_rejected_articles() -> None:
    metrics = _metrics()
    metrics["splits"]["test"]["pipeline_rejects"] = [
        {"id": "g9", "reason": "empty_text", "detail": "no text left after cleaning"}
    ]
    text = render_markdown(metrics)
    assert "rejected (scored as empty predictions): 1." in text
    assert "- `g9`: empty_text (no text left after cleaning)" in text


def test_report_markdown_without_baseline_shows_dashes() -> None:
    metrics = _metrics()
    del metrics["splits"]["test"]["systems"]["baseline"]
    lines = render_markdown(metrics).splitlines()
    assert "| officials | pipeline | 3 | 2 | 2 | 1.000 | 0.667 | 0.800 |" in lines
    assert not any(line.startswith("| officials | baseline") for line in lines)
    assert "| officials.title | 1.000 | 2 | – | – | – |" in lines


# ---------------------------------------------------------------------------------------
# Terminal


def test_report_terminal_rows_hold_both_systems_and_delta() -> None:
    lines = render_terminal(_metrics()).splitlines()
    officials = next(line for line in lines if line.startswith("officials"))
    assert officials.split() == ["officials", "1.000", "0.667", "0.800", "0.500", "0.333", "0.400", "+0.400"]
    spans = next(line for line in lines if line.startswith("spans micro (overlap)"))
    assert spans.split()[-4:] == ["1.000", "0.500", "0.667", "+0.333"]


def test_report_terminal_fits_100_columns() -> None:
    text = render_terminal(_metrics())
    assert text.startswith("test (1 articles)")
    assert max(len(line) for line in text.splitlines()) <= 100


# ---------------------------------------------------------------------------------------
# Thresholds

THRESHOLD_CASES = [
    # name, thresholds (split test added), expected failures
    ("all zero", {"records": {"officials": {"f1": 0.0}}, "spans_micro_overlap_f1": 0.0}, []),
    ("f1 below", {"records": {"officials": {"f1": 0.9}}}, ["officials F1 0.80 < threshold 0.90 on test"]),
    ("equal passes", {"records": {"officials": {"f1": 0.8, "p": 1.0}}}, []),
    ("recall below", {"records": {"officials": {"r": 0.7}}}, ["officials R 0.67 < threshold 0.70 on test"]),
    ("close values get more digits", {"records": {"officials": {"r": 0.67}}},
     ["officials R 0.667 < threshold 0.670 on test"]),
    ("attribute below", {"attributes": {"officials.organization": 0.75}},
     ["officials.organization accuracy 0.50 < threshold 0.75 on test"]),
    ("attribute passes", {"attributes": {"officials.title": 1.0}}, []),
    ("spans at the maximum pass", {"spans_micro_overlap_f1": 1.0}, []),
    ("table with no rows fails", {"records": {"dates": {"f1": 0.1}}},
     ["dates F1 0.00 < threshold 0.10 on test"]),
    ("several failures in order",
     {"records": {"officials": {"f1": 0.9}}, "attributes": {"officials.organization": 0.6}},
     ["officials F1 0.80 < threshold 0.90 on test",
      "officials.organization accuracy 0.50 < threshold 0.60 on test"]),
]


@pytest.mark.parametrize(
    ("thresholds", "expected"),
    [case[1:] for case in THRESHOLD_CASES],
    ids=[case[0] for case in THRESHOLD_CASES],
)
def test_report_check_thresholds(thresholds: dict[str, Any], expected: list[str]) -> None:
    assert check_thresholds(_metrics(), {"split": "test", **thresholds}) == expected


def test_report_check_thresholds_spans_failure_sentence() -> None:
    metrics = _metrics()
    metrics["splits"]["test"]["systems"]["pipeline"]["spans"]["overlap"]["micro"]["f1"] = 0.5
    failures = check_thresholds(metrics, {"split": "test", "spans_micro_overlap_f1": 0.75})
    assert failures == ["span micro overlap F1 0.50 < threshold 0.75 on test"]


def test_report_check_thresholds_missing_split_is_a_failure() -> None:
    failures = check_thresholds(_metrics(), {"split": "dev", "records": {"officials": {"f1": 0.0}}})
    assert failures == ["split dev has no pipeline metrics to check thresholds against"]


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        ({"split": "test", "record": {}}, "unknown keys"),
        ({"records": {}}, "'split'"),
        ({"split": "test", "records": {"officers": {"f1": 0.5}}}, "unknown table"),
        ({"split": "test", "records": {"officials": {"accuracy": 0.5}}}, "unknown metric"),
        ({"split": "test", "attributes": {"officials.rank": 0.5}}, "unknown attribute"),
        ({"split": "test", "attributes": {"title": 0.5}}, "unknown attribute"),
        ({"split": "test", "records": {"officials": {"f1": "0.5"}}}, "between 0 and 1"),
        ({"split": "test", "spans_micro_overlap_f1": 1.5}, "between 0 and 1"),
        ({"split": "test", "spans_micro_overlap_f1": True}, "between 0 and 1"),
    ],
)
def test_report_thresholds_validation_fails_loudly(thresholds: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_thresholds(thresholds)


def test_report_load_thresholds_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps({"split": "test", "records": {"officials": {"f1": 0.95}}}))
    assert check_thresholds(_metrics(), load_thresholds(path)) == [
        "officials F1 0.80 < threshold 0.95 on test"
    ]


def test_report_repository_thresholds_are_valid_and_catch_regressions() -> None:
    thresholds = load_thresholds(REPO_THRESHOLDS)
    assert thresholds["split"] == "test"
    assert "_comment" in thresholds
    # The committed minimums are real: the small hand-made metrics fall below them.
    assert check_thresholds(_metrics(), thresholds) != []


@pytest.mark.parametrize(
    ("failures", "expected"),
    [
        ([], "all thresholds met"),
        (["a < b on test"], "thresholds not met:\n  - a < b on test"),
    ],
)
def test_report_summarize_failures(failures: list[str], expected: str) -> None:
    assert summarize_failures(failures) == expected
