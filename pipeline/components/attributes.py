"""The stock attribute ruler, applied by lookup instead of by the Matcher.

en_core_web_sm's attribute ruler gives each token its coarse part of speech, morphology and
a few lemmas from about 180 patterns (its tag map and morph rules). The Matcher tries every
pattern at every token, which costs about as much as the NER's own tok2vec. A one-token
pattern that reads only a token's tag, lowercase form, dependency label and whether it is
whitespace gives the same answer for every token with the same values of those, so
``LookupAttributeRuler`` asks the Matcher once per combination and looks the answer up
after that; the few other patterns ("gon na", "ai n't") still go through a Matcher of their
own (``PrefilteredMatcher``: most of them only where their words occur). Rules apply in pattern order as in the stock component (later ones win), and the
patterns and ``to_disk`` are the stock component's. Patterns that set anything but plain
token fields make it run the stock code instead, so the result is the same either way.

Sets ``Token.pos``, ``Token.tag``, ``Token.morph``, ``Token.lemma`` and ``Token.dep`` as the
patterns say; no ``._`` attributes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Callable

import numpy
import spacy
from spacy.attrs import DEP, IS_SPACE, LEMMA, LOWER, MORPH, POS, TAG
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.pipeline.attributeruler import attribute_ruler_score
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span
from spacy.util import registry
from spacy.vocab import Vocab

from pipeline.components.prefilter import PrefilteredMatcher
from pipeline.labels import FACTORY_ATTRIBUTES

#: The token attributes a one-token pattern may read to be looked up, in key order.
KEY_ATTRS: tuple[str, ...] = ("TAG", "LOWER", "DEP", "IS_SPACE")
_KEY_IDS = [TAG, LOWER, DEP, IS_SPACE]
_LOWER_COLUMN = KEY_ATTRS.index("LOWER")
#: Set predicates whose answer depends only on whether the value is one of those listed.
_SET_PREDICATES = frozenset({"IN", "NOT_IN"})
#: The token attributes the patterns may set for the lookup to apply (plain token fields).
WRITE_IDS: tuple[int, ...] = (POS, TAG, MORPH, LEMMA, DEP)
#: Stands for every lowercase form that no pattern names (no word hashes to it).
_OTHER_WORD = 0

Key = tuple[int, ...]


def is_keyed(pattern: dict[str, Any]) -> bool:
    """Whether a pattern matches one token by its key attributes alone (values or IN/NOT_IN)."""
    return pattern.get("index", 0) in (0, -1) and all(
        len(alternative) == 1 and all(
            attr in KEY_ATTRS and (not isinstance(value, dict) or set(value) <= _SET_PREDICATES)
            for attr, value in alternative[0].items())
        for alternative in pattern["patterns"])


def named_words(patterns: Iterable[dict[str, Any]]) -> frozenset[int]:
    """The lowercase forms (string ids) that keyed patterns name."""
    words: set[int] = set()
    for pattern in patterns:
        for alternative in pattern["patterns"]:
            value = alternative[0].get("LOWER")
            if isinstance(value, dict):
                words.update(get_string_id(item) for items in value.values() for item in items)
            elif value is not None:
                words.add(get_string_id(value))
    return frozenset(words)


@dataclass
class Plan:
    """How to apply the patterns: a Matcher of the keyed ones (asked once per key), the words
    they name, and a Matcher of the rest (run on every doc; None when there is no rest)."""

    keyed: Matcher
    words: numpy.ndarray
    others: PrefilteredMatcher | None


class LookupAttributeRuler(AttributeRuler):
    """``AttributeRuler`` that applies one-token patterns by a lookup on the token's
    (tag, lowercase form, dependency, is-space), computed with the Matcher on first sight."""

    def __init__(self, vocab: Vocab, name: str = "attribute_ruler", *, validate: bool = False,
                 scorer: Callable | None = attribute_ruler_score) -> None:
        super().__init__(vocab, name, validate=validate, scorer=scorer)
        self._reset_lookup()

    def _reset_lookup(self) -> None:
        self._plan: Plan | None = None
        self._planned = False
        self._rules_of_key: dict[Key, tuple[int, ...]] = {}
        self._assignments: dict[tuple[int, ...], tuple[tuple[bool, ...], tuple[int, ...]]] = {}

    def clear(self) -> None:
        super().clear()
        self._reset_lookup()

    def add(self, patterns: Iterable, attrs: dict, index: int = 0) -> None:
        super().add(patterns, attrs, index)
        self._reset_lookup()

    def plan(self) -> Plan | None:
        """The lookup plan, or None for the stock path (decided once per pattern set)."""
        if not self._planned:
            self._planned = True
            written = {attr for attrs in self.attrs for attr in attrs}
            if not written <= set(WRITE_IDS):
                return None
            patterns = self.patterns
            keyed = [i for i, pattern in enumerate(patterns) if is_keyed(pattern)]
            words = named_words(patterns[i] for i in keyed)
            if _OTHER_WORD in words:
                return None
            others = [i for i in range(len(patterns)) if i not in set(keyed)]
            keyed_matcher = Matcher(self.vocab, validate=self.validate)
            other_matcher = PrefilteredMatcher(self.vocab, validate=self.validate) if others else None
            # Under the stock component's match keys, the rule numbers.
            for rule in keyed:
                keyed_matcher.add(str(rule), patterns[rule]["patterns"])
            for rule in others:
                other_matcher.add(str(rule), patterns[rule]["patterns"])
            self._plan = Plan(keyed_matcher, numpy.array(sorted(words), dtype=numpy.uint64), other_matcher)
        return self._plan

    def __call__(self, doc: Doc) -> Doc:
        plan = self.plan()
        if plan is None:
            return super().__call__(doc)
        if len(doc) == 0:
            return doc
        try:
            self._apply(doc, plan)
            return doc
        except Exception as err:  # noqa: BLE001 - reported as the stock component would
            return self.get_error_handler()(self.name, self, [doc], err)

    def _apply(self, doc: Doc, plan: Plan) -> None:
        keys = doc.to_array(_KEY_IDS)
        lowers = keys[:, _LOWER_COLUMN]
        keys[:, _LOWER_COLUMN] = numpy.where(numpy.isin(lowers, plan.words), lowers, _OTHER_WORD)
        unique, first, inverse = numpy.unique(keys, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        rules = [self._keyed_rules(doc, plan, tuple(int(v) for v in key), int(token))
                 for key, token in zip(unique, first)]
        assigned = [self._assignment(found) for found in rules]
        masks = numpy.array([mask for mask, _ in assigned], dtype=bool)[inverse]
        values = numpy.array([value for _, value in assigned], dtype=numpy.uint64)[inverse]
        for token, extra in self._other_rules(doc, plan).items():
            mask, value = self._assignment(tuple(sorted(rules[inverse[token]] + tuple(extra))))
            masks[token], values[token] = mask, value
        doc.from_array(list(WRITE_IDS), numpy.where(masks, values, doc.to_array(list(WRITE_IDS))))

    def _keyed_rules(self, doc: Doc, plan: Plan, key: Key, token: int) -> tuple[int, ...]:
        """The keyed rules that match a token with this key, in order: the Matcher's answer for one
        such token."""
        found = self._rules_of_key.get(key)
        if found is None:
            found = tuple(sorted(int(self.vocab.strings[match_id])
                                 for match_id, _, _ in plan.keyed(doc[token:token + 1], allow_missing=True)))
            self._rules_of_key[key] = found
        return found

    def _other_rules(self, doc: Doc, plan: Plan) -> dict[int, list[int]]:
        """The other rules that match, by the token they set."""
        found: dict[int, list[int]] = {}
        if plan.others is not None:
            for match_id, start, end in plan.others(doc, allow_missing=True):
                rule = int(self.vocab.strings[match_id])
                found.setdefault(Span(doc, start, end)[self.indices[rule]].i, []).append(rule)
        return found

    def _assignment(self, rules: tuple[int, ...]) -> tuple[tuple[bool, ...], tuple[int, ...]]:
        """Which of WRITE_IDS the rules set, and to what (applied in order, later ones win)."""
        found = self._assignments.get(rules)
        if found is None:
            merged: dict[int, int] = {}
            for rule in rules:
                merged.update(self.attrs[rule])
            found = (tuple(attr in merged for attr in WRITE_IDS), tuple(merged.get(attr, 0) for attr in WRITE_IDS))
            self._assignments[rules] = found
        return found


@Language.factory(
    FACTORY_ATTRIBUTES,
    default_config={"validate": False, "scorer": {"@scorers": "spacy.attribute_ruler_scorer.v1"}},
    assigns=["token.pos", "token.tag", "token.morph", "token.lemma"],
)
def make_lookup_attribute_ruler(nlp: Language, name: str, validate: bool,
                                scorer: Callable | None) -> LookupAttributeRuler:
    return LookupAttributeRuler(nlp.vocab, name, validate=validate, scorer=scorer)


@registry.misc("cnru.base_attribute_patterns.v1")
def base_attribute_patterns(model: str, component: str = "attribute_ruler") -> list[dict[str, Any]]:
    """The patterns of a saved pipeline's attribute ruler, in order: the base model's, which
    ``LookupAttributeRuler`` applies unchanged."""
    return spacy.load(model).get_pipe(component).patterns
