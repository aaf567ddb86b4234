"""Prefiltered span ruler: the stock span ruler's spans, from the patterns a doc can match."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language
from spacy.pipeline import SpanRuler
from spacy.tokens import Doc

from pipeline.components.span_ruler import PrefilteredSpanRuler
from pipeline.labels import FACTORY_SPAN_RULER
from pipeline.nlp import BASE_MODEL
from pipeline.rules import entity_patterns

TEXTS = [
    "On May 12, Rector Ivan Petrov of Krasnoyarsk State University led a delegation to Harbin.",
    "Ambassador Extraordinary and Plenipotentiary Zhang Hanhui met the Consul-General of Russia.",
    "The two sides signed a memorandum of understanding and a protocol of intentions.",
    "Yu.V. Skolubovich, Deputy Head of the Department of Education of Harbin No. 3 Middle School",
    "",
    "   ",
]


def _rulers(patterns: list[dict], nlp: Language | None = None) -> tuple[SpanRuler, PrefilteredSpanRuler]:
    nlp = nlp or spacy.blank("en")
    stock = SpanRuler(nlp, "stock", phrase_matcher_attr="LOWER")
    ours = PrefilteredSpanRuler(nlp, "ours", phrase_matcher_attr="LOWER")
    stock.add_patterns(patterns)
    ours.add_patterns(patterns)
    return stock, ours


def _spans(ruler: SpanRuler, doc: Doc) -> list[tuple[int, int, str, str]]:
    return [(s.start, s.end, s.label_, s.id_) for s in ruler.match(doc)]


@pytest.fixture(scope="module")
def tagger() -> Language:
    """The base model's tagger and attribute ruler (some patterns read POS)."""
    return spacy.load(BASE_MODEL, exclude=["parser", "lemmatizer", "ner"])


@pytest.mark.slow
@pytest.mark.parametrize("text", TEXTS)
def test_span_ruler_same_spans_as_stock(tagger: Language, text: str) -> None:
    stock, ours = _rulers(entity_patterns(), tagger)
    doc = tagger(text)
    assert _spans(ours, doc) == _spans(stock, doc), text


def test_span_ruler_factory_makes_the_prefiltered_ruler() -> None:
    ruler = spacy.blank("en").add_pipe(FACTORY_SPAN_RULER, config={"spans_key": "rules"})
    assert isinstance(ruler, PrefilteredSpanRuler) and ruler.key == "rules"


def test_span_ruler_skips_patterns_without_their_words() -> None:
    _, ours = _rulers(entity_patterns())
    doc = ours.nlp.make_doc("The rector of Harbin Normal University met the guests.")
    matcher = ours.prefiltered()
    possible = {matcher.patterns[i].key for indices in matcher.possible_patterns(doc).values() for i in indices}
    assert repr(("TITLE", "title_ambassador_extraordinary")) not in possible
    assert repr(("TITLE", "title_core")) in possible


def test_span_ruler_follows_added_and_removed_patterns() -> None:
    stock, ours = _rulers([{"label": "TITLE", "id": "mayor", "pattern": [{"LOWER": "mayor"}]}])
    doc = ours.nlp.make_doc("The mayor met the rector.")
    assert _spans(ours, doc) == [(1, 2, "TITLE", "mayor")]
    for ruler in (stock, ours):
        ruler.add_patterns([{"label": "TITLE", "id": "rector", "pattern": [{"LOWER": "rector"}]}])
        ruler.remove_by_id("mayor")
    assert _spans(ours, doc) == _spans(stock, doc) == [(4, 5, "TITLE", "rector")]
