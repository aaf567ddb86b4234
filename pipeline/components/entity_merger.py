"""Merge rule matches with the statistical NER into one set of ``doc.ents``.

Rules add what the model misses and fix what it gets wrong. In the order applied:

1. People the rules are sure of come first. A run of capitalised words that parses as a
   Chinese or Russian name with a given name ("Marina Akshonova", "Kuznetsova Marina
   Sergeevna", "Pan Jiaqi") is a PERSON wherever it stands, as is a name written with initials
   (patterns/persons.jsonl: "Yu.V. Skolubovich", "Serdechkin Yu.V."). Such a name beats
   - rule spans that run into it (a TITLE "vice-rector for international affairs Serdechkin"
     or an INSTITUTION "Department of Culture of Primorsky Krai Yekaterina Ivanova" give way
     to a shorter match of the same rule, since the span ruler keeps every match length);
   - model entities that swallow it: "China Igor Rogachev" ORG -> "China" + PERSON,
     "Marina Akshonova" GPE -> PERSON, "Vladivostok Pan Jiaqi" PERSON -> GPE + PERSON.
   A name followed by an institution word ("Li Siguang School") is part of that name.
   Initials between two capitalised words belong to the next word ("Affairs T.V. Lomova" ->
   "T.V. Lomova").
2. Of the rest, a rule span beats an overlapping model entity of another label ("Laiwu No"
   PERSON loses to "Laiwu No. 17 Middle School" INSTITUTION); a model entity that holds a
   TITLE rule at its edge is trimmed, not dropped ("Principal Jia Yuyan" PERSON -> TITLE
   "Principal" + PERSON "Jia Yuyan"); of two overlapping spans with the same label the longer
   one is kept.
3. Leading articles, honorifics and dangling "of"/punctuation are trimmed
   (patterns/entity_trim.csv), model spans also before step 2 so that "the Consul General of
   the People's Republic of China" ORG has its title at the edge; an unclosed bracket cuts a
   span ("... and Trade (SIFLT"); spans that cross a line break are dropped (headlines run
   into the next line); a long INSTITUTION with no institution word is dropped (headlines
   tagged ORG).
4. Labels are checked against the name and place tables: a GPE or INSTITUTION that parses as
   a Chinese or Russian name is a PERSON; an INSTITUTION without an institution word that the
   gazetteer knows is a GPE ("Primorsky Krai", "Russian Federation").
5. A later mention by family name ("Volkova said") of a person named in full is a PERSON.
6. "<INSTITUTION> of (the) <INSTITUTION|GPE>" chains become one institution
   ("Education Department" + "of" + "Krasnoyarsk City Government").

The component sets ``doc.ents`` only and removes the raw rule span group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from pipeline.components.base import RulesComponent
from pipeline.labels import FACTORY_ENTITY_FIXER, GPE, INSTITUTION, PERSON, RULE_SPANS_KEY, TITLE
from pipeline.normalize.institutions import has_institution_keyword
from pipeline.normalize.names import PersonName, normalize_person
from pipeline.normalize.places import Place, resolve_place
from pipeline.rules import PATTERNS_DIR, read_csv_table

TRIM_FILE = PATTERNS_DIR / "entity_trim.csv"
#: Russian given names (shared with pipeline.normalize.names): a Russian name the rules find
#: must have one, so "Primorsky Regional" or "Zabaykalsky Krai" is no "given name + surname".
GIVEN_NAMES_FILE = PATTERNS_DIR / "russian_given_names.csv"

#: Cultures whose names the name tables can recognise with confidence.
NAME_CULTURES = frozenset({"chinese", "russian"})
#: Name windows tried inside a run of capitalised words: "Ivan Petrovich Sidorov" is the longest.
NAME_WINDOW_SIZES = (3, 2)

_INITIALS = re.compile(r"^(?:[A-Z][a-z]?\.)+$")


# The normalisers are pure; the same words recur in every article, so their answers are cached.
@lru_cache(maxsize=16384)
def _has_keyword(text: str) -> bool:
    return has_institution_keyword(text)


@lru_cache(maxsize=16384)
def _person(text: str) -> PersonName | None:
    return normalize_person(text)


@lru_cache(maxsize=16384)
def _place(text: str) -> Place | None:
    return resolve_place(text)


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
    """Combine model entities and rule matches by the precedence of step 2 (module docstring)."""
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
    """Cut TITLE matches off the edges of a model entity; None when nothing is left.

    "Principal Jia Yuyan" PERSON keeps "Jia Yuyan"; "Consul General of the People's Republic
    of China" ORG keeps "of the People's Republic of China" (``trim_span`` drops the "of the").
    """
    if ent.label not in (PERSON, GPE, INSTITUTION) or any(h.label != TITLE for h in hits):
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


def read_trim_rows(path: str = str(TRIM_FILE)) -> list[dict[str, str]]:
    """Read patterns/entity_trim.csv, checking sides and labels."""
    from pathlib import Path

    from pipeline.labels import LABELS
    from pipeline.rules import RuleError

    rows = read_csv_table(Path(path), ("label", "side", "word"))
    for number, row in enumerate(rows, start=2):
        if row["side"] not in ("left", "right"):
            raise RuleError(f"{path}:{number}: side must be left or right, not {row['side']!r}")
        if row["label"] != "*" and row["label"] not in LABELS:
            raise RuleError(f"{path}:{number}: unknown label {row['label']!r}")
        if not row["word"].strip():
            raise RuleError(f"{path}:{number}: empty word")
    return rows


def trim_span(doc: Doc, cand: Candidate, rules: TrimRules) -> Candidate | None:
    """Drop edge words and punctuation; None when the span crosses a line break or empties."""
    start, end = cand.start, cand.end
    left, right = rules.words(rules.left, cand.label), rules.words(rules.right, cand.label)
    while start < end and (doc[start].lower_ in left or doc[start].is_punct or doc[start].is_space):
        start += 1
    while end > start and (doc[end - 1].lower_ in right or doc[end - 1].is_space
                           or (doc[end - 1].is_punct and doc[end - 1].text != "." and not _closes(doc, start, end - 1))):
        end -= 1
    if start >= end or "\n" in doc[start:end].text:
        return None
    start, end = _balanced(doc, start, end)
    if start >= end:
        return None
    if (start, end) != (cand.start, cand.end):
        return trim_span(doc, Candidate(start, end, cand.label), rules)
    return Candidate(start, end, cand.label)


_CLOSING = {")": "(", "]": "["}


def _closes(doc: Doc, start: int, i: int) -> bool:
    """Whether token ``i`` closes a bracket opened in [start, i): "Republic of Sakha (Yakutia)"."""
    opener = _CLOSING.get(doc[i].text)
    return opener is not None and any(doc[k].text == opener for k in range(start, i))


def _balanced(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Cut at an unclosed bracket: "Shaanxi Institute of Foreign Languages and Trade (SIFLT" ends
    before the "(", "SIFLT) campus" starts after the ")"."""
    depth = 0
    for i in range(start, end):
        if doc[i].text in ("(", "["):
            depth += 1
        elif doc[i].text in (")", "]"):
            if depth == 0:
                return _balanced(doc, i + 1, end)
            depth -= 1
    if depth:
        last_open = max(i for i in range(start, end) if doc[i].text in ("(", "["))
        return _balanced(doc, start, last_open)
    return start, end


