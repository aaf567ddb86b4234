"""Rule files: every entity pattern file loads, ids are unique, labels are known; the loader is strict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from pipeline.labels import ENTITY_PATTERN_FILES, LABELS
from pipeline.rules import PATTERNS_DIR, RuleError, entity_patterns, read_csv_table, read_jsonl_patterns

#: Token attributes that need a tagger; patterns using them are not tried on a blank pipeline.
_MODEL_ATTRS = {"POS", "TAG", "MORPH", "LEMMA", "DEP", "ENT_TYPE"}


@pytest.mark.parametrize("name", ENTITY_PATTERN_FILES)
def test_rules_entity_pattern_file_loads(name: str) -> None:
    patterns = read_jsonl_patterns(PATTERNS_DIR / name, LABELS)
    assert patterns, f"{name} has no patterns"
    assert all(pattern["label"] in LABELS for pattern in patterns)


def test_rules_pattern_ids_unique_across_files() -> None:
    ids = [pattern["id"] for pattern in entity_patterns()]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, duplicates


def test_rules_entity_patterns_reads_every_listed_file() -> None:
    counted = sum(len(read_jsonl_patterns(PATTERNS_DIR / name, LABELS)) for name in ENTITY_PATTERN_FILES)
    assert len(entity_patterns()) == counted


def _blank_ruler_for(name: str) -> spacy.language.Language:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": "test", "phrase_matcher_attr": "LOWER"})
    usable = [
        p for p in read_jsonl_patterns(PATTERNS_DIR / name, LABELS)
        if isinstance(p["pattern"], str) or not any(set(token) & _MODEL_ATTRS for token in p["pattern"])
    ]
    ruler.add_patterns(usable)
    return nlp


@pytest.mark.parametrize(
    ("name", "text", "label", "expected"),
    [
        ("titles.jsonl", "met Deputy Director Zhou", "TITLE", "Deputy Director"),
        ("titles.jsonl", "the vice-rector said", "TITLE", "vice-rector"),
        ("titles.jsonl", "Consul General Ivanov", "TITLE", "Consul General"),
        ("titles.jsonl", "the Party Secretary spoke", "TITLE", "Party Secretary"),
        ("titles.jsonl", "its chairman of the board spoke", "TITLE", "chairman of the board"),
        ("titles.jsonl", "a teacher of Chinese came", "TITLE", "teacher of Chinese"),
        ("titles.jsonl", "the Minister-Counsellor of the embassy", "TITLE", "Minister-Counsellor"),
        ("persons.jsonl", "rector Yu.V. Skolubovich said", "PERSON", "Yu.V. Skolubovich"),
        ("persons.jsonl", "and Serdechkin Yu.V. signed", "PERSON", "Serdechkin Yu.V."),
        ("institutions.jsonl", "at Laiwu No. 17 Middle School today", "INSTITUTION", "Laiwu No. 17 Middle School"),
        ("institutions.jsonl", "head of Kindergarten No. 5 of Blagoveshchensk .", "INSTITUTION",
         "Kindergarten No. 5 of Blagoveshchensk"),
        ("institutions.jsonl", "of the Special Economic Zone \"Lipetsk\" and", "INSTITUTION",
         "Special Economic Zone \"Lipetsk\""),
        ("institutions.jsonl", "Chairman of Jilin Liangyuan Food Co., Ltd. said", "INSTITUTION",
         "Jilin Liangyuan Food Co., Ltd."),
        ("institutions.jsonl", "the Consulate General of the People's Republic of China in Irkutsk hosted",
         "INSTITUTION", "Consulate General of the People's Republic of China in Irkutsk"),
    ],
)
def test_rules_pattern_examples_match(name: str, text: str, label: str, expected: str) -> None:
    doc = _blank_ruler_for(name)(text)
    matched = {(span.text, span.label_) for span in doc.spans["test"]}
    assert (expected, label) in matched, sorted(matched)


@pytest.mark.parametrize(
    ("name", "text", "wrong"),
    [
        ("persons.jsonl", "and Serdechkin Yu.V. The rector", "Yu.V. The"),
        ("titles.jsonl", "Professor Gao Jianhua came", "Professor"),
    ],
)
def test_rules_pattern_examples_do_not_match(name: str, text: str, wrong: str) -> None:
    doc = _blank_ruler_for(name)(text)
    assert wrong not in {span.text for span in doc.spans["test"]}


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "rules.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    return path


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "x", "label": "TITLE", "pattern": "mayor", "comment": "no"}', "unknown keys"),
        ('{"id": "x", "label": "TITLE"}', "missing"),
        ('{"id": "x", "label": "JOB", "pattern": "mayor"}', "label 'JOB'"),
        ('{"id": "x", "label": "TITLE", "pattern": [{"LOWR": "mayor"}]}', "invalid token pattern"),
        ('{"id": "x", "label": "TITLE", "pattern": 5}', "token list or a phrase"),
        ('{"id": "x", "label": "TITLE", ', "not valid JSON"),
    ],
)
def test_rules_read_jsonl_patterns_rejects(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        read_jsonl_patterns(_write(tmp_path, [line]), LABELS)


def test_rules_read_jsonl_patterns_skips_blank_lines_and_names_the_line(tmp_path: Path) -> None:
    good = json.dumps({"id": "a", "label": "TITLE", "pattern": "mayor"})
    path = _write(tmp_path, [good, "", '{"id": "b", "label": "NOPE", "pattern": "x"}'])
    with pytest.raises(RuleError, match=r"rules\.jsonl:3"):
        read_jsonl_patterns(path, LABELS)
    assert read_jsonl_patterns(_write(tmp_path, [good, ""]), LABELS) == [json.loads(good)]


def test_rules_read_csv_table_checks_header(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    path.write_text("a,b\n1,2\n", encoding="utf8")
    assert read_csv_table(path, ("a", "b")) == [{"a": "1", "b": "2"}]
    with pytest.raises(RuleError, match="header"):
        read_csv_table(path, ("a", "c"))
