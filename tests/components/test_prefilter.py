"""Prefiltered Matcher: a Matcher's matches, from the patterns whose words the doc has."""

from __future__ import annotations

import pytest
import spacy
from spacy.attrs import LOWER, ORTH
from spacy.matcher import Matcher
from spacy.strings import get_string_id

from pipeline.components.prefilter import PrefilteredMatcher, required_words

NLP = spacy.blank("en")
PATTERNS = {
    "consul": [{"LOWER": "consul"}, {"ORTH": "-", "OP": "?"}, {"LOWER": "general"}],
    "mayor": [{"LOWER": {"IN": ["mayor", "mayors"]}, "OP": "+"}],
    "capitals": [{"IS_TITLE": True, "OP": "+"}, {"LOWER": "city"}],
    "any_title": [{"IS_TITLE": True}],
    "initial": [{"TEXT": {"REGEX": "^[A-Z]\\.$"}}],
}


def _ids(word: str) -> frozenset[int]:
    return frozenset({get_string_id(word)})


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ([{"LOWER": "consul"}, {"ORTH": "-", "OP": "?"}, {"LOWER": "general"}],
         ((LOWER, _ids("consul")), (LOWER, _ids("general")))),
        ([{"LOWER": {"IN": ["mayor", "rector"]}, "OP": "+"}], ((LOWER, frozenset(map(get_string_id, ["mayor", "rector"]))),)),
        ([{"TEXT": "MoU"}, {"LOWER": {"NOT_IN": ["of"]}}], ((ORTH, _ids("MoU")),)),
        ([{"LOWER": {"IN": ["deputy"]}, "OP": "*"}, {"IS_TITLE": True}], ()),
        ([{"TEXT": {"REGEX": "^[A-Z]$"}}, {"LOWER": {"IN": ["no", "no."], "REGEX": "."}}],
         ((LOWER, frozenset(map(get_string_id, ["no", "no."]))),)),
        ([{"LOWER": {"FUZZY": "rector"}}], ()),
    ],
)
def test_prefilter_required_words(pattern: list[dict], expected: tuple) -> None:
    assert required_words(pattern) == expected


@pytest.mark.parametrize(
    "text",
    ["The Consul-General met the mayor of Harbin City.", "Mayors mayors", "A. B. Consul general", "", "no capitals here"],
)
def test_prefilter_same_matches_as_a_matcher(text: str) -> None:
    full, prefiltered = Matcher(NLP.vocab), PrefilteredMatcher(NLP.vocab, validate=True)
    for key, pattern in PATTERNS.items():
        full.add(key, [pattern])
        prefiltered.add(key, [pattern], group="odd" if len(key) % 2 else "even")
    doc = NLP.make_doc(text)
    assert sorted(prefiltered(doc)) == sorted(full(doc)), text


def test_prefilter_runs_only_possible_patterns() -> None:
    matcher = PrefilteredMatcher(NLP.vocab)
    for key, pattern in PATTERNS.items():
        matcher.add(key, [pattern], group=key)
    possible = matcher.possible_patterns(NLP.make_doc("The mayor of Harbin City"))
    assert {matcher.patterns[i].key for indices in possible.values() for i in indices} == {
        "mayor", "capitals", "any_title", "initial"}


def test_prefilter_validates_patterns() -> None:
    with pytest.raises(ValueError):
        PrefilteredMatcher(NLP.vocab, validate=True).add("bad", [[{"LOWER": {"NO_SUCH_PREDICATE": 1}}]])