# --------------------------------------------------------------------------- sure people


def _letters(text: str) -> str:
    return "".join(sorted(ch for ch in text.casefold() if ch.isalpha()))


@lru_cache(maxsize=4096)
def parse_name_window(text: str) -> PersonName | None:
    """The Chinese or Russian name that ``text`` is, word for word; None otherwise.

    Every letter of the text must belong to the name's parts, so "Professor Gao Jianhua"
    (an honorific the normaliser drops) or "Director Ivanov" is no name window; neither is a
    place the gazetteer knows ("Primorsky Krai") or a text with an institution word.
    """
    person = _person(text)
    if person is None or person.culture not in NAME_CULTURES or person.given is None:
        return None
    parts = "".join(part for part in (person.family, person.given, person.patronymic) if part)
    if _letters(parts) != _letters(text):
        return None
    if _place(text) is not None or _has_keyword(text):
        return None
    return person


def _is_name_token(token: Token) -> bool:
    """A word that can be part of a name: capitalised, or in capitals ("LI Ye")."""
    return token.is_alpha and (token.is_title or (token.is_upper and len(token) > 1))


def _window_score(doc: Doc, start: int, end: int, person: PersonName) -> tuple[bool, int, bool, bool, int]:
    """Higher is likelier, in this order:

    - a family name that stands alone ("Ivanova", not "Krai" in "Krai Yekaterina");
    - longer ("Nikolai Andreyevich Rudakov", not "Andreyevich Rudakov"; "Sukhanov Dmitry
      Igorevich", not "Oblast Sukhanov");
    - the usual order of the culture: Russian given name first ("Denis Olegovich Shvets", not
      "Oblast Denis Olegovich"), Chinese family name first;
    - no place word inside ("Wang Lei", not "Heihe Wang"); names can be towns too ("Mogilev",
      "Anna"), so this only breaks ties;
    - earlier.
    """
    family_alone = person.culture == "chinese" or _person(person.family or "") is not None
    first = doc[start].text.casefold()
    lead = person.given if person.culture == "russian" else person.family
    usual_order = lead is not None and first == lead.casefold()
    has_place = any(_place(doc[i].text) is not None for i in range(start, end))
    return (family_alone, end - start, usual_order, not has_place, -start)


