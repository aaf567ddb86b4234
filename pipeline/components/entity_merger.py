"""Merge rule matches with the statistical NER into one set of ``doc.ents``.

Rules add what the model misses and fix what it gets wrong:
- a rule span beats an overlapping model entity of another label ("Laiwu No" PERSON
  loses to "Laiwu No. 17 Middle School" INSTITUTION);
- a model entity that holds a TITLE rule at its edge is trimmed, not dropped
  ("Principal Jia Yuyan" PERSON -> TITLE "Principal" + PERSON "Jia Yuyan");
- of two overlapping spans with the same label the longer one is kept;
- leading articles, honorifics and dangling "of"/punctuation are trimmed; spans that cross a
  line break are dropped (headlines run into the next line);
- a GPE the gazetteer does not know that parses as a Chinese or Russian personal name is a
  PERSON ("Marina Akshonova");
- a long INSTITUTION with no institution word in it is dropped (headlines tagged ORG);
- "<INSTITUTION> of (the) <INSTITUTION|GPE>" chains become one institution
  ("Education Department" + "of" + "Krasnoyarsk City Government").

The component sets ``doc.ents`` only and removes the raw rule span group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.components.base import RulesComponent
from pipeline.labels import FACTORY_ENTITY_FIXER, GPE, INSTITUTION, PERSON, RULE_SPANS_KEY, TITLE
from pipeline.normalize.institutions import has_institution_keyword
from pipeline.normalize.names import normalize_person
from pipeline.normalize.places import resolve_place
from pipeline.rules import PATTERNS_DIR, read_csv_table

TRIM_FILE = PATTERNS_DIR / "entity_trim.csv"


@dataclass(frozen=True, order=True)
class Candidate:
    """A labelled token range [start, end)."""

    start: int
    end: int
    label: str

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Candidate") -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: "Candidate") -> bool:
        return self.start <= other.start and other.end <= self.end


def longest_first(spans: Iterable[Candidate]) -> list[Candidate]:
    """Greedy non-overlapping selection, longest first, earliest first on ties."""
    chosen: list[Candidate] = []
    for span in sorted(spans, key=lambda s: (-len(s), s.start)):
        if not any(span.overlaps(other) for other in chosen):
            chosen.append(span)
    return sorted(chosen)


def merge_candidates(model: Sequence[Candidate], rules: Sequence[Candidate]) -> list[Candidate]:
    """Combine model entities and rule matches by the precedence in the module docstring."""
    kept_rules = longest_first(rules)
    merged: list[Candidate] = []
    dropped_rules: set[Candidate] = set()
    for ent in model:
        hits = [rule for rule in kept_rules if rule.overlaps(ent)]
        if not hits:
            merged.append(ent)
            continue
        same = [rule for rule in hits if rule.label == ent.label]
        if same and len(hits) == len(same) and all(ent.contains(r) for r in same) and len(ent) > max(map(len, same)):
            merged.append(ent)
            dropped_rules.update(same)
            continue
        trimmed = _trim_titles(ent, hits)
        if trimmed is not None:
            merged.append(trimmed)
    merged.extend(rule for rule in kept_rules if rule not in dropped_rules)
    return longest_first(merged)


def _trim_titles(ent: Candidate, hits: Sequence[Candidate]) -> Candidate | None:
    """Cut TITLE matches off the edges of a PERSON/GPE entity; None when nothing is left."""
    if ent.label not in (PERSON, GPE) or any(h.label != TITLE for h in hits):
        return None
    start, end = ent.start, ent.end
    for hit in sorted(hits):
        if hit.start <= start < hit.end:
            start = hit.end
        elif hit.start < end <= hit.end:
            end = hit.start
        else:
            return None  # a title in the middle: the model span is wrong
    return Candidate(start, end, ent.label) if start < end else None


@dataclass(frozen=True)
class TrimRules:
    """Words trimmed from span edges, per label ('*' = every label)."""

    left: dict[str, frozenset[str]]
    right: dict[str, frozenset[str]]

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, str]]) -> "TrimRules":
        left: dict[str, set[str]] = {}
        right: dict[str, set[str]] = {}
        for row in rows:
            side = left if row["side"] == "left" else right
            side.setdefault(row["label"], set()).add(row["word"].lower())
        return cls({k: frozenset(v) for k, v in left.items()}, {k: frozenset(v) for k, v in right.items()})

    def words(self, side: dict[str, frozenset[str]], label: str) -> frozenset[str]:
        return side.get("*", frozenset()) | side.get(label, frozenset())


def trim_span(doc: Doc, cand: Candidate, rules: TrimRules) -> Candidate | None:
    """Drop edge words and punctuation; None when the span crosses a line break or empties."""
    start, end = cand.start, cand.end
    left, right = rules.words(rules.left, cand.label), rules.words(rules.right, cand.label)
    while start < end and (doc[start].lower_ in left or doc[start].is_punct or doc[start].is_space):
        start += 1
    while end > start and (doc[end - 1].lower_ in right or (doc[end - 1].is_punct and doc[end - 1].text != ".") or doc[end - 1].is_space):
        end -= 1
    if start >= end or "\n" in doc[start:end].text:
        return None
    return Candidate(start, end, cand.label)


def looks_like_person(text: str) -> bool:
    """A GPE the gazetteer does not know but that parses as a Chinese or Russian name."""
    if resolve_place(text) is not None:
        return False
    person = normalize_person(text)
    return person is not None and person.culture in ("chinese", "russian") and person.given is not None


# A model ORG this long without any institution word is a headline or a slogan, not a name.
MAX_UNMARKED_INSTITUTION_TOKENS = 5


def drop_unmarked_institutions(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Drop long INSTITUTION spans with no institution keyword ("Deepening Sister City ...")."""
    return [
        c for c in cands
        if c.label != INSTITUTION or len(c) <= MAX_UNMARKED_INSTITUTION_TOKENS
        or has_institution_keyword(doc[c.start:c.end].text)
    ]


