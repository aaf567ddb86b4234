"""A Matcher that, per doc, runs only the token patterns whose required words the doc has.

spaCy's Matcher tries every pattern at every token, so its time grows with the number of
patterns, whether their words occur in the doc or not: a title pattern for "ambassador
extraordinary and plenipotentiary" costs as much in an article without "ambassador" as in
one with it. A token a pattern must match (no operator, or "+") whose LOWER or ORTH/TEXT
must be one of some words is a requirement: a doc with none of those words cannot match the
pattern. ``PrefilteredMatcher`` holds the patterns in groups and runs, per doc and group, a
Matcher of the patterns the doc can match: the matches are those of one Matcher of all the
patterns. Such Matchers are built on first need and kept, since per group the sets of
possible patterns recur from doc to doc. Groups trade two costs: a Matcher call walks the
whole doc, but fewer, smaller groups mean fewer sets to build and keep (patterns of one
label share predicates, which a Matcher evaluates once per token, so they group well).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from spacy.attrs import LOWER, ORTH
from spacy.matcher import Matcher
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.vocab import Vocab

#: Token attributes whose required words are looked for, and the doc column each reads
#: (the Matcher compares TEXT as ORTH).
REQUIRED_ATTRS: dict[str, int] = {"LOWER": LOWER, "ORTH": ORTH, "TEXT": ORTH}
#: Operators under which a token must still occur at least once.
_MANDATORY_OPS = frozenset({"+"})
#: Matchers kept, one per group and set of patterns a doc can match.
MATCHER_CACHE_SIZE = 256

Requirement = tuple[tuple[int, frozenset[int]], ...]
Match = tuple[int, int, int]


class TokenPattern(NamedTuple):
    """One Matcher pattern: its match key, the group it runs in, its tokens, what a doc must have."""

    key: str
    group: str
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


class PrefilteredMatcher:
    """The matches of a Matcher of all its patterns, from Matchers of the patterns a doc can match.

    ``add(key, patterns, group=...)`` as ``Matcher.add`` (no callbacks, no greedy filter);
    calling it returns ``(match_id, start, end)`` tuples like a Matcher, in no set order.
    """

    def __init__(self, vocab: Vocab, *, validate: bool = False, fuzzy_compare: Callable | None = None) -> None:
        self.vocab = vocab
        self.validate = validate
        self._options: dict[str, Any] = {} if fuzzy_compare is None else {"fuzzy_compare": fuzzy_compare}
        # All the patterns in one Matcher: it checks them (when ``validate``) and puts their
        # strings in the vocab at load time, not inside some batch's memory zone.
        self._full = Matcher(vocab, validate=validate, **self._options)
        self.patterns: list[TokenPattern] = []
        self._columns: list[int] = []
        self._matchers: OrderedDict[tuple[str, tuple[int, ...]], Matcher] = OrderedDict()

    def __len__(self) -> int:
        return len(self.patterns)

    def add(self, key: str, patterns: Sequence[list[dict[str, Any]]], *, group: str = "") -> None:
        self._full.add(key, list(patterns))
        for pattern in patterns:
            self.patterns.append(TokenPattern(key, group, pattern, required_words(pattern)))
        self._columns = sorted({attr for entry in self.patterns for attr, _ in entry.requirement})
        self._matchers.clear()

    def possible_patterns(self, doc: Doc) -> dict[str, tuple[int, ...]]:
        """Per group, the indices (into ``patterns``) of the patterns whose required words the doc
        has; groups with none are left out."""
        present: dict[int, set[int]] = {attr: set() for attr in self._columns}
        if self._columns and len(doc):
            values = doc.to_array(self._columns).reshape(len(doc), len(self._columns))  # one column comes 1-d
            present = dict(zip(self._columns, (set(column) for column in values.T.tolist())))
        possible: dict[str, list[int]] = {}
        for i, entry in enumerate(self.patterns):
            if all(not words.isdisjoint(present[attr]) for attr, words in entry.requirement):
                possible.setdefault(entry.group, []).append(i)
        return {group: tuple(indices) for group, indices in possible.items()}

    def __call__(self, doc: Doc, *, allow_missing: bool = False) -> list[Match]:
        return [match for group, indices in self.possible_patterns(doc).items()
                for match in self._matcher_of(group, indices)(doc, allow_missing=allow_missing)]

    def _matcher_of(self, group: str, indices: tuple[int, ...]) -> Matcher:
        cache_key = (group, indices)
        matcher = self._matchers.get(cache_key)
        if matcher is not None:
            self._matchers.move_to_end(cache_key)
            return matcher
        matcher = Matcher(self.vocab, validate=False, **self._options)  # validated when added
        for i in indices:
            matcher.add(self.patterns[i].key, [self.patterns[i].pattern])
        self._matchers[cache_key] = matcher
        if len(self._matchers) > MATCHER_CACHE_SIZE:
            self._matchers.popitem(last=False)
        return matcher
