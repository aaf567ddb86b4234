"""spaCy's span ruler, asking the Matcher only about the patterns a doc can match.

The token patterns run in a ``PrefilteredMatcher`` (pipeline.components.prefilter), one
group per label: a doc's spans are the stock span ruler's, but patterns whose required
words the doc lacks ("ambassador", "memorandum") cost nothing. Patterns, config and
``to_disk`` are the stock component's.

Sets ``doc.spans[spans_key]`` (and ``doc.ents`` when so configured) as ``SpanRuler`` does; no
``._`` attributes.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

from spacy.language import Language
from spacy.pipeline.span_ruler import DEFAULT_SPANS_KEY, SpanRuler
from spacy.tokens import Doc, Span

from pipeline.components.prefilter import PrefilteredMatcher
from pipeline.labels import FACTORY_SPAN_RULER


class PrefilteredSpanRuler(SpanRuler):
    """``SpanRuler`` whose token patterns run in a ``PrefilteredMatcher``, grouped by label."""

    def clear(self) -> None:
        super().clear()
        self._prefiltered: PrefilteredMatcher | None = None

    def add_patterns(self, patterns: list[dict[str, Any]]) -> None:
        super().add_patterns(patterns)
        self._prefiltered = None

    def remove(self, label: str) -> None:
        super().remove(label)
        self._prefiltered = None

    def remove_by_id(self, pattern_id: str) -> None:
        super().remove_by_id(pattern_id)
        self._prefiltered = None

    def prefiltered(self) -> PrefilteredMatcher:
        """The token patterns, under the stock Matcher's match keys (so matches map to the same
        labels and ids), built once per pattern set."""
        if self._prefiltered is None:
            matcher = PrefilteredMatcher(self.nlp.vocab, fuzzy_compare=self.matcher_fuzzy_compare)
            for entry in self.patterns:
                if isinstance(entry["pattern"], list):
                    key = repr((entry["label"], entry.get("id", "")))
                    matcher.add(key, [entry["pattern"]], group=entry["label"])
            self._prefiltered = matcher
        return self._prefiltered

    def match(self, doc: Doc) -> list[Span]:
        """``SpanRuler.match`` with the prefiltered Matcher in place of the full one."""
        self._require_patterns()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="\\[W036")
            matches = self.prefiltered()(doc) + list(self.phrase_matcher(doc))
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
