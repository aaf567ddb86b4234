"""Link each PERSON to the TITLE and organisation the sentence gives it.

Sets ``Doc._.officials``: list of dicts with keys
    person (str), person_start (int), person_end (int): the name mention (char offsets),
    title (str | None), organization (str | None),
    nationality (str | None): an adjective or place before the title ("Russian", "Moscow"),
    evidence_start (int), evidence_end (int): the whole phrase.
Names are normalised later (pipeline.records); this component only reads the surface order
in which news writes officials:
    TITLE PERSON                      Director Zhao Haiying
    ORG/GPE TITLE PERSON              Moscow Vice-Mayor M. Men
    TITLE to GPE PERSON               Russian ambassador to China Igor Rogachev
    TITLE PERSON of ORG               Director Li Changni of the Foreign Exchange Center
    PERSON, TITLE (of|at) ORG         Marina Akshonova, Director of the Education Department of ...
    PERSON, ORG TITLE                 Wang Lei, Heilongjiang University rector
    PERSON from ORG                   Li Dongying from the Foreign Exchange Center
A titled person with no organisation in the phrase takes the nearest institution named
before them in the same or the previous sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.labels import FACTORY_OFFICIALS, GPE, INSTITUTION, PERSON, TITLE

ORG_LABELS = (INSTITUTION, GPE)

# Token sequences allowed between the parts of an official's phrase.
_NAME_TO_TITLE = ((",",), (",", "the"), (",", "a"), ("the",), (",", "who", "is"), ("is",), (",", "now"))
_TITLE_TO_ORG = (("of",), ("of", "the"), ("at",), ("at", "the"), ("in",), ("in", "the"), ("from",), ("from", "the"))
_NAME_TO_ORG = (("from",), ("from", "the"), ("of",), ("of", "the"), ("at",), ("at", "the"), (",",), (",", "the"))
_ORG_TO_TITLE = ((), ("'s",), ("’s",))


@dataclass
class _Link:
    person: Span
    title: Span | None = None
    org: Span | None = None
    nationality: str | None = None

    def as_row(self) -> dict[str, Any]:
        parts = [s for s in (self.person, self.title, self.org) if s is not None]
        return {
            "person": self.person.text,
            "person_start": self.person.start_char,
            "person_end": self.person.end_char,
            "title": self.title.text if self.title is not None else None,
            "organization": self.org.text if self.org is not None else None,
            "nationality": self.nationality,
            "evidence_start": min(s.start_char for s in parts),
            "evidence_end": max(s.end_char for s in parts),
        }


def _gap(doc: Doc, left: Span, right: Span) -> tuple[str, ...]:
    return tuple(t.lower_ for t in doc[left.end:right.start] if not t.is_space)


def _adjective_before(doc: Doc, span: Span) -> str | None:
    """A capitalised modifier right before a title ("Russian" ambassador)."""
    if span.start == 0:
        return None
    token = doc[span.start - 1]
    if token.is_title and token.pos_ in ("ADJ", "PROPN") and token.ent_type_ == "":
        return token.text
    return None


def link_officials(doc: Doc) -> list[_Link]:
    """Find person-title-organisation links sentence by sentence."""
    ents = list(doc.ents)
    links: list[_Link] = []
    for i, ent in enumerate(ents):
        if ent.label_ != PERSON:
            continue
        sent = ent.sent if doc.has_annotation("SENT_START") else doc[:]

        def at(k: int) -> Span | None:
            if 0 <= k < len(ents) and ents[k].start >= sent.start and ents[k].end <= sent.end:
                return ents[k]
            return None

        link = _Link(ent)
        prev, prev2 = at(i - 1), at(i - 2)
        # Title before the name.
        if prev is not None and prev.label_ == TITLE and _gap(doc, prev, ent) == ():
            link.title = prev
            if prev2 is not None and prev2.label_ in ORG_LABELS and _gap(doc, prev2, prev) in _ORG_TO_TITLE:
                link.org = prev2
            link.nationality = _adjective_before(doc, prev)
        elif (prev is not None and prev.label_ == GPE and prev2 is not None and prev2.label_ == TITLE
              and _gap(doc, prev, ent) == () and _gap(doc, prev2, prev) == ("to",)):
            link.title = prev2
            link.nationality = _adjective_before(doc, prev2)
        nxt, nxt2 = at(i + 1), at(i + 2)
        if nxt is not None:
            gap = _gap(doc, ent, nxt)
            if link.title is None and nxt.label_ == TITLE and gap in _NAME_TO_TITLE:
                link.title = nxt
                if nxt2 is not None and nxt2.label_ in ORG_LABELS and _gap(doc, nxt, nxt2) in _TITLE_TO_ORG:
                    link.org = nxt2
            elif (link.title is None and nxt.label_ == INSTITUTION and gap in ((",",), (",", "the"))
                  and nxt2 is not None and nxt2.label_ == TITLE and _gap(doc, nxt, nxt2) in _ORG_TO_TITLE):
                link.org, link.title = nxt, nxt2
            elif link.org is None and nxt.label_ in ORG_LABELS and gap in _NAME_TO_ORG:
                if nxt.label_ == INSTITUTION or link.title is not None:
                    link.org = nxt
        if link.title is not None and link.org is None:
            link.org = _institution_in_context(doc, ents, i)
        if link.title is not None or link.org is not None:
            links.append(link)
    return links


def _institution_in_context(doc: Doc, ents: list[Span], index: int) -> Span | None:
    """The nearest INSTITUTION before a titled person, in its sentence or the one before.

    News introduces the place, then its officials: "During the visit to the Changchun
    Education Bureau, Deputy Director Lyu Dehui ..."; "The delegation first visited the
    Foreign Affairs Office. Director Zhao Haiying met with them."
    """
    person = ents[index]
    sent = person.sent
    window_start = sent.start
    if sent.start > 0:
        window_start = doc[sent.start - 1].sent.start
    for ent in reversed(ents[:index]):
        if ent.end <= window_start:
            break
        if ent.label_ == PERSON:
            return None  # someone else was introduced in between
        if ent.label_ == INSTITUTION:
            return ent
    return None


class OfficialLinker:
    """Sets ``Doc._.officials`` (see module docstring) and drops TITLE entities no one holds."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        links = link_officials(doc)
        doc._.officials = [link.as_row() for link in links]
        # A title nobody holds ("the chairman, executive chairman ... were elected") is no
        # TITLE mention: only titles linked to a named person stay entities.
        held = {(link.title.start, link.title.end) for link in links if link.title is not None}
        doc.ents = [e for e in doc.ents if e.label_ != TITLE or (e.start, e.end) in held]
        return doc


@Language.factory(FACTORY_OFFICIALS, default_config={}, assigns=["doc._.officials", "doc.ents"], requires=["doc.ents", "token.is_sent_start"])
def make_official_linker(nlp: Language, name: str) -> OfficialLinker:
    return OfficialLinker(name)
