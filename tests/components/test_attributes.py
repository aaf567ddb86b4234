"""Lookup attribute ruler: the stock attribute ruler's answers, by lookup instead of the Matcher."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc

from pipeline.components.attributes import LookupAttributeRuler, is_keyed
from pipeline.nlp import BASE_MODEL

TEXTS = [
    "On May 12, a delegation of Krasnoyarsk State University led by Rector Ivan Petrov visited Harbin.",
    "He's gonna sign it, isn't he? Let's go, y'all. I ain't got nothin' now. C'mon, there is hope.",
    "Source: Xinhua|  2019-10-12\n\nThe two sides signed a memorandum of understanding.\n\t",
    "",
    "   ",
]


@pytest.fixture(scope="module")
def tagged() -> tuple[Language, AttributeRuler]:
    """The base model up to its attribute ruler, and that stock ruler."""
    base = spacy.load(BASE_MODEL, exclude=["parser", "lemmatizer", "ner"])
    return base, base.get_pipe("attribute_ruler")


def _attributes(doc: Doc) -> list[tuple[str, str, str, str, str]]:
    return [(t.pos_, t.tag_, str(t.morph), t.lemma_, t.dep_) for t in doc]


def _lookup_ruler(stock: AttributeRuler) -> LookupAttributeRuler:
    ruler = LookupAttributeRuler(stock.vocab)
    ruler.add_patterns(stock.patterns)
    return ruler


@pytest.mark.slow
@pytest.mark.parametrize("text", TEXTS)
def test_attributes_same_as_stock_ruler(tagged: tuple[Language, AttributeRuler], text: str) -> None:
    base, stock = tagged
    with base.select_pipes(disable=["attribute_ruler"]):
        doc = base(text)
    expected, got = doc.copy(), doc.copy()
    stock(expected)
    ruler = _lookup_ruler(stock)
    assert ruler.plan() is not None, "the base model's patterns should be looked up, not matched"
    ruler(got)
    assert _attributes(got) == _attributes(expected), text


@pytest.mark.parametrize(
    ("pattern", "keyed"),
    [
        ({"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN"}}, True),
        ({"patterns": [[{"LOWER": {"IN": ["a", "an"]}, "TAG": "DT"}]], "attrs": {"LEMMA": "a"}}, True),
        ({"patterns": [[{"IS_SPACE": True, "DEP": {"NOT_IN": [""]}}]], "attrs": {"DEP": "dep"}}, True),
        ({"patterns": [[{"LOWER": "gon"}, {"LOWER": "na"}]], "attrs": {"LEMMA": "go"}}, False),
        ({"patterns": [[{"LOWER": {"REGEX": "^y'?$"}}]], "attrs": {"LEMMA": "you"}}, False),
        ({"patterns": [[{"ORTH": "US"}]], "attrs": {"POS": "PROPN"}}, False),
        ({"patterns": [[{"TAG": "NN", "OP": "+"}]], "attrs": {"POS": "NOUN"}}, False),
        ({"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN"}, "index": 1}, False),
    ],
)
def test_attributes_keyed_patterns(pattern: dict, keyed: bool) -> None:
    assert is_keyed(pattern) is keyed


def test_attributes_later_rules_win_and_other_patterns_apply() -> None:
    nlp = spacy.blank("en")
    ruler = LookupAttributeRuler(nlp.vocab)
    ruler.add_patterns([
        {"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN", "MORPH": "Number=Sing"}},
        {"patterns": [[{"LOWER": "us", "TAG": "NN"}]], "attrs": {"POS": "PROPN"}},
        {"patterns": [[{"LOWER": "gon"}, {"LOWER": "na"}]], "attrs": {"LEMMA": "to"}, "index": 1},
    ])
    doc = Doc(nlp.vocab, words=["US", "gon", "na", "trade"], tags=["NN", "VBG", "NN", "NN"])
    ruler(doc)
    assert [t.pos_ for t in doc] == ["PROPN", "", "NOUN", "NOUN"]
    assert [t.lemma_ for t in doc] == ["", "", "to", ""]
    assert str(doc[0].morph) == "Number=Sing"


def test_attributes_extension_patterns_take_the_stock_path() -> None:
    nlp = spacy.blank("en")
    ruler = LookupAttributeRuler(nlp.vocab)
    ruler.add_patterns([{"patterns": [[{"TAG": "NN"}]], "attrs": {"NORM": "thing"}}])
    assert ruler.plan() is None
    doc = Doc(nlp.vocab, words=["box"], tags=["NN"])
    assert ruler(doc)[0].norm_ == "thing"
