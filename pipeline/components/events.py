"""Delegation visits, agreements and sister-city ties, read from sentences with triggers.

Sets three ``Doc._`` attributes, each a list of dicts of plain data (char offsets, strings;
person names as written, normalised later by pipeline.records):

``Doc._.delegations``: leader, leader_start, leader_end (str/int | None), origin, destination
    (place text | None), size (int | None), date_start_char/date_end_char (the DATE entity
    giving the visit dates | None), date_role ("visit", "arrival" or "departure": which day of
    the visit that date is), duration_days (a stated length | None), end_start_char/
    end_end_char (the DATE they left or stay until | None), institutions_visited (list[str]),
    visitor_institution, start_char, end_char. A delegation is a DELEGATION entity, a
    travelling group ("a group of 24 pupils"), a party named with its home that crosses the
    border ("Journalists from Russian regional media are on a press tour of Heilongjiang",
    "Harbin hosted guests from Khabarovsk", "the team returned to Chita from Hailar") or, when
    none is named, an official's own cross-border trip.
``Doc._.agreements``: agreement_text, agreement_type, title, parties (list[str]),
    signatories (list[str]), date_start_char/date_end_char (| None), place, start_char, end_char;
    one per AGREEMENT phrase governed by a signing verb (see SigningClause), merged with the
    later sentences that complete it ("The document was signed by ...").
``Doc._.sister_cities``: city_a, city_b (place text), date_start_char/date_end_char (| None),
    start_char, end_char.

Trigger words (visit, arrive, depart, return, lead, host, sign, sister city, establish,
future/modal, habit) and group, party, office and size phrases are Matcher patterns in
patterns/event_triggers.jsonl; agreement types and number words are CSV tables.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans, registry

from pipeline.components.agreements import find_agreements, merge_agreements
from pipeline.components.base import RulesComponent
from pipeline.components.prefilter import PrefilteredMatcher
from pipeline.components.sentences import (
    GROUP, GROUP_REF, GROUP_VERB_WINDOW, OFFICE, PARTY, SIZE, SentenceView, date_at, date_offsets, date_value,
    first_after, is_day, is_planned, last_before, leader_home, leader_org, official_links, place_kind,
    same_country,
)
from pipeline.labels import (
    EVENT_TRIGGER_FILE, FACTORY_EVENTS, GPE, INSTITUTION, PERSON, SISTER_CITY_AGREEMENT, TRIGGER_LABELS,
)
from pipeline.normalize.names import CULTURE_COUNTRIES, normalize_person
from pipeline.normalize.places import find_place, resolve_place
from pipeline.rules import PATTERNS_DIR, read_csv_table, read_jsonl_patterns


# How far (in tokens) after a delegation phrase its size may be written ("The delegation,
# consisting of 15 people").
SIZE_WINDOW = 2
# How far (in tokens) a leader's name may follow "led by" ("headed by the president of the
# college, Professor Gao Jianhua").
LEADER_WINDOW = 14
# Words right before the place a delegation goes to.
_DESTINATION_WORDS = frozenset({"to", "in", "visited", "visit", "toured", "reached"})


@registry.misc("cnru.event_rules.v1")
def read_event_rules(patterns_dir: str = str(PATTERNS_DIR)) -> dict[str, Any]:
    """Trigger patterns, agreement type keywords and number words, as one payload."""
    from pathlib import Path

    directory = Path(patterns_dir)
    return {
        "triggers": read_jsonl_patterns(directory / EVENT_TRIGGER_FILE, TRIGGER_LABELS),
        "agreement_types": read_csv_table(directory / "agreement_types.csv", ("keyword", "agreement_type", "priority")),
        "number_words": read_csv_table(directory / "number_words.csv", ("word", "value")),
    }


# A word, or a number with thousands separators ("2,000").
_NUMBER_OR_WORD = re.compile(r"[A-Za-z]+|\d{1,3}(?:,\d{3})+|\d+")


def parse_size(text: str, number_words: dict[str, int]) -> int | None:
    """Delegation size from its phrase: "five-member", "of 19 members", "a 12-strong"."""
    for raw in re.findall(_NUMBER_OR_WORD, text):
        word = raw.lower().replace(",", "")
        if word.isdigit():
            return int(word)
        if word in number_words:
            return number_words[word]
    return None


def _delegation_size(view: SentenceView, phrases: list[Span], number_words: dict[str, int]) -> int | None:
    """The size in a delegation phrase ("five-member delegation"), counted in a group
    ("Fifteen pupils and two teachers") or written right after the phrase ("a delegation of
    more than 40 people")."""
    for span in phrases:
        size = parse_size(span.text, number_words) if span.label_ != GROUP else parse_group_size(span.text, number_words)
        if size is not None:
            return size
        for written in view.groups:
            if written.label_ == SIZE and 0 <= written.start - span.end <= SIZE_WINDOW:
                return parse_group_size(written.text, number_words)
    return None


def parse_group_size(text: str, number_words: dict[str, int]) -> int | None:
    """Size of a group: every number it counts ("Fifteen pupils and two teachers" -> 17)."""
    words = [w.replace(",", "") for w in re.findall(_NUMBER_OR_WORD, text)]
    numbers = [int(w) if w.isdigit() else number_words.get(w.lower()) for w in words]
    counted = [n for n in numbers if n is not None]
    return sum(counted) if counted else None


def find_official_visit(view: SentenceView, number_words: dict[str, int]) -> dict[str, Any] | None:
    """A visit by an official with no delegation named ("Mayor of Vladivostok X wrapped up a
    four-day visit to Dalian"): a cross-border trip of a titled person whose organisation
    places them at home, to a place in the other country."""
    visits = view.triggers.get("VISIT", [])
    if not visits or view.delegation_phrases() or all(is_planned(view, i) for i in visits):
        return None
    doc, visit_at = view.sent.doc, visits[0]
    if visit_at > view.sent.start and doc[visit_at - 1].lower_ in ("his", "her"):
        # "During his visit to Harbin, Governor X met ...": the visitor comes after.
        visitor = next((p for p in view.of(PERSON) if p.start > visit_at), None)
    else:
        visitor = next((p for p in reversed(view.of(PERSON)) if p.end <= visit_at), None)
        if visitor is not None and visit_at - visitor.end > OFFICIAL_VISIT_WINDOW:
            return None
    if visitor is None or not _is_official(doc, visitor):
        return None
    home = leader_home(doc, visitor)
    towards = [
        g for g in view.of(GPE)
        if g.start > visit_at and doc[g.start - 1].lower_ in _DESTINATION_WORDS and place_kind(g.text) != "country"
    ]
    visited = [e.text for e in view.of(INSTITUTION) if e.start > visit_at]
    destination = towards[0].text if towards else None
    if destination is None:
        destination = next((p.name for p in map(find_place, visited) if p is not None and p.kind == "city"), None)
    if destination is None or not _crosses_border(visitor, home, destination):
        return None
    dates = _visit_dates(view)
    date = dates[0] if dates else None
    return _visit_record(view, number_words, visitor, home, destination, None, date, visited, leader_org(doc, visitor))


def _is_official(doc: Doc, person: Span) -> bool:
    """Whether the article gives this mention a title or an organisation."""
    return bool(official_links(doc, person))


def _crosses_border(visitor: Span, home: str | None, destination: str) -> bool:
    """A trip to another country: by the visitor's home place, else by the culture of the
    visitor's name ("Rector of Far Eastern Federal University Boris Korobets visited Changchun")."""
    place = resolve_place(destination)
    if place is None:
        return False
    if home is not None:
        return not same_country(home, destination)
    person = normalize_person(visitor.text)
    country = CULTURE_COUNTRIES.get(person.culture) if person is not None else None
    return country is not None and country != place.country


# How far (in tokens) the visiting official may stand before the visit word ("Rector of NSU
# Mikhail Fedoruk paid a visit", "Governor X, who is on a two-day visit").
OFFICIAL_VISIT_WINDOW = 10


def find_delegation(view: SentenceView, number_words: dict[str, int], references: bool = True) -> dict[str, Any] | None:
    """A delegation record from a sentence that names a delegation and a visit or a leader
    ("the group" counts only as a reference to a delegation already found)."""
    delegations = view.delegation_phrases(references)
    hosted = _hosted(view, delegations)
    if not delegations or not (view.has("VISIT") or view.has("LEAD") or hosted is not None):
        return None
    visits = view.triggers.get("VISIT") or view.triggers.get("LEAD") or [hosted]
    if all(is_planned(view, i) for i in visits):
        return None  # "a delegation is expected to visit": not a visit yet
    persons, gpes, dates = view.of(PERSON), view.of(GPE), _visit_dates(view)
    leader = None
    for index in view.triggers.get("LEAD", []):
        doc = view.sent.doc
        if index + 1 < len(doc) and doc[index + 1].lower_ == "by":
            leader = first_after(persons, index + 2, LEADER_WINDOW)
        else:
            leader = last_before(persons, index)
        if leader is not None:
            break
    if leader is None:
        leader = _possessor(view, delegations)
    size = _delegation_size(view, delegations, number_words)
    origin = destination = None
    doc = view.sent.doc
    for gpe in gpes:
        if origin is None and "from" in [t.lower_ for t in doc[max(gpe.start - 2, 0):gpe.start]]:
            origin = _possessed_place(view, gpe)
    visitor = _delegation_of(view, delegations)
    if origin is None and visitor is not None:
        if visitor.label_ == GPE:
            origin = visitor
        else:
            origin = _place_of_institution(view, visitor)
    visit_at = min(view.triggers.get("VISIT", [view.sent.start]))
    official_spans = [(o["evidence_start"], o["evidence_end"]) for o in doc._.officials or []]
    candidates = [
        g for g in gpes
        if g is not origin and place_kind(g.text) != "country"
        and not any(s <= g.start_char and g.end_char <= e for s, e in official_spans)
    ]
    # Where they went: a place after "to/in/visited", else the first place after the visit word.
    towards = [g for g in candidates if doc[g.start - 1].lower_ in _DESTINATION_WORDS] if candidates else []
    destination = (towards[0] if towards else None) or first_after(candidates, visit_at)
    if origin is None:
        # "a Harbin delegation": a place right before the delegation phrase.
        for span in delegations:
            prev = [g for g in gpes if g.end == span.start or g.end == span.start - 1]
            if prev and prev[0] is not destination:
                origin = prev[0]
    origin_text = origin.text if origin is not None else None
    if origin_text is None and visitor is not None and visitor.label_ == INSTITUTION:
        home = find_place(visitor.text)
        origin_text = home.name if home is not None else None
    if leader is not None and (origin is None or place_kind(origin.text) == "country"):
        # The leader's organisation names the city more precisely than "from Russia".
        home = leader_home(view.sent.doc, leader)
        if home is not None and (origin is None or same_country(home, origin.text)):
            origin_text = home
    date = dates[0] if dates else None
    if view.has("ARRIVE"):
        # "... signed on Friday by X, who heads a delegation that arrived on Wednesday"
        arrived_at = view.triggers["ARRIVE"][0]
        date = next((d for d in dates if d.start > arrived_at), date)
    visited = [e.text for e in view.of(INSTITUTION) if e.start > visit_at]
    destination_text = destination.text if destination is not None else None
    if destination_text is None and hosted is not None:
        destination_text = _host_place(view, hosted)
    if destination_text is None:
        for name in visited:
            place = find_place(name)
            if place is not None and place.kind == "city" and place.name != origin_text:
                destination_text = place.name
                break
    visitor_institution = visitor.text if visitor is not None and visitor.label_ == INSTITUTION else leader_org(doc, leader)
    return _visit_record(view, number_words, leader, origin_text, destination_text, size, date, visited,
                         visitor_institution)


def find_party_visit(view: SentenceView, number_words: dict[str, int]) -> dict[str, Any] | None:
    """A visit by people not called a delegation, told by the travellers ("Journalists from
    Russian regional media are on a press tour of Heilongjiang Province", "The Rector of
    Novosibirsk State University and two vice-rectors visited Harbin Engineering University")
    by the hosts ("Harbin hosted a group of officials from Khabarovsk Krai") or by the way
    home ("A team of ZabGU returned to Chita on Sunday from Hailar"). Such words are common in
    other news, so the journey must cross the border: the party's home (the place or
    institution it is "from"/"of", or "Russian"/"Chinese") and the destination lie in
    different countries."""
    doc = view.sent.doc
    visits = [i for i in view.triggers.get("VISIT", []) if not is_planned(view, i)]
    for party in (g for g in view.groups if g.label_ in (PARTY, GROUP, OFFICE)):
        home = _party_home(view, party)
        returned = next((i for i in view.triggers.get("RETURN", []) if 0 < i - party.end <= GROUP_VERB_WINDOW), None)
        trip = _return_trip(view, returned, home) if returned is not None else None
        if trip is not None:
            home, destination, visit_at = trip[0], trip[1], returned
        elif home is None:
            continue
        # A host meets people, not an office ("Koltsov met with Vice Governor of Jilin Province").
        hosted = _hosted(view, [party]) if trip is None and party.label_ != OFFICE else None
        if hosted is not None:
            destination, visit_at = _host_place(view, hosted), hosted
        elif trip is None:
            visit_at = next((i for i in visits if 0 < i - party.end <= GROUP_VERB_WINDOW), None)
            if visit_at is not None:
                destination = _destination_after(view, max(visit_at, home.end - 1))
            else:
                destination, visit_at = _present_abroad(view, party, home), home.end
        place = resolve_place(destination) if destination is not None else None
        if place is None or place.country == home.country:
            continue
        if any(_is_history(doc, date) for date in view.event_dates()):
            continue  # "contacts began in 2017, when entrepreneurs from Kostroma first visited"
        dates = _visit_dates(view)
        leader = _led_by(view)
        if leader is None:
            # "The Rector of NSU Mikhail Fedoruk and two vice-rectors visited ...": the named
            # official in the party's own phrase.
            leader = next((p for p in view.of(PERSON) if party.start <= p.start < visit_at and _is_official(doc, p)), None)
        visited = [e.text for e in view.of(INSTITUTION) if e.start > visit_at]
        size = _delegation_size(view, [g for g in view.groups if g.label_ == GROUP] + [party], number_words)
        if size is None and party.start > 0 and doc[party.start - 1].like_num:
            size = parse_size(doc[party.start - 1].text, number_words)  # "seven specialists of"
        if size is not None and size > MAX_PARTY_SIZE:
            continue  # "300 students from Heilongjiang studied", "2,000 visitors came": statistics
        return _visit_record(view, number_words, leader, home.origin, destination, size, dates[0] if dates else None,
                             visited, home.institution)
    return None


def _present_abroad(view: SentenceView, party: Span, home: PartyHome) -> str | None:
    """Where a party is, when no travel verb says it went there: the sentence's subject is
    the party, and the same clause puts it in a place ("From 10 to 16 April, seven
    specialists of the Mudanjiang Cardiovascular Hospital underwent training at ... in
    Vladivostok"). Not a plan or a habit, and not a party named after a verb ("invited a group
    of Vladivostok specialists to an internship in Mudanjiang")."""
    doc = view.sent.doc
    if view.has("FUTURE") or view.has("HABIT") or any(t.pos_ in ("VERB", "AUX") for t in doc[view.sent.start:party.start]):
        return None
    for gpe in view.of(GPE):
        if gpe.start < home.end or place_kind(gpe.text) in (None, "country"):
            continue
        if gpe.start - home.end > PRESENCE_WINDOW or _clause_break(doc, home.end, gpe.start):
            return None
        if _word_before_place(doc, gpe.start) in ("in", "at") and _past_verb(doc, home.end, gpe.start):
            return gpe.text
    for ent in view.of(INSTITUTION):
        # "performed on Tuesday at the Irkutsk Regional Philharmonic"
        if ent.start < home.end or ent.start - home.end > PRESENCE_WINDOW or _clause_break(doc, home.end, ent.start):
            continue
        before = doc[ent.start - 1].lower_ if doc[ent.start - 1].lower_ != "the" else doc[ent.start - 2].lower_
        place = find_place(ent.text)
        if before in ("in", "at") and place is not None and place.kind == "city" and _past_verb(doc, home.end, ent.start):
            return place.name
    return None


def _past_verb(doc: Doc, start: int, end: int) -> bool:
    """Whether the party's clause tells something that happened ("underwent training",
    "have spent"), not a habit ("often study in Heihe"): a past verb, or at least no present
    one (the tagger misses verbs in long noun-heavy clauses)."""
    tags = [t.tag_ for t in doc[start:end]]
    return any(tag in ("VBD", "VBN") for tag in tags) or not any(tag in ("VBP", "VBZ") for tag in tags)


def _word_before_place(doc: Doc, start: int) -> str:
    """The word before a place, read past the narrower places written before it ("in
    Beidaihe, Qinhuangdao" -> "in" for Qinhuangdao)."""
    index = start - 1
    for _ in range(2):
        if index < 1 or doc[index].text != "," or not doc[index - 1].is_title:
            break
        index -= 1
        while index > 0 and doc[index - 1].is_title and doc[index].is_title:
            index -= 1
        index -= 1
    return doc[index].lower_ if index >= 0 else ""


# How far (in tokens) after the party's home the place it is in may be named.
PRESENCE_WINDOW = 30
# A travelling party without the word delegation is a few dozen people; larger counts
# ("300 students from Heilongjiang studied in ...") are statistics, not a visit.
MAX_PARTY_SIZE = 100


def _clause_break(doc: Doc, start: int, end: int) -> bool:
    """Whether a new clause starts between two tokens (";", a subordinator, or a comma before
    and/but/while)."""
    for i in range(start, end):
        if doc[i].text == ";" or doc[i].lower_ in _SUBORDINATORS:
            return True
        if doc[i].text == "," and i + 1 < end and doc[i + 1].lower_ in ("and", "but", "while"):
            return True
    return False


# Words that open a clause of its own ("said that graduates work in Moscow").
_SUBORDINATORS = frozenset({"that", "which", "who", "whose", "where", "when", "while", "because"})


def _return_trip(view: SentenceView, returned: int, home: PartyHome | None) -> tuple[PartyHome, str] | None:
    """A trip told by its way home: "returned to Chita on Sunday from Hailar", "returned home
    on Wednesday from the People's Republic of China, where it took part in ... in Jiamusi".
    Gives the party's home (the place it returned to, else the one its name gave, else the
    other country than the one it came back from) and where it had been."""
    doc = view.sent.doc
    gpes = [g for g in view.of(GPE) if g.start > returned and not _clause_break(doc, returned, g.start)]
    back_to = next((g for g in gpes if doc[g.start - 1].lower_ == "to"), None)
    came_from = next((g for g in gpes if _word_before_place(doc, g.start) == "from"
                      or (doc[g.start - 1].lower_ == "the" and doc[g.start - 2].lower_ == "from")), None)
    abroad = resolve_place(came_from.text) if came_from is not None else None
    if abroad is None:
        return None
    destination = came_from.text
    if abroad.kind == "country":
        # "from China, where it took part in a tournament in Jiamusi": the city named after it.
        city = next((g for g in view.of(GPE) if 0 <= g.start - came_from.end <= PRESENCE_WINDOW
                     and place_kind(g.text) == "city" and resolve_place(g.text).country == abroad.country), None)
        if city is None:
            return None
        destination = city.text
    home_place = resolve_place(back_to.text) if back_to is not None else None
    if home_place is not None:
        home = PartyHome(back_to.text, home_place.country, home.institution if home else None, back_to.end)
    elif home is None:
        went_home = any(t.lower_ == "home" for t in doc[returned:came_from.start])
        countries = set(CULTURE_COUNTRIES.values())
        other = next((c for c in countries if c != abroad.country), None) if abroad.country in countries else None
        if not went_home or other is None:
            return None  # "returned home from China": the home is the other country of the pair
        home = PartyHome(None, other, None, returned + 1)
    return home, destination


def _visit_dates(view: SentenceView) -> list[Span]:
    """The sentence's event dates that may date a visit: not "since 2019" (the history of
    the ties, not the trip)."""
    doc = view.sent.doc
    return [d for d in view.event_dates() if d.start == 0 or doc[d.start - 1].lower_ != "since"]


# A visit told without the word delegation and dated this long before the article is the
# history of the ties, not the article's news.
HISTORY_DAYS = 365


def _is_history(doc: Doc, date: Span) -> bool:
    """Whether a date ends more than HISTORY_DAYS before the article's publication."""
    record = date_at(doc, date.start_char)
    published = doc._.published
    if record is None or not record.get("end") or not published:
        return False
    try:
        last_day = datetime.date.fromisoformat(record["end"])
        return (datetime.date.fromisoformat(str(published)[:10]) - last_day).days > HISTORY_DAYS
    except ValueError:
        return False


# How far (in tokens) the people a host receives may follow the host verb ("Harbin hosted a
# group of officials from Khabarovsk Krai").
HOST_WINDOW = 6


def _hosted(view: SentenceView, visitors: list[Span]) -> int | None:
    """The host verb right before a visiting party ("Vice Mayor X received a delegation"), if any."""
    for index in view.triggers.get("HOST", []):
        if is_planned(view, index):
            continue
        if any(0 < v.start - index <= HOST_WINDOW for v in visitors):
            return index
    return None


def _host_place(view: SentenceView, hosted: int) -> str | None:
    """Where the hosts are: the place, institution or official right before the host verb."""
    doc = view.sent.doc
    before = [e for e in view.ents if e.end <= hosted and e.label_ in (GPE, INSTITUTION, PERSON)]
    for ent in reversed(before):
        if ent.label_ == GPE and place_kind(ent.text) not in (None, "country"):
            return ent.text
        if ent.label_ == INSTITUTION:
            place = find_place(ent.text)
            if place is not None and place.kind != "country":
                return place.name
        if ent.label_ == PERSON and _is_official(doc, ent):
            home = leader_home(doc, ent)
            if home is not None:
                return home
    return None


class PartyHome(NamedTuple):
    """Where a travelling party comes from: the place as written (None when only the country
    is known), its country, and the institution it belongs to (if it is named by one)."""

    origin: str | None
    country: str
    institution: str | None
    #: Token index right after the words that name the home.
    end: int


def _party_home(view: SentenceView, party: Span) -> PartyHome | None:
    """Where a party comes from: the first place or institution after "from"/"of"
    ("Representatives of twenty companies from the Amur Region"), or the nationality before
    the people word ("Chinese students") or after it ("Journalists from Russian regional media")."""
    doc = view.sent.doc
    nationality = CULTURE_COUNTRIES.get(party[0].lower_)
    if nationality is not None:
        return PartyHome(None, nationality, None, party.end)
    named_before = next((e for e in view.of(GPE) if e.end == party.start), None)
    place_before = resolve_place(named_before.text) if named_before is not None else None
    if place_before is not None and place_before.kind != "country":
        return PartyHome(named_before.text, place_before.country, None, party.end)  # "The Omsk group of 23 people"
    following = [e for e in view.ents if party.end <= e.start <= party.end + PARTY_HOME_WINDOW]
    for ent in following:
        if ent.label_ not in (GPE, INSTITUTION):
            continue
        # "pupils of grades 6-10 of Irkutsk School No. 47"; not "pupils, teachers and ..."
        if any(t.text in _PHRASE_BREAKS or t.lower_ in ("and", "to", "in", "at") for t in doc[party.end:ent.start]):
            break
        if ent.label_ == GPE:
            place = resolve_place(ent.text)
            if place is not None:
                return PartyHome(ent.text if place.kind != "country" else None, place.country, None, ent.end)
        else:
            place = find_place(ent.text)
            if place is not None:
                return PartyHome(place.name if place.kind != "country" else None, place.country, ent.text, ent.end)
        break
    for token in doc[party.end:party.end + PARTY_HOME_WINDOW]:
        if token.lower_ in CULTURE_COUNTRIES:
            return PartyHome(None, CULTURE_COUNTRIES[token.lower_], None, token.i + 1)
    return None


_PHRASE_BREAKS = frozenset({",", ";", ":", "(", ")", ".", '"'})
# How far (in tokens) after "from"/"of" a party's home may be named ("Representatives of
# twenty companies from the Amur Region").
PARTY_HOME_WINDOW = 6


def _destination_after(view: SentenceView, visit_at: int) -> str | None:
    """Where a journey goes: a place after "to/in/visited" ("a press tour of" too), else the
    city of the first institution visited."""
    doc = view.sent.doc
    for gpe in view.of(GPE):
        if gpe.start <= visit_at or place_kind(gpe.text) in (None, "country"):
            continue
        before = doc[gpe.start - 1].lower_
        if before == "the" and gpe.start - 2 > visit_at:
            before = doc[gpe.start - 2].lower_
        if before in _DESTINATION_WORDS or (before == "of" and doc[gpe.start - 2].lower_ in ("tour", "trip")):
            return gpe.text
    for ent in view.of(INSTITUTION):
        if ent.start > visit_at:
            place = find_place(ent.text)
            if place is not None and place.kind == "city":
                return place.name
    return None


def _led_by(view: SentenceView) -> Span | None:
    """The person named after "led by"/"headed by" in the sentence, if any."""
    doc = view.sent.doc
    for index in view.triggers.get("LEAD", []):
        if index + 1 < len(doc) and doc[index + 1].lower_ == "by":
            leader = first_after(view.of(PERSON), index + 2, LEADER_WINDOW)
            if leader is not None:
                return leader
    return None


def _possessor(view: SentenceView, delegations: list[Span]) -> Span | None:
    """The person whose delegation it is: "Kornienko's delegation"."""
    doc = view.sent.doc
    for span in delegations:
        if span.start >= 2 and doc[span.start - 1].lower_ in ("'s", "’s"):
            return next((p for p in view.of(PERSON) if p.end == span.start - 1), None)
    return None


def _visit_record(view: SentenceView, number_words: dict[str, int], leader: Span | None, origin: str | None,
                  destination: str | None, size: int | None, date: Span | None, visited: list[str],
                  visitor_institution: str | None) -> dict[str, Any]:
    """One ``Doc._.delegations`` record (fields in the module docstring)."""
    return {
        "leader": leader.text if leader is not None else None,
        "leader_start": leader.start_char if leader is not None else None,
        "leader_end": leader.end_char if leader is not None else None,
        "origin": origin,
        "destination": destination,
        "size": size,
        "date_start_char": date_offsets(date)[0],
        "date_end_char": date_offsets(date)[1],
        "institutions_visited": visited,
        "end_start_char": None,
        "end_end_char": None,
        # How the sentence dates the visit: "arrived on June 10" dates its first day only,
        # "wrapped up a visit on Friday" its last; "a three-day visit" gives its length.
        "date_role": _date_role(view),
        "duration_days": _duration_days(view, number_words),
        "visitor_institution": visitor_institution,
        "start_char": view.sent.start_char,
        "end_char": view.sent.end_char,
    }


def _possessed_place(view: SentenceView, place: Span) -> Span:
    """The place a country or region owns in "China's Jilin Province": the narrower one."""
    doc = view.sent.doc
    if place.end + 1 < len(doc) and doc[place.end].lower_ in ("'s", "’s"):
        owned = next((g for g in view.of(GPE) if g.start == place.end + 1), None)
        if owned is not None:
            return owned
    return place


def _date_role(view: SentenceView) -> str:
    """"arrival" (the date is the first day), "departure" (the last day) or "visit"."""
    if view.has("ARRIVE"):
        return "arrival"
    if view.has("DEPART") or view.has("RETURN"):
        return "departure"
    return "visit"


def _duration_days(view: SentenceView, number_words: dict[str, int]) -> int | None:
    """Length of the visit in days, when the sentence gives it ("a three-day visit")."""
    match = _DURATION.search(view.sent.text)
    if match is None:
        return None
    word = match.group(1).lower()
    days = int(word) if word.isdigit() else number_words.get(word)
    return days if days and days <= MAX_VISIT_DAYS else None


# "a three-day visit", "a 4-day trip", "the two-day visit".
_DURATION = re.compile(r"\b([A-Za-z]+|\d+)[- ]day\b(?=\s+(?:\w+\s+){0,2}(?:visit|trip|tour|stay|mission)\b)", re.I)
# Longer "visits" are study stays or programmes, not delegation days.
MAX_VISIT_DAYS = 14


def _refers_to_visit(view: SentenceView, record: dict[str, Any]) -> bool:
    """Whether a later sentence speaks of the delegation: names it, calls its members "the
    guests", names its leader, or speaks of "the visit"."""
    if view.delegation_phrases() or any(g.label_ == PARTY for g in view.groups):
        return True
    if view.sent[0].pos_ == "PRON" and view.has("LEAD"):
        return True  # "It was headed by Yulia Bortnikova"
    words = [t.lower_ for t in view.sent]
    if _GUEST_WORDS & set(words):
        return True
    leader = (record.get("leader") or "").split()
    if leader and any(t.text == leader[-1] or t.text == leader[0] for t in view.sent if t.ent_type_ == PERSON):
        return True
    # "the visit", "the two-day visit" (the hyphen is a token of its own)
    return any(w in ("visit", "trip", "stay") and "the" in words[max(i - 4, 0):i] for i, w in enumerate(words))


_GUEST_WORDS = frozenset({"guests", "visitors"})


def _place_of_institution(view: SentenceView, institution: Span) -> Span | None:
    """The place written right after an institution: "a hospital in Vladivostok", "a college
    (Harbin)"; it locates the institution, it is not where the delegation went."""
    doc = view.sent.doc
    for gpe in view.of(GPE):
        between = [t.lower_ for t in doc[institution.end:gpe.start]]
        if between in (["in"], ["("], [",", "in"]) and place_kind(gpe.text) != "country":
            return gpe
    return None


def _delegation_of(view: SentenceView, delegations: list[Span]) -> Span | None:
    """The place or institution a delegation belongs to: "a delegation of/from (the) X"."""
    doc = view.sent.doc
    for span in delegations:
        index = span.end
        while index < view.sent.end and doc[index].lower_ in ("of", "from", "the"):
            index += 1
        if index == span.end:
            continue
        for ent in view.ents:
            if ent.start == index and ent.label_ in (GPE, INSTITUTION):
                return ent
    return None


def _compatible_places(a: str | None, b: str | None) -> bool:
    """Two origins of one delegation: equal, or one is the country (or region) of the other."""
    if a is None or b is None or a == b:
        return True
    if a.casefold() in b.casefold().split() or b.casefold() in a.casefold().split():
        return True  # "Amur" and "Amur Region": the short name the article uses for the region
    place_a, place_b = resolve_place(a), resolve_place(b)
    if place_a is None or place_b is None:
        return False
    if place_a.country != place_b.country:
        return False
    return "city" not in (place_a.kind, place_b.kind) or place_a.kind != place_b.kind


def _complete_delegation(record: dict[str, Any], view: SentenceView, number_words: dict[str, int]) -> None:
    """Later sentences about the delegation add its size, its stay and its departure:
    "The 9-member delegation was in Russia from December 26 to 28"; "... left on May 18";
    "The two-day visit ..."; "The delegation will stay in Kostroma until 12 July"."""
    doc = view.sent.doc
    if record.get("duration_days") is None:
        record["duration_days"] = _duration_days(view, number_words)
    leader = _led_by(view) if record["leader"] is None else None
    if leader is not None:
        # "The Chinese group, headed by deputy principal Zhang Yaru, lived with families"
        record["leader"], record["leader_start"], record["leader_end"] = leader.text, leader.start_char, leader.end_char
    for date in view.event_dates():
        if date.start > 0 and doc[date.start - 1].lower_ in ("until", "till") and record.get("end_start_char") is None:
            record["end_start_char"], record["end_end_char"] = date.start_char, date.end_char
    if record["size"] is None:
        record["size"] = _delegation_size(view, view.delegation_phrases(), number_words)
    dates = view.event_dates()
    current = date_value(doc, doc.char_span(record["date_start_char"], record["date_end_char"])) \
        if record["date_start_char"] is not None else None
    for date in dates:
        value = date_value(doc, date) or ""
        # Only days the text writes out ("from December 26 to 28") date the stay; "last week"
        # or "for 2020-2024" do not.
        days = "/" in value and len(value) == len("YYYY-MM-DD/YYYY-MM-DD") and any(c.isdigit() for c in date.text)
        if days and "/" not in (current or "") and not _is_planned_sentence(view) and view.delegation_phrases():
            record["date_start_char"], record["date_end_char"] = date.start_char, date.end_char
            return
    if view.has("DEPART") and dates and record.get("end_start_char") is None:
        record["end_start_char"], record["end_end_char"] = dates[0].start_char, dates[0].end_char


def _is_planned_sentence(view: SentenceView) -> bool:
    return bool(view.triggers.get("FUTURE"))


def merge_delegations(records: list[dict[str, Any]], visits: list[list[str]]) -> list[dict[str, Any]]:
    """One record per visit: later sentences fill gaps unless they name another leader/origin."""
    merged: list[dict[str, Any]] = []
    for record in records:
        target = None
        for existing in merged:
            clash = (
                record["leader"] is not None and existing["leader"] is not None and record["leader"] != existing["leader"]
            ) or not _compatible_places(record["origin"], existing["origin"])
            if not clash:
                target = existing
                break
        if target is None:
            merged.append(dict(record))
            continue
        for key, value in record.items():
            if key == "institutions_visited":
                target[key] = list(dict.fromkeys(target[key] + value))
            elif target.get(key) is None and value is not None:
                target[key] = value
    if len(merged) == 1:
        for names in visits:
            merged[0]["institutions_visited"] = list(dict.fromkeys(merged[0]["institutions_visited"] + names))
    return merged


def find_sister_cities(view: SentenceView, hub: str | None = None) -> list[dict[str, Any]]:
    """Pairs of cities a sentence calls sister/twin/friendship cities: "Harbin and Khabarovsk
    became sister cities in 1993" (cities paired in order), or a list around one city,
    "Irkutsk's twin cities are Shenyang (1992), Eugene (1990) and Kanazawa (1967)" (the city
    before the sister word with each one after it; "the city's other twin cities" take the
    article's city, ``hub``, the first of its earlier ties)."""
    if not view.has("SISTER"):
        return []
    doc = view.sent.doc
    cities = []
    for gpe in view.of(GPE):
        kind = place_kind(gpe.text)
        # Regions twin too ("friendly regions"), but the table is about cities.
        if kind in ("city", None) and gpe.text not in [c.text for c in cities]:
            cities.append(gpe)
    sister_at = view.triggers["SISTER"][0]
    before = [c for c in cities if c.end <= sister_at]
    after = [c for c in cities if c.start > sister_at]
    countries = {t.i for g in view.of(GPE) if place_kind(g.text) == "country" for t in g}
    listed_cities = _listed(view, after, countries)
    listed = bool(after) and doc[after[0].start - 1].lower_ in _LIST_OPENERS
    owner = before[-1] if before and doc[before[-1].end].lower_ in ("'s", "’s") else None
    if len(listed_cities) >= 2 and (owner is not None or (before and listed)):
        # "Irkutsk's twin cities are ...", "Besides Harbin, Khabarovsk has sister ties with ..."
        pairs = [(owner or before[-1], partner) for partner in listed_cities]
    elif not before and len(after) >= 3 and listed and doc[after[0].end].text == ":" \
            and len(_listed(view, after[1:], countries)) >= 2:
        # "Twin cities of Ulan-Ude: Hohhot (China, 1999), Ulaanbaatar (Mongolia, 2008)"
        pairs = [(after[0], partner) for partner in _listed(view, after[1:], countries)]
    elif not before and len(listed_cities) >= 2 and hub is not None and listed and _names_own_city(doc, sister_at):
        pairs = [(hub, partner) for partner in listed_cities]
    elif len(cities) >= 2:
        # Cities also hide inside possessives and institution names are not ties; only GPEs count.
        pairs = list(zip(cities[0::2], cities[1::2]))
    else:
        return []
    dates = view.event_dates() if view.has("ESTABLISH") else []
    # Establishment comes before anniversaries and later visits: the earliest date wins.
    shared = min(dates, key=lambda d: date_value(doc, d) or "9999") if dates else None
    # In a list each partner may carry its own year ("Shenyang (1992), Eugene (1990)"); then
    # a partner without one has none.
    own_dates = {b.start: _date_after(view, b, countries) for _, b in pairs}
    if any(own_dates.values()):
        shared = None
    ties = []
    for a, b in pairs:
        date = own_dates.get(b.start) or shared
        ties.append({
            "city_a": a if isinstance(a, str) else a.text,
            "city_b": b.text,
            "since": date_value(doc, date) if date is not None else None,
            "date_start_char": date_offsets(date)[0],
            "date_end_char": date_offsets(date)[1],
            "start_char": view.sent.start_char,
            "end_char": view.sent.end_char,
        })
    return ties


def _listed(view: SentenceView, cities: list[Span], countries: set[int]) -> list[Span]:
    """The leading run of cities written as a list: only commas, "and", years and countries
    between them ("Shenyang (China, 1992), Eugene (USA, 1990) and Kanazawa"; not "Ussuriysk
    after Suifenhe"). ``countries``: token indexes of the sentence's country names."""
    doc = view.sent.doc
    between_cities = countries | {t.i for d in view.event_dates() for t in d}
    run = cities[:1]
    for city in cities[1:]:
        if not all(_fills_list(t, between_cities) or t.lower_ in ("and", ")", ";") for t in doc[run[-1].end:city.start]):
            break
        run.append(city)
    return run


def _fills_list(token: Token, known: set[int]) -> bool:
    """A token that may stand between the items of a list of cities and their years: one of
    ``known`` (country names, dates), a list word ("(", "since", "signed") or an acronym ("USA")."""
    return token.i in known or token.lower_ in _LIST_DATE_WORDS or (token.is_upper and token.is_alpha)


# Words that open the list of a city's twins ("twin cities are ...", "include ...", "with ...").
_LIST_OPENERS = frozenset({":", "are", "include", "includes", "including", "with", "namely", "of"})


def _tie_of_the_two(view: SentenceView, visit: dict[str, Any]) -> dict[str, Any] | None:
    """"the two sister cities" with no city named: the visit's origin and destination, when
    they are cities of two countries."""
    if not view.has("SISTER"):
        return None
    sister_at = view.triggers["SISTER"][0]
    if [t.lower_ for t in view.sent.doc[max(sister_at - 2, 0):sister_at]] != ["the", "two"]:
        return None
    places = [resolve_place(visit.get("origin") or ""), resolve_place(visit.get("destination") or "")]
    if any(p is None or p.kind != "city" for p in places) or places[0].country == places[1].country:
        return None
    return {
        "city_a": visit["origin"], "city_b": visit["destination"], "since": None,
        "date_start_char": None, "date_end_char": None,
        "start_char": view.sent.start_char, "end_char": view.sent.end_char,
    }


def _names_own_city(doc: Doc, sister_at: int) -> bool:
    """"The city's other twin cities", "its sister cities": the article's own city."""
    words = [t.lower_ for t in doc[max(sister_at - OWN_CITY_WINDOW, 0):sister_at]]
    pairs = set(zip(words, words[1:]))
    return "its" in words or bool(pairs & {("the", "city"), ("the", "town"), ("city", "'s"), ("town", "'s")})


# How far (in tokens) before the sister word "the city" may stand ("The city also has
# twin-city agreements with ...").
OWN_CITY_WINDOW = 8


def _date_after(view: SentenceView, city: Span, countries: set[int]) -> Span | None:
    """The date written right after a city in a list: "Shenyang (1992)", "Heihe (since 1995)"."""
    doc = view.sent.doc
    for date in view.event_dates():
        if 0 <= date.start - city.end <= LIST_DATE_WINDOW and all(
                _fills_list(t, countries) for t in doc[city.end:date.start]):
            return date
    return None


# How far (in tokens) after a listed city its year may stand ("Niigata in Japan (since 1965)").
LIST_DATE_WINDOW = 6
# Words between a listed city and its year: "Shenyang (China, 1992)", "Dalian, signed in 1999".
_LIST_DATE_WORDS = frozenset({"(", ",", "since", "in", "from", "signed", "established", "twinned"})


class EventExtractor(RulesComponent):
    """Sets ``Doc._.delegations``, ``Doc._.agreements`` and ``Doc._.sister_cities``."""

    def __init__(self, name: str, vocab: Any) -> None:
        self.name = name
        self.vocab = vocab
        self.rules: dict[str, Any] = {"triggers": [], "agreement_types": [], "number_words": []}
        self._apply_rules()

    def _apply_rules(self) -> None:
        # Trigger patterns only where their words occur: the same matches as a Matcher, in less
        # time. One group: they are few, and a Matcher call per label costs more than it saves.
        self.matcher = PrefilteredMatcher(self.vocab, validate=True)
        for pattern in self.rules["triggers"]:
            self.matcher.add(pattern["label"], [pattern["pattern"]])
        self.number_words = {row["word"]: int(row["value"]) for row in self.rules["number_words"]}

    def initialize(self, get_examples: Callable | None = None, *, nlp: Language | None = None,
                   rules: dict[str, Any] | None = None) -> None:
        self.rules = rules if rules is not None else read_event_rules()
        self._apply_rules()

    def views(self, doc: Doc) -> list[SentenceView]:
        triggers: dict[int, dict[str, list[int]]] = {}
        groups: dict[int, list[Span]] = {}
        sent_starts = [s.start for s in doc.sents]
        sents = list(doc.sents)
        for match_id, start, end in self.matcher(doc):
            label = self.vocab.strings[match_id]
            index = _sentence_index(sent_starts, start)
            if label in (GROUP, GROUP_REF, SIZE, PARTY, OFFICE):
                groups.setdefault(index, []).append(Span(doc, start, end, label=label))
            else:
                triggers.setdefault(index, {}).setdefault(label, []).append(start)
        views = []
        ents = list(doc.ents)
        for index, sent in enumerate(sents):
            in_sent = [e for e in ents if e.start >= sent.start and e.end <= sent.end]
            # Parties overlap sizes (", eleven nurses of"): they are kept beside the other groups.
            found = groups.get(index, [])
            parties = [g for g in found if g.label_ in (PARTY, OFFICE)]
            kept = filter_spans([g for g in found if g.label_ not in (PARTY, OFFICE)]) + parties
            views.append(SentenceView(sent, in_sent, {k: sorted(set(v)) for k, v in triggers.get(index, {}).items()},
                                      kept))
        return views

    def __call__(self, doc: Doc) -> Doc:
        views = self.views(doc)
        delegations: list[dict[str, Any]] = []
        visits: list[list[str]] = []
        ties: list[dict[str, Any]] = []
        for view in views:
            found = find_delegation(view, self.number_words, references=bool(delegations))
            if found is None:
                found = find_party_visit(view, self.number_words)
            if found is not None:
                delegations.append(found)
            elif delegations and view.has("VISIT"):
                visit_at = min(view.triggers["VISIT"])
                visits.append([e.text for e in view.of(INSTITUTION) if e.start > visit_at])
            if found is None and delegations and _refers_to_visit(view, delegations[-1]):
                _complete_delegation(delegations[-1], view, self.number_words)
            ties.extend(find_sister_cities(view, ties[0]["city_a"] if ties else None))
        if not delegations:
            # No delegation named: an official's own trip is the visit the article reports.
            trip = next((v for v in (find_official_visit(view, self.number_words) for view in views) if v), None)
            delegations = [trip] if trip is not None else []
        merged = merge_delegations(delegations, visits)
        if not ties and merged:
            # "young athletes of the two sister cities": the visit's two cities.
            tie = next((t for t in (_tie_of_the_two(view, merged[0]) for view in views) if t is not None), None)
            ties = [tie] if tie is not None else []
        # Agreements read the whole visit (who came, what they visited) as their context.
        context = merged[0] if merged else {}
        agreements: list[dict[str, Any]] = []
        # An undated signing happened on the last day named before it; during a visit, on the
        # last day of the visit named before it, not on a date of the ties' history.
        last_day: Span | None = None
        visit_date = _visit_date(doc, context)
        for view in views:
            agreements.extend(find_agreements(view, last_day or visit_date, context, self.rules["agreement_types"]))
            for date in view.event_dates():
                if is_day(doc, date) and (visit_date is None or not _starts_before(doc, date, visit_date)):
                    last_day = date
        doc._.delegations = merged
        doc._.agreements = merge_agreements(agreements, doc)
        doc._.sister_cities = _dedupe_ties(ties + _ties_from_agreements(doc, doc._.agreements))
        return doc


def _visit_date(doc: Doc, visit: dict[str, Any]) -> Span | None:
    """The days of the reported visit (a day or a range of days), if the article gives them."""
    if visit.get("date_start_char") is None:
        return None
    span = doc.char_span(visit["date_start_char"], visit["date_end_char"])
    value = date_value(doc, span) if span is not None else None
    return span if value and len(value.split("/")[0]) == len("YYYY-MM-DD") else None


def _starts_before(doc: Doc, first: Span, second: Span) -> bool:
    """Whether one date's value starts before another's."""
    first_value, second_value = date_value(doc, first), date_value(doc, second)
    if first_value is None or second_value is None:
        return False
    return first_value.split("/")[0] < second_value.split("/")[0]


def _sentence_index(starts: list[int], token_index: int) -> int:
    import bisect

    return bisect.bisect_right(starts, token_index) - 1


def _ties_from_agreements(doc: Doc, agreements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A sister-city agreement between two cities is a tie since its signing."""
    ties = []
    for agreement in agreements:
        if agreement["agreement_type"] != SISTER_CITY_AGREEMENT or len(agreement["parties"]) != 2:
            continue
        if any(place_kind(p) != "city" for p in agreement["parties"]):
            continue
        start = agreement["date_start_char"]
        since = next((r["value"] for r in doc._.dates or [] if r["start_char"] == start), None)
        ties.append({
            "city_a": agreement["parties"][0], "city_b": agreement["parties"][1], "since": since,
            "date_start_char": start, "date_end_char": agreement["date_end_char"],
            "start_char": agreement["start_char"], "end_char": agreement["end_char"],
        })
    return ties


def _dedupe_ties(ties: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[frozenset[str], dict[str, Any]] = {}
    for tie in ties:
        key = frozenset((tie["city_a"], tie["city_b"]))
        if key not in seen:
            seen[key] = tie
        elif tie["date_start_char"] is not None and (
            seen[key]["date_start_char"] is None or (tie.get("since") or "9999") < (seen[key].get("since") or "9999")
        ):
            seen[key] = {**seen[key], "date_start_char": tie["date_start_char"], "date_end_char": tie["date_end_char"]}
    return list(seen.values())


@Language.factory(
    FACTORY_EVENTS,
    default_config={},
    assigns=["doc._.delegations", "doc._.agreements", "doc._.sister_cities"],
    requires=["doc.ents", "doc._.dates", "token.is_sent_start"],
)
def make_event_extractor(nlp: Language, name: str) -> EventExtractor:
    return EventExtractor(name, nlp.vocab)
