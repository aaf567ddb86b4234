"""spaCy's span ruler, asking the Matcher only about the patterns a doc can match.

The Matcher tries every token pattern at every token, so its time grows with the number of
patterns, whether their words occur in the doc or not: a title pattern for "ambassador
extraordinary and plenipotentiary" costs as much in an article without "ambassador" as in
one with it. A token a pattern must match (no operator, or "+") whose LOWER or ORTH/TEXT
must be one of some words is a requirement: a doc with none of those words cannot match the
pattern. ``PrefilteredSpanRuler`` runs, per doc and label, a Matcher of the patterns whose
requirements the doc meets, so the spans are the stock span ruler's. The Matchers are built
on first need and kept: per label the sets of possible patterns recur from doc to doc (one
Matcher for all labels would need one for every combination), and patterns of one label
share their predicates, which a Matcher evaluates once per token. Patterns, config and
``to_disk`` are the stock component's.

Sets ``doc.spans[spans_key]`` (and ``doc.ents`` when so configured) as ``SpanRuler`` does; no
``._`` attributes.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Callable, NamedTuple

from spacy.attrs import LOWER, ORTH
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline.span_ruler import DEFAULT_SPANS_KEY, SpanRuler
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from pipeline.labels import FACTORY_SPAN_RULER

#: Token attributes whose required words are looked for, and the doc column each reads
#: (the Matcher compares TEXT as ORTH).
REQUIRED_ATTRS: dict[str, int] = {"LOWER": LOWER, "ORTH": ORTH, "TEXT": ORTH}
#: Operators under which a token must still occur at least once.
_MANDATORY_OPS = frozenset({"+"})
#: Matchers kept, one per label and set of patterns a doc can match.
MATCHER_CACHE_SIZE = 256

Requirement = tuple[tuple[int, frozenset[int]], ...]


class TokenPattern(NamedTuple):
    label: str
    key: str  # the stock Matcher's match key: repr((label, id))
    pattern: list[dict[str, Any]]
    requirement: Requirement


def required_words(pattern: Sequence[dict[str, Any]]) -> Requirement:
    """(attribute, words) for each token of a token pattern that must occur and whose LOWER or
    ORTH/TEXT must be one of some words; a doc lacking all of one such set cannot match."""
    found: list[tuple[int, frozenset[int]]] = []
    for token in pattern:
        if "OP" in token and token["OP"] not in _MANDATORY_OPS:
            continue
        for name, attr in REQUIRED_ATTRS.items():
            value = token.get(name)
            if isinstance(value, dict):
                value = value.get("IN")
            if isinstance(value, str):
                found.append((attr, frozenset({get_string_id(value)})))
            elif isinstance(value, list) and value and all(isinstance(item, str) for item in value):
                found.append((attr, frozenset(get_string_id(item) for item in value)))
    return tuple(found)


class PrefilteredSpanRuler(SpanRuler):
    """``SpanRuler`` whose Matcher holds, per doc, only the token patterns the doc can match."""

    def clear(self) -> None:
        super().clear()
        self._reset_prefilter()

    def add_patterns(self, patterns: list[dict[str, Any]]) -> None:
        super().add_patterns(patterns)
        self._reset_prefilter()

    def remove(self, label: str) -> None:
        super().remove(label)
        self._reset_prefilter()

    def remove_by_id(self, pattern_id: str) -> None:
        super().remove_by_id(pattern_id)
        self._reset_prefilter()

    def _reset_prefilter(self) -> None:
        self._token_patterns: list[TokenPattern] | None = None
        self._matchers: OrderedDict[tuple[str, tuple[int, ...]], Matcher] = OrderedDict()

    def token_patterns(self) -> list[TokenPattern]:
        """Every token pattern, in order, with its requirement; the match keys are those of the
        stock Matcher, so matches map to the same labels and ids."""
        if self._token_patterns is None:
            self._token_patterns = [
                TokenPattern(entry["label"], repr((entry["label"], entry.get("id", ""))), entry["pattern"],
                             required_words(entry["pattern"]))
                for entry in self.patterns if isinstance(entry["pattern"], list)
            ]
        return self._token_patterns

    def possible_patterns(self, doc: Doc) -> dict[str, tuple[int, ...]]:
        """Per label, the indices (into ``token_patterns``) of the patterns whose required words
        the doc has; labels with none are left out."""
        patterns = self.token_patterns()
        columns = sorted({attr for pattern in patterns for attr, _ in pattern.requirement})
        present: dict[int, set[int]] = {attr: set() for attr in columns}
        if columns and len(doc):
            values = doc.to_array(columns).reshape(len(doc), len(columns))  # one column comes back 1-d
            present = dict(zip(columns, (set(column) for column in values.T.tolist())))
        possible: dict[str, list[int]] = {}
        for i, pattern in enumerate(patterns):
            if all(not words.isdisjoint(present[attr]) for attr, words in pattern.requirement):
                possible.setdefault(pattern.label, []).append(i)
        return {label: tuple(indices) for label, indices in possible.items()}

    def _matcher_of(self, label: str, indices: tuple[int, ...]) -> Matcher:
        key = (label, indices)
        matcher = self._matchers.get(key)
        if matcher is not None:
            self._matchers.move_to_end(key)
            return matcher
        # The patterns were validated when added to the full Matcher.
        matcher = Matcher(self.nlp.vocab, validate=False, fuzzy_compare=self.matcher_fuzzy_compare)
        patterns = self.token_patterns()
        for i in indices:
            matcher.add(patterns[i].key, [patterns[i].pattern])
        self._matchers[key] = matcher
        if len(self._matchers) > MATCHER_CACHE_SIZE:
            self._matchers.popitem(last=False)
        return matcher

    def token_matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """What the full Matcher finds in the doc, from the Matchers of its possible patterns."""
        return [match for label, indices in self.possible_patterns(doc).items()
                for match in self._matcher_of(label, indices)(doc)]

    def match(self, doc: Doc) -> list[Span]:
        """``SpanRuler.match`` with the doc's own Matcher in place of the full one."""
        self._require_patterns()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="\\[W036")
            matches = self.token_matches(doc) + list(self.phrase_matcher(doc))
        deduplicated = {
            Span(doc, start, end, label=self._match_label_id_map[m_id]["label"],
                 span_id=self._match_label_id_map[m_id]["id"])
            for m_id, start, end in matches if start != end
        }
        return sorted(deduplicated)


