"""Label map: the model's labels onto ours, read from patterns/label_map.csv."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc, Span

from pipeline.components.label_map import LabelMapper, map_entities, read_label_map
from pipeline.labels import LABELS
from pipeline.rules import RuleError

NLP = spacy.blank("en")


def test_label_map_repository_table_targets_known_labels() -> None:
    mapping = read_label_map()
    assert mapping, "patterns/label_map.csv is empty"
    assert set(mapping.values()) <= set(LABELS)


@pytest.mark.parametrize(
    ("model_label", "expected"),
    [("ORG", "INSTITUTION"), ("PERSON", "PERSON"), ("GPE", "GPE"), ("LOC", "GPE"), ("DATE", "DATE"),
     ("NORP", None), ("CARDINAL", None), ("WORK_OF_ART", None)],
)
def test_label_map_repository_table(model_label: str, expected: str | None) -> None:
    assert read_label_map().get(model_label) == expected


def test_label_map_reads_a_table(tmp_path: Path) -> None:
    path = tmp_path / "label_map.csv"
    path.write_text("model_label,label\nORG,INSTITUTION\nFAC,INSTITUTION\n", encoding="utf8")
    assert read_label_map(str(path)) == {"ORG": "INSTITUTION", "FAC": "INSTITUTION"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("model_label,label\nORG,COMPANY\n", "unknown target labels"),
        ("model,label\nORG,INSTITUTION\n", "header"),
    ],
)
def test_label_map_rejects_bad_tables(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "label_map.csv"
    path.write_text(content, encoding="utf8")
    with pytest.raises(RuleError, match=message):
        read_label_map(str(path))


def _doc_with_ents(words: list[str], ents: list[tuple[int, int, str]]) -> Doc:
    doc = Doc(NLP.vocab, words=words)
    doc.ents = [Span(doc, start, end, label=label) for start, end, label in ents]
    return doc


def test_label_map_map_entities_relabels_and_drops() -> None:
    doc = _doc_with_ents(["Heihe", "University", "hosted", "three", "Russian", "teachers"],
                         [(0, 2, "ORG"), (3, 4, "CARDINAL"), (4, 5, "NORP")])
    mapped = map_entities(doc.ents, {"ORG": "INSTITUTION"})
    assert [(e.text, e.label_) for e in mapped] == [("Heihe University", "INSTITUTION")]


def test_label_map_component_sets_ents(tmp_path: Path) -> None:
    mapper = LabelMapper("label_map")
    mapper.initialize(mapping={"ORG": "INSTITUTION", "LOC": "GPE"})
    doc = mapper(_doc_with_ents(["Amur", "region", "and", "Jilin", "University"], [(0, 1, "LOC"), (3, 5, "ORG")]))
    assert [(e.text, e.label_) for e in doc.ents] == [("Amur", "GPE"), ("Jilin University", "INSTITUTION")]
    mapper.to_disk(tmp_path)
    assert LabelMapper("label_map").from_disk(tmp_path).rules == mapper.rules