def _plausibly_russian(person: PersonName, given_names: frozenset[str]) -> bool:
    """A Russian parse needs a known given name or a patronymic ("Rustam Ilgizovich Khairullin")."""
    if person.culture != "russian":
        return True
    return (person.given or "").casefold() in given_names or person.patronymic is not None


def find_person_names(doc: Doc, blocked: frozenset[int] = frozenset(),
                      given_names: frozenset[str] = frozenset()) -> list[Candidate]:
    """PERSON candidates for runs of capitalised words that parse as Chinese or Russian names.

    ``blocked`` token indices never start or join a name (the first words of TITLE matches, so
    "Director Ivanov" is not read as a given name and a surname). A Russian name needs a given
    name of ``given_names`` (casefolded) or a patronymic. Overlapping windows are settled by
    ``_window_score``.
    """
    scored: list[tuple[tuple[bool, int, bool, bool, int], Candidate]] = []
    i = 0
    while i < len(doc):
        if not _is_name_token(doc[i]) or i in blocked:
            i += 1
            continue
        run_end = i
        while run_end < len(doc) and _is_name_token(doc[run_end]) and run_end not in blocked:
            run_end += 1
        for size in NAME_WINDOW_SIZES:
            for start in range(i, run_end - size + 1):
                end = start + size
                # "Li Siguang School": a name followed by an institution word is that institution's.
                if end < len(doc) and _has_keyword(doc[end].text):
                    continue
                person = parse_name_window(doc[start:end].text)
                if person is not None and _plausibly_russian(person, given_names):
                    scored.append((_window_score(doc, start, end, person), Candidate(start, end, PERSON)))
        i = run_end
    chosen: list[Candidate] = []
    for _, cand in sorted(scored, key=lambda item: item[0], reverse=True):
        if not any(cand.overlaps(other) for other in chosen):
            chosen.append(cand)
    return sorted(chosen)


