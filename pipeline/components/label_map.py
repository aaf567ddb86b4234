"""Map the statistical NER's labels onto ours and drop the ones we do not use."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry

from pipeline.components.base import RulesComponent
from pipeline.labels import FACTORY_LABEL_MAP, LABEL_MAP_FILE, LABELS
from pipeline.rules import PATTERNS_DIR, RuleError, read_csv_table


@registry.misc("cnru.label_map.v1")
def read_label_map(path: str = str(PATTERNS_DIR / LABEL_MAP_FILE)) -> dict[str, str]:
    """Read patterns/label_map.csv: model_label -> one of our labels."""
    from pathlib import Path

    rows = read_csv_table(Path(path), ("model_label", "label"))
    mapping = {row["model_label"]: row["label"] for row in rows}
    bad = sorted(set(mapping.values()) - set(LABELS))
    if bad:
        raise RuleError(f"{path}: unknown target labels {bad}")
    return mapping


def map_entities(ents: Iterable[Span], mapping: dict[str, str]) -> list[Span]:
    """Relabel entities through ``mapping``; entities whose label is not mapped are dropped."""
    return [
        Span(ent.doc, ent.start, ent.end, label=mapping[ent.label_])
        for ent in ents
        if ent.label_ in mapping
    ]


class LabelMapper(RulesComponent):
    """Relabels ``doc.ents`` (e.g. ORG -> INSTITUTION); sets no ``._`` attributes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rules: dict[str, str] = {}

    def initialize(self, get_examples: Callable | None = None, *, nlp: Language | None = None,
                   mapping: dict[str, str] | None = None) -> None:
        self.rules = dict(mapping if mapping is not None else read_label_map())

    def __call__(self, doc: Doc) -> Doc:
        doc.ents = map_entities(doc.ents, self.rules)
        return doc


@Language.factory(
    FACTORY_LABEL_MAP,
    default_config={},
    assigns=["doc.ents"],
    requires=["doc.ents"],
)
def make_label_mapper(nlp: Language, name: str) -> LabelMapper:
    return LabelMapper(name)
