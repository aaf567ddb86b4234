"""Doc -> table rows: one function per output table.

Components leave surface links on ``Doc._`` (see pipeline.components); this module
normalises them (names, institutions, places, dates) into rows keyed as in
pipeline.tables.SCHEMAS.
"""

from __future__ import annotations

import datetime as dt

from typing import Any

from spacy.tokens import Doc

from pipeline.ingest import Article
from pipeline.labels import AGREEMENT, DATE, DELEGATION, GPE, INSTITUTION, PERSON
from pipeline.normalize.institutions import (
    bracketed_aliases,
    clean_institution_name,
    cluster_mentions,
    institution_id,
    institution_type,
    normalize_institution,
)
from pipeline.normalize.names import PersonName, normalize_person
from pipeline.normalize.places import Place, country_code, find_place, resolve_place

Row = dict[str, Any]


def article_row(article: Article) -> Row:
    return article.to_row()


def _dates_by_offset(doc: Doc) -> dict[int, Row]:
    return {record["start_char"]: record for record in doc._.dates or []}


def date_rows(doc: Doc, article_id: str) -> list[Row]:
    return [{"article_id": article_id, **record} for record in doc._.dates or []]


def _normalized_mention(label: str, text: str, start_char: int, dates: dict[int, Row]) -> str | None:
    if label == DATE:
        record = dates.get(start_char)
        return record["value"] if record else None
    if label == PERSON:
        person = normalize_person(text)
        return person.display if person else None
    if label == INSTITUTION:
        return normalize_institution(text)
    if label == GPE:
        place = resolve_place(text)
        return place.name if place else None
    return text.lower()


def mention_rows(doc: Doc, article_id: str) -> list[Row]:
    dates = _dates_by_offset(doc)
    return [
        {
            "article_id": article_id,
            "label": ent.label_,
            "text": ent.text,
            "start_char": ent.start_char,
            "end_char": ent.end_char,
            "normalized": _normalized_mention(ent.label_, ent.text, ent.start_char, dates),
        }
        for ent in doc.ents
    ]


def _place_country(text: str | None) -> str | None:
    if not text:
        return None
    place = resolve_place(text) or find_place(text)
    return place.country if place else country_code(text)


def _culture_country(person: PersonName) -> str | None:
    return {"chinese": "CN", "russian": "RU"}.get(person.culture)


# How an official's organisation was found, most reliable first (components.officials).
_SOURCE_RANK = {"phrase": 0, "reference": 1, "delegation": 2, "context": 3}


def official_rows(doc: Doc, article_id: str) -> list[Row]:
    """One row per person per article; the most reliable title/organisation link wins, and a
    later surname-only mention ("Barkov said") joins the one full name with that surname."""
    by_person: dict[str, Row] = {}
    best: dict[str, int] = {}
    for link in doc._.officials or []:
        person = normalize_person(link["person"])
        if person is None:
            continue
        person = _full_name_for(person, by_person) or person
        organization = clean_institution_name(link["organization"]) if link["organization"] else None
        country = (
            _place_country(organization)
            or (country_code(link["nationality"]) if link["nationality"] else None)
            or _culture_country(person)
        )
        row = {
            "article_id": article_id,
            "person_id": person.person_id,
            "name": person.display,
            "family_name": person.family,
            "given_name": person.given,
            "patronymic": person.patronymic,
            "title": link["title"],
            "organization": organization,
            "country": country,
            "start_char": link["person_start"],
            "end_char": link["person_end"],
            "evidence_start": link["evidence_start"],
            "evidence_end": link["evidence_end"],
        }
        unranked = len(_SOURCE_RANK)
        rank = _SOURCE_RANK.get(link.get("organization_source"), unranked) if organization else unranked + 1
        known = by_person.get(person.person_id)
        if known is None:
            by_person[person.person_id] = row
            best[person.person_id] = rank
        elif rank < best[person.person_id]:
            known.update(title=row["title"] or known["title"], organization=organization, country=country)
            best[person.person_id] = rank
        elif known["title"] is None and row["title"] is not None:
            known["title"] = row["title"]
    return list(by_person.values())


def _full_name_for(person: PersonName, seen: dict[str, Row]) -> PersonName | None:
    """The one fuller name already seen with this family name, for a surname-only mention."""
    if person.given is not None:
        return None
    matches = [row for row in seen.values() if row["family_name"] == person.family and row["given_name"]]
    if len(matches) != 1:
        return None
    return normalize_person(matches[0]["name"])


def institution_rows(doc: Doc, article_id: str) -> list[Row]:
    """One row per institution per article, named by its fullest form.

    Spelling variants, abbreviations, short forms and alternative names in brackets are merged
    (``cluster_mentions``); the row's offsets are those of the first mention.
    """
    mentions = [(clean_institution_name(e.text), e.start_char, e.end_char) for e in doc.ents if e.label_ == INSTITUTION]
    mentions = [m for m in mentions if m[0]]
    if not mentions:
        return []
    clusters = cluster_mentions([name for name, _, _ in mentions], bracketed_aliases(doc.text, mentions))
    grouped: dict[str, list[tuple[str, int, int]]] = {}
    for mention in mentions:
        grouped.setdefault(clusters[mention[0]], []).append(mention)
    rows = []
    for fullest, group in grouped.items():
        _, start, end = group[0]
        key = normalize_institution(fullest)
        place = find_place(fullest)
        rows.append({
            "article_id": article_id,
            "institution_id": institution_id(fullest),
            "name": fullest,
            "name_normalized": key,
            "type": institution_type(fullest),
            "city": place.name if place is not None and place.kind == "city" else None,
            "country": place.country if place is not None else None,
            "n_mentions": len(group),
            "start_char": start,
            "end_char": end,
        })
    rows.sort(key=lambda row: row["start_char"])
    return rows


