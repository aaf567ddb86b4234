"""Every ingest rule file loads and validates; malformed rule files fail loudly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.ingest import boilerplate, decode, metadata
from pipeline.ingest.ruledata import PATTERNS_DIR, KindSpec, PatternFileError, load_rules

INGEST_FILES = [
    (boilerplate.BOILERPLATE_FILE, boilerplate.BOILERPLATE_KINDS),
    (metadata.PUBLICATION_DATES_FILE, metadata.PUBLICATION_DATE_KINDS),
    (decode.SIGNATURES_FILE, decode.SIGNATURE_KINDS),
]


@pytest.mark.parametrize(("path", "kinds"), INGEST_FILES, ids=lambda value: getattr(value, "name", ""))
def test_ruledata_ingest_files_load(path: Path, kinds: dict[str, KindSpec]) -> None:
    assert path.parent == PATTERNS_DIR
    rules = load_rules(path, kinds)
    assert rules
    assert all(rule.fields["note"].strip() for rule in rules)


def test_ruledata_compiled_rule_sets_are_complete() -> None:
    loaded = boilerplate.rules()
    assert loaded.line and loaded.tail and loaded.trailing and loaded.title_suffix
    dates = metadata.rules()
    assert dates.stamps and dates.rewrites and dates.contexts
    assert any(sig.encoding for sig in decode.signatures())


KINDS = {"line": KindSpec(required={"regex": str}, optional={"flags": str, "max_len": int})}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "a", "kind": "line", "regex": "x", "note": "n", "colour": "red"}', "unknown keys ['colour']"),
        ('{"id": "a", "kind": "line", "note": "n"}', "missing keys ['regex']"),
        ('{"id": "a", "kind": "word", "regex": "x", "note": "n"}', "unknown kind 'word'"),
        ('{"id": "a", "kind": "line", "regex": "x"}', "'note'"),
        ('{"id": "a", "kind": "line", "regex": "(", "note": "n"}', "invalid regex"),
        ('{"id": "a", "kind": "line", "regex": "{{NOPE}}", "note": "n"}', "unknown macro"),
        ('{"id": "a", "kind": "line", "regex": "x", "note": "n", "max_len": "9"}', "'max_len' has type str"),
        ('{"id": "a", "kind": "line", "regex": "x", "note": "n", "max_len": true}', "'max_len' has type bool"),
        ('{"id": "a", "kind": "line", "regex": "x", "note": "n", "flags": "q"}', "flags 'q'"),
        (
            '{"id": "a", "kind": "line", "regex": "x", "note": "n"}\n{"id": "a", "kind": "line", "regex": "y", "note": "n"}',
            "duplicate id 'a'",
        ),
        ('{"id": "lower", "kind": "macro", "regex": "x", "note": "n"}', "UPPER_CASE"),
        ("not json", "not valid JSON"),
        ('["id"]', "expected a JSON object"),
    ],
)
def test_ruledata_rejects_malformed_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "rules.jsonl"
    path.write_text(content + "\n", encoding="utf-8")
    with pytest.raises(PatternFileError, match=re.escape(message)) as info:
        load_rules(path, KINDS)
    assert str(path) in str(info.value)


def test_ruledata_expands_macros(tmp_path: Path) -> None:
    path = tmp_path / "rules.jsonl"
    path.write_text(
        '{"id": "CITY", "kind": "macro", "regex": "harbin|omsk", "note": "n"}\n'
        '{"id": "visit", "kind": "line", "regex": "^{{CITY}} visit$", "flags": "i", "note": "n"}\n',
        encoding="utf-8",
    )
    (rule,) = load_rules(path, KINDS)
    assert rule.regex is not None
    assert rule.regex.search("Omsk visit") and not rule.regex.search("Omsk visitors")