def relabel_people(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Fix the small model's habit of tagging unfamiliar names as places ("Marina Akshonova")."""
    return [
        Candidate(c.start, c.end, PERSON) if c.label == GPE and looks_like_person(doc[c.start:c.end].text) else c
        for c in cands
    ]


def join_institution_chains(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Merge INSTITUTION + of (the) + INSTITUTION/GPE into one INSTITUTION."""
    result: list[Candidate] = []
    for cand in sorted(cands):
        if result and result[-1].label == INSTITUTION and cand.label in (INSTITUTION, GPE):
            prev = result[-1]
            between = [t.lower_ for t in doc[prev.end:cand.start]]
            if between in (["of"], ["of", "the"]):
                result[-1] = Candidate(prev.start, cand.end, INSTITUTION)
                continue
        result.append(cand)
    return result


class EntityMerger(RulesComponent):
    """Sets ``doc.ents`` from the NER entities and the rule span group; no ``._`` attributes."""

    def __init__(self, name: str, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key
        self.rules: list[dict[str, str]] = []
        self._trim = TrimRules.from_rows([])

    def _apply_rules(self) -> None:
        self._trim = TrimRules.from_rows(self.rules)

    def initialize(self, get_examples: Callable | None = None, *, nlp: Language | None = None,
                   trim_rows: list[dict[str, str]] | None = None) -> None:
        self.rules = trim_rows if trim_rows is not None else read_csv_table(TRIM_FILE, ("label", "side", "word"))
        self._apply_rules()

    def __call__(self, doc: Doc) -> Doc:
        model = [Candidate(e.start, e.end, e.label_) for e in doc.ents]
        rule_spans = doc.spans.get(self.spans_key, [])
        rules = [Candidate(s.start, s.end, s.label_) for s in rule_spans]
        merged = merge_candidates(model, rules)
        trimmed = [t for c in merged if (t := trim_span(doc, c, self._trim)) is not None]
        chained = join_institution_chains(doc, relabel_people(doc, drop_unmarked_institutions(doc, trimmed)))
        doc.ents = [Span(doc, c.start, c.end, label=c.label) for c in longest_first(chained)]
        if self.spans_key in doc.spans:
            del doc.spans[self.spans_key]
        return doc


@Language.factory(
    FACTORY_ENTITY_FIXER,
    default_config={"spans_key": RULE_SPANS_KEY},
    assigns=["doc.ents"],
    requires=["doc.ents"],
)
def make_entity_merger(nlp: Language, name: str, spans_key: str) -> EntityMerger:
    return EntityMerger(name, spans_key)
