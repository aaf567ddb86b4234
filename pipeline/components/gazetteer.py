"""Add the Chinese and Russian places the statistical NER missed, from the gazetteer.

The small English model knows Moscow and Beijing but often not Irkutsk, Heihe or
Blagoveshchensk. This component matches the gazetteer's capitalised surface forms
(pipeline.normalize.places.gazetteer_surface_forms: geonames cities and the region and
country names of patterns/place_aliases.csv) and adds a GPE entity where no other entity
stands. A match followed by another capitalised word that no entity explains is part of a
longer name ("Harbin Ice Festival") and is left alone, and so is a match on the site lines the
entity merger found (``doc.spans[SITE_LINES_KEY]``: a masthead such as "Government of
Novosibirsk Oblast" is not part of the story). A GPE the NER cut short inside a longer
gazetteer name ("Ulan" of "Ulan-Ude") is replaced by the whole name. Sets ``doc.ents`` only.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.components.base import RulesComponent
from pipeline.components.entity_merger import SITE_LINES_KEY
from pipeline.labels import FACTORY_GAZETTEER, GPE


class GazetteerTagger(RulesComponent):
    """Fills gaps in ``doc.ents`` with GPE matches of the gazetteer."""

    def __init__(self, name: str, nlp: Language) -> None:
        self.name = name
        self.nlp = nlp
        self.rules: list[str] = []
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")

    def _apply_rules(self) -> None:
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.matcher.add(GPE, list(self.nlp.tokenizer.pipe(self.rules)))

    def initialize(self, get_examples: Callable | None = None, *, nlp: Language | None = None,
                   forms: list[str] | None = None) -> None:
        if forms is None:
            from pipeline.normalize.places import gazetteer_surface_forms

            forms = gazetteer_surface_forms()
        self.rules = sorted(forms)
        self._apply_rules()

    def __call__(self, doc: Doc) -> Doc:
        taken = [False] * len(doc)
        for span in [*doc.ents, *doc.spans.get(SITE_LINES_KEY, [])]:
            for i in range(span.start, span.end):
                taken[i] = True
        found = []
        cut_places: set[Span] = set()
        for _, start, end in self.matcher(doc):
            if any(taken[start:end]):
                # A place the NER cut at a hyphen ("Ulan" of "Ulan-Ude", "Komsomolsk" of
                # "Komsomolsk-on-Amur") gives way to the gazetteer's whole name.
                inside = [e for e in doc.ents if e.start < end and start < e.end]
                covered = sum(len(e) for e in inside)
                if not inside or covered == end - start or covered != sum(taken[start:end]) or \
                        not all(e.label_ == GPE and start <= e.start and e.end <= end for e in inside):
                    continue
                cut_places.update(inside)
            elif end < len(doc) and doc[end].is_title and not doc[end].is_sent_start and not taken[end]:
                continue
            found.append(Span(doc, start, end, label=GPE))
        if found:
            kept = [e for e in doc.ents if e not in cut_places]
            doc.ents = sorted(kept + filter_spans(found))
        return doc


@Language.factory(FACTORY_GAZETTEER, default_config={}, assigns=["doc.ents"], requires=["doc.ents"])
def make_gazetteer(nlp: Language, name: str) -> GazetteerTagger:
    return GazetteerTagger(name, nlp)