@Language.factory(
    FACTORY_SPAN_RULER,
    assigns=["doc.spans"],
    default_config={
        "spans_key": DEFAULT_SPANS_KEY,
        "spans_filter": None,
        "annotate_ents": False,
        "ents_filter": {"@misc": "spacy.first_longest_spans_filter.v1"},
        "phrase_matcher_attr": None,
        "matcher_fuzzy_compare": {"@misc": "spacy.levenshtein_compare.v1"},
        "validate": False,
        "overwrite": True,
        "scorer": {"@scorers": "spacy.overlapping_labeled_spans_scorer.v1", "spans_key": DEFAULT_SPANS_KEY},
    },
    default_score_weights={f"spans_{DEFAULT_SPANS_KEY}_{score}": weight
                           for score, weight in (("f", 1.0), ("p", 0.0), ("r", 0.0), ("per_type", None))},
)
def make_prefiltered_span_ruler(nlp: Language, name: str, spans_key: str | None,
                                spans_filter: Callable | None, annotate_ents: bool, ents_filter: Callable,
                                phrase_matcher_attr: int | str | None, matcher_fuzzy_compare: Callable,
                                validate: bool, overwrite: bool, scorer: Callable | None) -> PrefilteredSpanRuler:
    return PrefilteredSpanRuler(nlp, name, spans_key=spans_key, spans_filter=spans_filter,
                                annotate_ents=annotate_ents, ents_filter=ents_filter,
                                phrase_matcher_attr=phrase_matcher_attr,
                                matcher_fuzzy_compare=matcher_fuzzy_compare, validate=validate,
                                overwrite=overwrite, scorer=scorer)
