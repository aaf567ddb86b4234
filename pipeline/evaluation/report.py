"""Turn evaluation metrics into a Markdown report, a terminal table and threshold verdicts.

``metrics`` is the dict ``pipeline.evaluation.evaluate`` writes to ``metrics.json``::

    {"matching_rules": {...},
     "systems": {"combined": {"description": "...", "config": "...", "available": true,
                              "reason": null, "speed": {"words_per_second": 5400.0, ...}}, ...},
     "selection": {"split": "dev", "criterion": "...", "scores": {...}, "best": "combined",
                   "default_same_as": ["combined"], "default_is_best": true, ...},
     "splits": {"test": {"n_articles": 12, "gold_sha256": "...",
                         "systems": {"pipeline": <scorer.score() + records_micro>,
                                     "baseline": <...>, "combined": <...>, ...},
                         "pipeline_rejects": [...], ...}}}

``systems`` and ``selection`` are optional: without them the report compares the pipeline
with the baseline only. The systems table (one row per system: span and record micro F1 on
every split, words/s) comes first; the detailed tables below it are pipeline vs baseline.

Thresholds (``seeds/gold/thresholds.json``) are minimums for the pipeline on one split::

    {"split": "test",
     "records": {"officials": {"f1": 0.9}, ...},          # p, r or f1 per scored table
     "attributes": {"officials.title": 0.8, ...},         # attribute accuracy, "table.attr"
     "spans_micro_overlap_f1": 0.7}

A value equal to its threshold passes. Unknown keys raise ValueError: a misspelt
threshold must not silently pass.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.evaluation.scorer import MICRO, SCORED_TABLES, TABLE_RULES, prf

PIPELINE = "pipeline"
BASELINE = "baseline"
MISSING = "–"

_THRESHOLD_KEYS = {"_comment", "split", "records", "attributes", "spans_micro_overlap_f1"}
_RECORD_METRICS = {"p": "P", "r": "R", "f1": "F1"}


# ---------------------------------------------------------------------------------------
# Lookups that tolerate a missing system or split


def _system(split_metrics: Mapping[str, Any], system: str) -> Mapping[str, Any] | None:
    return split_metrics.get("systems", {}).get(system)


def _get(tree: Mapping[str, Any] | None, *path: str) -> Any:
    """The value at ``path`` in nested dicts, None when any step is missing."""
    node: Any = tree
    for step in path:
        if not isinstance(node, Mapping) or step not in node:
            return None
        node = node[step]
    return node


def _num(value: Any, digits: int = 3) -> str:
    return MISSING if value is None else f"{value:.{digits}f}"


def _delta(ours: Any, theirs: Any, digits: int = 3) -> str:
    if ours is None or theirs is None:
        return MISSING
    return f"{ours - theirs:+.{digits}f}"


def _span_labels(split_metrics: Mapping[str, Any], mode: str) -> list[str]:
    """Labels in the order the first system reports them (micro last)."""
    labels: list[str] = []
    for system in (PIPELINE, BASELINE):
        for label in _get(_system(split_metrics, system), "spans", mode) or {}:
            if label not in labels and label != MICRO:
                labels.append(label)
    return labels + [MICRO]


# ---------------------------------------------------------------------------------------
# Markdown


def render_markdown(metrics: Mapping[str, Any]) -> str:
    """The full report: the systems table, then per split span and record tables for
    pipeline vs baseline."""
    lines = ["# Evaluation report", ""]
    lines.append(
        "Pipeline against the stock `en_core_web_sm` baseline on the hand-annotated gold set. "
        "Δ = pipeline − baseline."
    )
    if len(_system_names(metrics)) > 2 or metrics.get("systems"):
        lines += ["", *_markdown_systems(metrics)]
    for split, split_metrics in metrics.get("splits", {}).items():
        lines += ["", *_markdown_split(split, split_metrics)]
    rules = metrics.get("matching_rules")
    if rules:
        lines += ["", "## Matching rules", ""]
        for group, group_rules in rules.items():
            for name, rule in group_rules.items():
                lines.append(f"- **{group}.{name}**: {rule}")
    return "\n".join(lines) + "\n"


def _markdown_split(split: str, split_metrics: Mapping[str, Any]) -> list[str]:
    lines = [f"## Split `{split}`", ""]
    lines.append(
        f"{split_metrics.get('n_articles', MISSING)} gold articles; gold data sha256 "
        f"`{split_metrics.get('gold_sha256', MISSING)}`."
    )
    rejects = split_metrics.get("pipeline_rejects") or []
    lines.append(f"Articles the pipeline rejected (scored as empty predictions): {len(rejects)}.")
    for reject in rejects:
        lines.append(f"- `{reject.get('id')}`: {reject.get('reason')} ({reject.get('detail')})")
    for mode in ("exact", "overlap"):
        lines += ["", f"### Spans, {mode} match", "", *_markdown_span_table(split_metrics, mode)]
    lines += ["", "### Records", "", *_markdown_record_table(split_metrics)]
    lines += ["", "### Attribute accuracy (over matched pairs)", ""]
    lines += _markdown_attribute_table(split_metrics)
    return lines


def _markdown_span_table(split_metrics: Mapping[str, Any], mode: str) -> list[str]:
    lines = [
        "| Label | Gold | Pipeline P | Pipeline R | Pipeline F1 "
        "| Baseline P | Baseline R | Baseline F1 | ΔF1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [(label, ("spans", mode, label)) for label in _span_labels(split_metrics, mode)]
    if mode == "exact":
        rows.append(("unlabelled (boundaries only)", ("spans", "unlabelled", MICRO)))
    for name, path in rows:
        ours = _get(_system(split_metrics, PIPELINE), *path) or {}
        theirs = _get(_system(split_metrics, BASELINE), *path) or {}
        n_gold = ours.get("n_gold", theirs.get("n_gold"))
        lines.append(
            f"| {name} | {MISSING if n_gold is None else n_gold} "
            f"| {_num(ours.get('p'))} | {_num(ours.get('r'))} | {_num(ours.get('f1'))} "
            f"| {_num(theirs.get('p'))} | {_num(theirs.get('r'))} | {_num(theirs.get('f1'))} "
            f"| {_delta(ours.get('f1'), theirs.get('f1'))} |"
        )
    return lines


def _markdown_record_table(split_metrics: Mapping[str, Any]) -> list[str]:
    lines = [
        "| Table | System | Gold | Predicted | TP | P | R | F1 |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for table in SCORED_TABLES:
        ours = _get(_system(split_metrics, PIPELINE), "records", table)
        theirs = _get(_system(split_metrics, BASELINE), "records", table)
        for system, values in ((PIPELINE, ours), (BASELINE, theirs)):
            if values is None:
                continue
            lines.append(
                f"| {table} | {system} | {values['n_gold']} | {values['n_pred']} "
                f"| {values['tp']} | {_num(values['p'])} | {_num(values['r'])} "
                f"| {_num(values['f1'])} |"
            )
        if ours is not None and theirs is not None:
            lines.append(
                f"| {table} | Δ | | | | {_delta(ours['p'], theirs['p'])} "
                f"| {_delta(ours['r'], theirs['r'])} | {_delta(ours['f1'], theirs['f1'])} |"
            )
    return lines


def _markdown_attribute_table(split_metrics: Mapping[str, Any]) -> list[str]:
    lines = [
        "| Attribute | Pipeline accuracy | Pipeline pairs | Baseline accuracy "
        "| Baseline pairs | Δ |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for table in SCORED_TABLES:
        for attribute in TABLE_RULES[table].attributes:
            ours, ours_n = _attribute(split_metrics, PIPELINE, table, attribute)
            theirs, theirs_n = _attribute(split_metrics, BASELINE, table, attribute)
            lines.append(
                f"| {table}.{attribute} | {_num(ours)} | {ours_n} | {_num(theirs)} "
                f"| {theirs_n} | {_delta(ours, theirs)} |"
            )
    return lines


def _attribute(
    split_metrics: Mapping[str, Any], system: str, table: str, attribute: str
) -> tuple[float | None, str]:
    records = _get(_system(split_metrics, system), "records", table)
    if records is None:
        return None, MISSING
    n = _get(records, "attribute_counts", attribute, "n")
    if not n:
        # Accuracy over no pairs is 0.0 in the metrics; a dash says "not measured" instead.
        return None, "0" if n == 0 else MISSING
    return _get(records, "attributes", attribute), str(n)


# ---------------------------------------------------------------------------------------
# Systems: one row per system, micro F1 per split, words/s


def records_micro(system_metrics: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """Record micro P/R/F1 of a system (stored by evaluate, else summed from the tables)."""
    if system_metrics is None:
        return None
    if system_metrics.get("records_micro") is not None:
        return system_metrics["records_micro"]
    tables = [_get(system_metrics, "records", table) or {} for table in SCORED_TABLES]
    return prf(*(sum(int(t.get(key, 0)) for t in tables) for key in ("tp", "fp", "fn")))


def _system_names(metrics: Mapping[str, Any]) -> list[str]:
    """Systems in the order evaluate listed them, then any others the splits hold."""
    names = list(metrics.get("systems", {}))
    for split_metrics in metrics.get("splits", {}).values():
        for name in split_metrics.get("systems", {}):
            if name not in names:
                names.append(name)
    return names


def _words_per_second(metrics: Mapping[str, Any], name: str) -> str:
    value = _get(metrics, "systems", name, "speed", "words_per_second")
    return MISSING if value is None else f"{value:,.0f}"


def _system_label(metrics: Mapping[str, Any], name: str) -> str:
    """The system name, marked when it is the default or the best on the selection split."""
    selection = metrics.get("selection") or {}
    marks = []
    if name == PIPELINE and selection.get("default_same_as"):
        marks.append("= " + ", ".join(selection["default_same_as"]))
    if name == selection.get("best"):
        marks.append(f"best on {selection.get('split')}")
    return f"{name} ({'; '.join(marks)})" if marks else name


def _markdown_systems(metrics: Mapping[str, Any]) -> list[str]:
    splits = list(metrics.get("splits", {}))
    header = ["System", "What"]
    for split in splits:
        header += [f"{split} spans F1 exact", f"{split} spans F1 overlap", f"{split} records F1"]
    header += ["selection score", "words/s"]
    lines = ["## Systems", ""]
    lines.append(
        "Span level: micro F1 over all labels (exact: same start, end and label; overlap: same "
        "label, shared characters). Record level: micro F1 over the rows of every scored table. "
        "Words/s: each system on the same cleaned gold texts in the same run "
        f"({_speed_words(metrics)} words, the texts repeated; best of {_speed_repeat(metrics)} "
        "passes; the pipelines include building the table rows)."
    )
    lines += ["", "| " + " | ".join(header) + " |", "|---|---|" + "---:|" * (len(header) - 2)]
    selection = metrics.get("selection") or {}
    for name in _system_names(metrics):
        info = _get(metrics, "systems", name) or {}
        what = info.get("description", "")
        if info and not info.get("available", True):
            lines.append(f"| {name} | {what}: not scored, {info.get('reason')} |" + f" {MISSING} |" * (len(header) - 2))
            continue
        cells = [_system_label(metrics, name), what]
        for split in splits:
            system = _get(metrics, "splits", split, "systems", name)
            cells += [
                _num(_get(system, "spans", "exact", MICRO, "f1")),
                _num(_get(system, "spans", "overlap", MICRO, "f1")),
                _num(_get(records_micro(system), "f1")),
            ]
        cells += [_num(_get(selection, "scores", name)), _words_per_second(metrics, name)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", *_selection_sentences(metrics)]
    for split in splits:
        lines += ["", f"### Record F1 by table, split `{split}`", "", *_markdown_tables_by_system(metrics, split)]
    return lines


def _speed_words(metrics: Mapping[str, Any]) -> str:
    counts = {_get(info, "speed", "words") for info in metrics.get("systems", {}).values()} - {None}
    return "/".join(f"{count:,}" for count in sorted(counts)) or MISSING


def _speed_repeat(metrics: Mapping[str, Any]) -> str:
    repeats = {_get(info, "speed", "repeat") for info in metrics.get("systems", {}).values()} - {None}
    return "/".join(str(r) for r in sorted(repeats)) or MISSING


def _selection_sentences(metrics: Mapping[str, Any]) -> list[str]:
    """What the selection found, in words."""
    selection = metrics.get("selection") or {}
    best = selection.get("best")
    if not best:
        return ["No selection: the selection split was not evaluated."]
    scores = selection.get("scores", {})
    lines = [
        f"Selection on `{selection.get('split')}` by {selection.get('criterion')}: best default "
        f"candidate **{best}** ({_num(scores.get(best))})."
    ]
    if selection.get("default_is_best") is True:
        same = ", ".join(selection.get("default_same_as") or []) or "no variant"
        lines.append(f"The default pipeline scores as well ({_num(scores.get(PIPELINE))}; same output as {same}).")
    elif selection.get("default_is_best") is False:
        lines.append(
            f"**The default pipeline scores less ({_num(scores.get(PIPELINE))}): "
            f"core.cfg should become {best}.**"
        )
    for name in selection.get("optional_better") or []:
        lines.append(f"Optional profile {name} scores higher ({_num(scores.get(name))}) but needs an extra install.")
    return [" ".join(lines)]


def _markdown_tables_by_system(metrics: Mapping[str, Any], split: str) -> list[str]:
    lines = [
        "| System | " + " | ".join(SCORED_TABLES) + " | spans F1 exact |",
        "|---|" + "---:|" * (len(SCORED_TABLES) + 1),
    ]
    for name in _system_names(metrics):
        system = _get(metrics, "splits", split, "systems", name)
        if system is None:
            continue
        cells = [_num(_get(system, "records", table, "f1")) for table in SCORED_TABLES]
        cells.append(_num(_get(system, "spans", "exact", MICRO, "f1")))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def render_systems_terminal(metrics: Mapping[str, Any]) -> str:
    """Fixed-width systems table: span exact / record micro F1 per split, words/s."""
    splits = list(metrics.get("splits", {}))
    width = 14
    header = f"{'system':<{width}}" + "".join(f"{split + ' spans':>12}{split + ' records':>14}" for split in splits)
    header += f"{'words/s':>10}"
    rows = [header, "-" * len(header)]
    for name in _system_names(metrics):
        info = _get(metrics, "systems", name) or {}
        if info and not info.get("available", True):
            rows.append(f"{name:<{width}}  not scored: {info.get('reason')}")
            continue
        cells = ""
        for split in splits:
            system = _get(metrics, "splits", split, "systems", name)
            cells += f"{_num(_get(system, 'spans', 'exact', MICRO, 'f1')):>12}"
            cells += f"{_num(_get(records_micro(system), 'f1')):>14}"
        rows.append(f"{name:<{width}}{cells}{_words_per_second(metrics, name):>10}")
    rows += _selection_sentences(metrics)
    return "\n".join(row.rstrip() for row in rows) + "\n"


# ---------------------------------------------------------------------------------------
# Terminal

_NAME_WIDTH = 26
_CELL = 7


def render_terminal(metrics: Mapping[str, Any]) -> str:
    """A compact fixed-width P/R/F1 table per split (fits 100 columns)."""
    blocks = [_terminal_split(split, m) for split, m in metrics.get("splits", {}).items()]
    return "\n\n".join(blocks) + "\n"


def _terminal_split(split: str, split_metrics: Mapping[str, Any]) -> str:
    title = f"{split} ({split_metrics.get('n_articles', '?')} articles)"
    header_1 = (
        f"{title:<{_NAME_WIDTH}}"
        f"{'pipeline':^{3 * _CELL}} {'baseline':^{3 * _CELL}} {'':>{_CELL}}"
    )
    cells = "".join(f"{name:>{_CELL}}" for name in ("P", "R", "F1"))
    header_2 = f"{'':<{_NAME_WIDTH}}{cells} {cells} {'ΔF1':>{_CELL}}"
    rows = [header_1, header_2, "-" * len(header_2)]
    entries = [(table, ("records", table)) for table in SCORED_TABLES]
    entries += [
        ("spans micro (overlap)", ("spans", "overlap", MICRO)),
        ("spans micro (exact)", ("spans", "exact", MICRO)),
    ]
    for name, path in entries:
        ours = _get(_system(split_metrics, PIPELINE), *path) or {}
        theirs = _get(_system(split_metrics, BASELINE), *path) or {}
        ours_cells = "".join(f"{_num(ours.get(k)):>{_CELL}}" for k in ("p", "r", "f1"))
        theirs_cells = "".join(f"{_num(theirs.get(k)):>{_CELL}}" for k in ("p", "r", "f1"))
        rows.append(
            f"{name:<{_NAME_WIDTH}}{ours_cells} {theirs_cells} "
            f"{_delta(ours.get('f1'), theirs.get('f1')):>{_CELL}}"
        )
    return "\n".join(row.rstrip() for row in rows)


# ---------------------------------------------------------------------------------------
# Thresholds


def load_thresholds(path: Path) -> dict[str, Any]:
    """Read and validate a thresholds file (see the module docstring for the format)."""
    thresholds = json.loads(Path(path).read_text(encoding="utf-8"))
    validate_thresholds(thresholds)
    return thresholds


def validate_thresholds(thresholds: Mapping[str, Any]) -> None:
    """Raise ValueError on an unknown key, table, metric or attribute, or a non-number."""
    unknown = set(thresholds) - _THRESHOLD_KEYS
    if unknown:
        raise ValueError(f"thresholds: unknown keys {sorted(unknown)}")
    if not isinstance(thresholds.get("split"), str):
        raise ValueError("thresholds: 'split' must name the split the minimums apply to")
    for table, minimums in (thresholds.get("records") or {}).items():
        if table not in TABLE_RULES:
            raise ValueError(f"thresholds: unknown table {table!r}")
        for metric, value in minimums.items():
            if metric not in _RECORD_METRICS:
                raise ValueError(f"thresholds: unknown metric {table}.{metric!r} (use p, r, f1)")
            _check_number(f"records.{table}.{metric}", value)
    for name, value in (thresholds.get("attributes") or {}).items():
        table, _, attribute = name.partition(".")
        if table not in TABLE_RULES or attribute not in TABLE_RULES[table].attributes:
            raise ValueError(f"thresholds: unknown attribute {name!r} (use 'table.attribute')")
        _check_number(f"attributes.{name}", value)
    if "spans_micro_overlap_f1" in thresholds:
        _check_number("spans_micro_overlap_f1", thresholds["spans_micro_overlap_f1"])


def _check_number(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"thresholds: {name} must be a number between 0 and 1, got {value!r}")


def check_thresholds(metrics: Mapping[str, Any], thresholds: Mapping[str, Any]) -> list[str]:
    """Every pipeline number below its minimum, as a sentence; [] when all pass."""
    validate_thresholds(thresholds)
    split = thresholds["split"]
    pipeline = _get(metrics, "splits", split, "systems", PIPELINE)
    if pipeline is None:
        return [f"split {split} has no pipeline metrics to check thresholds against"]
    checks: list[tuple[str, float | None, float]] = []
    for table, minimums in (thresholds.get("records") or {}).items():
        for metric, minimum in minimums.items():
            value = _get(pipeline, "records", table, metric)
            checks.append((f"{table} {_RECORD_METRICS[metric]}", value, minimum))
    for name, minimum in (thresholds.get("attributes") or {}).items():
        table, _, attribute = name.partition(".")
        value = _get(pipeline, "records", table, "attributes", attribute)
        checks.append((f"{name} accuracy", value, minimum))
    if "spans_micro_overlap_f1" in thresholds:
        value = _get(pipeline, "spans", "overlap", MICRO, "f1")
        checks.append(("span micro overlap F1", value, thresholds["spans_micro_overlap_f1"]))
    return [_failure(what, value, minimum, split) for what, value, minimum in checks
            if value is None or value < minimum]


def _failure(what: str, value: float | None, minimum: float, split: str) -> str:
    if value is None:
        return f"{what} is missing from the metrics (threshold {minimum:.2f}) on {split}"
    digits = 2
    # Two decimals can print a failing 0.899 as "0.90 < 0.90"; show more until they differ.
    while digits < 6 and f"{value:.{digits}f}" == f"{minimum:.{digits}f}":
        digits += 1
    return f"{what} {value:.{digits}f} < threshold {minimum:.{digits}f} on {split}"


def summarize_failures(failures: Sequence[str]) -> str:
    """One block of text for the terminal: 'all thresholds met' or one failure a line."""
    if not failures:
        return "all thresholds met"
    return "thresholds not met:\n" + "\n".join(f"  - {failure}" for failure in failures)