def _resolved(text: str | None) -> tuple[str | None, str | None]:
    """(canonical place name, country) for a place mention."""
    if not text:
        return None, None
    place: Place | None = resolve_place(text)
    if place is None:
        return text, country_code(text)
    return place.name, place.country


def _date_bounds(doc: Doc, start_char: int | None) -> tuple[str | None, str | None, str | None]:
    """(value, start, end) at text precision for the DATE entity at start_char."""
    if start_char is None:
        return None, None, None
    record = _dates_by_offset(doc).get(start_char)
    if record is None:
        return None, None, None
    value = record["value"]
    if "/" in value:
        first, last = value.split("/", 1)
        return value, first, last
    return value, value, value


def _visit_days(doc: Doc, record: dict[str, Any]) -> tuple[str | None, str | None]:
    """First and last day of a visit (GUIDELINES 7.3): the dated days, the day they left, or
    a stated length counted from the day they came or back from the day they left; a visit
    dated only by its arrival has no known last day."""
    _, start, end = _date_bounds(doc, record["date_start_char"])
    one_day = start is not None and start == end and len(start) == len("YYYY-MM-DD")
    days = record.get("duration_days")
    if one_day and record.get("date_role") == "departure":
        start = _shift(end, 1 - days) if days else None
    elif one_day and days:
        end = _shift(start, days - 1)
    elif one_day and record.get("date_role") == "arrival":
        end = None
    if record.get("end_start_char") is not None:
        # The day they left, when the article gives it ("left for Suifenhe on May 18").
        _, _, departure = _date_bounds(doc, record["end_start_char"])
        if departure is not None and (start is None or departure >= start):
            end = departure
    return start, end


def _shift(day: str | None, days: int) -> str | None:
    """An ISO day moved by a number of days."""
    if day is None:
        return None
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def delegation_rows(doc: Doc, article_id: str, officials: list[Row]) -> list[Row]:
    by_mention = {row["start_char"]: row for row in officials}
    rows = []
    for record in doc._.delegations or []:
        leader = normalize_person(record["leader"]) if record["leader"] else None
        official = by_mention.get(record["leader_start"]) if record["leader_start"] is not None else None
        if official is None and leader is not None:
            official = next((o for o in officials if o["person_id"] == leader.person_id), None)
        if official is None and leader is not None and len(record["leader"].split()) == 1:
            # "Kornienko's delegation": the family name of an official named in full elsewhere.
            named = [o for o in officials if (o["family_name"] or "").casefold() == record["leader"].casefold()]
            if len(named) == 1:
                official = named[0]
                leader = normalize_person(official["name"]) or leader
        origin, origin_country = _resolved(record["origin"])
        if origin is None and official is not None and official["organization"]:
            place = find_place(official["organization"])
            if place is not None:
                origin, origin_country = place.name, place.country
        destination, destination_country = _resolved(record["destination"])
        start, end = _visit_days(doc, record)
        rows.append({
            "article_id": article_id,
            "leader_name": leader.display if leader else None,
            "leader_person_id": leader.person_id if leader else None,
            "leader_title": official["title"] if official else None,
            "origin": origin,
            "origin_country": origin_country,
            "destination": destination,
            "destination_country": destination_country,
            "size": record["size"],
            "start": start,
            "end": end,
            "institutions_visited": [clean_institution_name(n) for n in record["institutions_visited"]],
            "start_char": record["start_char"],
            "end_char": record["end_char"],
        })
    return rows


def agreement_rows(doc: Doc, article_id: str, officials: list[Row]) -> list[Row]:
    known = {row["person_id"]: row for row in officials}
    rows = []
    for record in doc._.agreements or []:
        value, _, _ = _date_bounds(doc, record["date_start_char"])
        signatories = [
            (_full_name_for(p, known) or p).display for name in record["signatories"] if (p := normalize_person(name))
        ]
        parties = [clean_institution_name(p) for p in record["parties"]]
        rows.append({
            "article_id": article_id,
            "agreement_type": record["agreement_type"],
            "title": record["title"],
            "parties": parties,
            "signatories": signatories,
            "signed_date": value,
            "place": _resolved(record["place"])[0],
            "start_char": record["start_char"],
            "end_char": record["end_char"],
        })
    return rows


def sister_city_rows(doc: Doc, article_id: str) -> list[Row]:
    rows = []
    for record in doc._.sister_cities or []:
        city_a, country_a = _resolved(record["city_a"])
        city_b, country_b = _resolved(record["city_b"])
        value, _, _ = _date_bounds(doc, record["date_start_char"])
        rows.append({
            "article_id": article_id,
            "city_a": city_a,
            "country_a": country_a,
            "city_b": city_b,
            "country_b": country_b,
            "since": value,
            "start_char": record["start_char"],
            "end_char": record["end_char"],
        })
    return rows


def doc_to_rows(doc: Doc, article: Article) -> dict[str, list[Row]]:
    """Every table's rows for one processed article."""
    article_id = article.article_id
    officials = official_rows(doc, article_id)
    return {
        "articles": [article_row(article)],
        "mentions": mention_rows(doc, article_id),
        "officials": officials,
        "institutions": institution_rows(doc, article_id),
        "delegations": delegation_rows(doc, article_id, officials),
        "agreements": agreement_rows(doc, article_id, officials),
        "sister_cities": sister_city_rows(doc, article_id),
        "dates": date_rows(doc, article_id),
    }