def drop_ambiguous_initials(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Drop a PERSON "<Word> <initials>" that a capitalised word follows: the initials are that word's.

    "Deputy Director for Academic Affairs T.V. Lomova" matches both "Affairs T.V." and
    "T.V. Lomova"; initials go before the surname unless nothing name-like follows them
    ("vice-rector Serdechkin Yu.V. The rector ...").
    """
    kept = []
    for cand in cands:
        last = doc[cand.end - 1]
        following = doc[cand.end] if cand.end < len(doc) else None
        if (cand.label == PERSON and _INITIALS.match(last.text) and following is not None
                and _is_name_token(following) and not following.is_stop):
            continue
        kept.append(cand)
    return kept


def sure_people(doc: Doc, rules: Sequence[Candidate], given_names: frozenset[str] = frozenset()) -> list[Candidate]:
    """Names found by ``find_person_names``, then PERSON rule matches that overlap none of them.

    Found names go first: a sentence-final Chinese given name looks like an initial to the
    rules ("... Co., Ltd. Tian Bo. Novosibirsk ..." must not give "Bo. Novosibirsk").
    """
    blocked = frozenset(rule.start for rule in rules if rule.label == TITLE)
    found = find_person_names(doc, blocked, given_names)
    initials = [
        rule for rule in drop_ambiguous_initials(doc, rules)
        if rule.label == PERSON and not any(rule.overlaps(name) for name in found)
    ]
    return sorted(found + longest_first(initials))


def _pieces_outside(cand: Candidate, holes: Sequence[Candidate]) -> list[tuple[int, int]]:
    """The token ranges of ``cand`` that no hole covers."""
    pieces: list[tuple[int, int]] = []
    start = cand.start
    for hole in sorted(holes):
        if hole.start > start:
            pieces.append((start, min(hole.start, cand.end)))
        start = max(start, hole.end)
    if start < cand.end:
        pieces.append((start, cand.end))
    return pieces


def cut_around_people(doc: Doc, model: Sequence[Candidate], people: Sequence[Candidate]) -> list[Candidate]:
    """Cut sure people out of model entities; what is left keeps its label if it can hold it.

    A left-over piece of a PERSON is a GPE when the gazetteer knows it ("Vladivostok Pan
    Jiaqi"); else it completes a model INSTITUTION or GPE right before it ("Ussuriysk Urban" +
    "District" of "District Nikolai Andreyevich"); else it goes. Pieces of other labels stay
    (labels are checked later).
    """
    result: list[Candidate] = []
    for ent in sorted(model):
        hits = [person for person in people if person.overlaps(ent)]
        if not hits or (ent.label == PERSON and ent in hits):
            result.append(ent)
            continue
        for start, end in _pieces_outside(ent, hits):
            if ent.label != PERSON:
                result.append(Candidate(start, end, ent.label))
            elif _place(doc[start:end].text) is not None:
                result.append(Candidate(start, end, GPE))
            elif result and result[-1].end == start and result[-1].label in (INSTITUTION, GPE):
                result[-1] = Candidate(result[-1].start, end, result[-1].label)
    return result


# --------------------------------------------------------------------------- label checks


def looks_like_person(text: str) -> bool:
    """A span the gazetteer does not know but that parses as a Chinese or Russian name."""
    if _place(text) is not None or _has_keyword(text):
        return False
    person = _person(text)
    return person is not None and person.culture in NAME_CULTURES and person.given is not None


# A model ORG this long without any institution word is a headline or a slogan, not a name.
MAX_UNMARKED_INSTITUTION_TOKENS = 5


def drop_unmarked_institutions(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Drop long INSTITUTION spans with no institution keyword ("Deepening Sister City ...")."""
    return [
        c for c in cands
        if c.label != INSTITUTION or len(c) <= MAX_UNMARKED_INSTITUTION_TOKENS
        or _has_keyword(doc[c.start:c.end].text)
    ]


def relabel_people(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Fix the small model's habit of tagging unfamiliar names as places or ORGs ("Marina Akshonova")."""
    return [
        Candidate(c.start, c.end, PERSON)
        if c.label in (GPE, INSTITUTION) and looks_like_person(doc[c.start:c.end].text) else c
        for c in cands
    ]


def relabel_places(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """A place the gazetteer knows is a GPE when tagged INSTITUTION without an institution word
    ("Primorsky Krai") or PERSON ("Zabaykalsky Krai", "Suifenhe"; a one-word place that is
    also a surname, "Korsakov", stays a PERSON)."""
    result = []
    for c in cands:
        text = doc[c.start:c.end].text
        if c.label == INSTITUTION and not _has_keyword(text) and _place(text) is not None:
            c = Candidate(c.start, c.end, GPE)
        elif c.label == PERSON and (len(c) > 1 or _person(text) is None) and _place(text) is not None:
            c = Candidate(c.start, c.end, GPE)
        result.append(c)
    return result


def tag_family_mentions(doc: Doc, cands: Sequence[Candidate]) -> list[Candidate]:
    """Later mentions by family name of people named in full ("Volkova said") are PERSONs.

    A one-word GPE or INSTITUTION spelling such a family name is relabelled; a capitalised
    word no entity covers becomes a PERSON unless it stands next to another capitalised word
    (then it is part of some other name).
    """
    families: set[str] = set()
    for c in cands:
        if c.label == PERSON:
            person = _person(doc[c.start:c.end].text)
            if person is not None and person.given is not None and person.family:
                families.add(person.family.casefold())
    if not families:
        return list(cands)
    covered = {i for c in cands for i in range(c.start, c.end)}
    result: list[Candidate] = []
    for c in cands:
        if c.label in (GPE, INSTITUTION) and len(c) == 1 and doc[c.start].text.casefold() in families:
            c = Candidate(c.start, c.end, PERSON)
        result.append(c)
    for token in doc:
        if token.i in covered or not _is_name_token(token) or token.text.casefold() not in families:
            continue
        if _in_longer_name(doc, token, covered):
            continue
        result.append(Candidate(token.i, token.i + 1, PERSON))
    return sorted(result)


def _in_longer_name(doc: Doc, token: Token, covered: set[int]) -> bool:
    """Whether a capitalised word no entity covers stands right before or after ``token``."""
    before = token.i - 1 if not token.is_sent_start else -1
    after = token.i + 1 if token.i + 1 < len(doc) and not doc[token.i + 1].is_sent_start else -1
    return any(j >= 0 and j not in covered and _is_name_token(doc[j]) for j in (before, after))


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


def resolve_entities(doc: Doc, model: Sequence[Candidate], rules: Sequence[Candidate],
                     trim: TrimRules, given_names: frozenset[str] = frozenset()) -> list[Candidate]:
    """All steps of the module docstring, in order: the final non-overlapping entities."""
    people = sure_people(doc, rules, given_names)
    other_rules = [rule for rule in rules if not any(rule.overlaps(person) for person in people)]
    # Model spans are trimmed first too, so a TITLE after "the" still stands at their edge.
    model = [t for c in model if (t := trim_span(doc, c, trim)) is not None]
    merged = merge_candidates(cut_around_people(doc, model, people), other_rules + people)
    trimmed = [t for c in merged if (t := trim_span(doc, c, trim)) is not None]
    checked = relabel_places(doc, relabel_people(doc, drop_unmarked_institutions(doc, trimmed)))
    mentioned = tag_family_mentions(doc, longest_first(checked))
    return longest_first(join_institution_chains(doc, mentioned))


def read_given_names(path: str = str(GIVEN_NAMES_FILE)) -> list[str]:
    """The Russian given names and their canonical spellings, casefolded and sorted."""
    from pathlib import Path

    rows = read_csv_table(Path(path), ("name", "canonical"))
    return sorted({cell.strip().casefold() for row in rows for cell in row.values() if cell.strip()})


class EntityMerger(RulesComponent):
    """Sets ``doc.ents`` from the NER entities and the rule span group; no ``._`` attributes.

    ``self.rules`` = {"trim": rows of patterns/entity_trim.csv, "given_names": [...]}.
    """

    def __init__(self, name: str, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key
        self.rules: dict[str, list] = {"trim": [], "given_names": []}
        self._trim = TrimRules.from_rows([])
        self._given_names: frozenset[str] = frozenset()

    def _apply_rules(self) -> None:
        self._trim = TrimRules.from_rows(self.rules["trim"])
        self._given_names = frozenset(self.rules["given_names"])

    def initialize(self, get_examples: Callable | None = None, *, nlp: Language | None = None,
                   trim_rows: list[dict[str, str]] | None = None, given_names: list[str] | None = None) -> None:
        self.rules = {
            "trim": trim_rows if trim_rows is not None else read_trim_rows(),
            "given_names": sorted({n.casefold() for n in given_names}) if given_names is not None else read_given_names(),
        }
        self._apply_rules()

    def __call__(self, doc: Doc) -> Doc:
        model = [Candidate(e.start, e.end, e.label_) for e in doc.ents]
        rules = [Candidate(s.start, s.end, s.label_) for s in doc.spans.get(self.spans_key, [])]
        final = resolve_entities(doc, model, rules, self._trim, self._given_names)
        doc.ents = [Span(doc, c.start, c.end, label=c.label) for c in final]
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
