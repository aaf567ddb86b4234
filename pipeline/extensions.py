"""Every custom Doc attribute the pipeline reads or writes, registered once.

Values are plain data (strings, ints, lists of dicts) so Docs survive DocBin and
``nlp.pipe(n_process=...)`` unchanged.

Doc._.published         str | None   ISO publication date of the article (set before the pipeline)
Doc._.published_span    list[int] | None   [start_char, end_char] of the publication stamp
Doc._.dates             list[dict]   one per DATE entity (see components.dates)
Doc._.officials         list[dict]   person/title/organisation links (see components.officials)
Doc._.delegations       list[dict]   visits (see components.events)
Doc._.agreements        list[dict]   agreements signed (see components.agreements)
Doc._.sister_cities     list[dict]   sister-city ties (see components.events)
"""

from __future__ import annotations

from spacy.tokens import Doc

_DOC_ATTRIBUTES: dict[str, object] = {
    "published": None,
    "published_span": None,
    "dates": None,
    "officials": None,
    "delegations": None,
    "agreements": None,
    "sister_cities": None,
}


def register_extensions() -> None:
    """Register the Doc extensions; safe to call many times."""
    for name, default in _DOC_ATTRIBUTES.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)


register_extensions()
