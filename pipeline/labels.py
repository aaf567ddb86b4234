"""The one list of entity labels, span keys and factory names used across the package."""

from __future__ import annotations

PERSON = "PERSON"
TITLE = "TITLE"
INSTITUTION = "INSTITUTION"
GPE = "GPE"
DATE = "DATE"
AGREEMENT = "AGREEMENT"
DELEGATION = "DELEGATION"

#: Every entity label the product emits, in the order reports list them.
LABELS: tuple[str, ...] = (PERSON, TITLE, INSTITUTION, GPE, DATE, AGREEMENT, DELEGATION)

#: Institution types (the ``type`` column of the institutions table).
INSTITUTION_TYPES: tuple[str, ...] = (
    "school",
    "university",
    "college",
    "government",
    "association",
    "company",
    "hospital",
    "media",
    "other",
)

#: Agreement types (the ``agreement_type`` column of the agreements table).
AGREEMENT_TYPES: tuple[str, ...] = (
    "cooperation_agreement",
    "memorandum_of_understanding",
    "protocol_of_intentions",
    "sister_city_agreement",
    "action_plan",
    "other",
)

#: The agreement type that makes its two cities sister cities.
SISTER_CITY_AGREEMENT = "sister_city_agreement"

#: Date roles (the ``role`` column of the dates table).
DATE_ROLES: tuple[str, ...] = ("publication", "event")

#: Date granularities, coarsest last.
GRANULARITIES: tuple[str, ...] = ("day", "month", "year")

# Registered factory names. Namespaced so they never clash with spaCy's own.
FACTORY_LINE_BREAKS = "cnru_line_breaks"
FACTORY_ATTRIBUTES = "cnru_attribute_ruler"
FACTORY_SPAN_RULER = "cnru_span_ruler"
FACTORY_LABEL_MAP = "cnru_label_map"
FACTORY_ENTITY_FIXER = "cnru_entity_fixer"
FACTORY_GAZETTEER = "cnru_gazetteer"
FACTORY_DATES = "cnru_dates"
FACTORY_OFFICIALS = "cnru_officials"
FACTORY_EVENTS = "cnru_events"

#: Labels of the event trigger patterns (patterns/event_triggers.jsonl); not entity labels.
TRIGGER_LABELS: tuple[str, ...] = (
    "VISIT", "LEAD", "SIGN", "SISTER", "ESTABLISH", "FUTURE", "DEPART",
    # An arrival dates the first day of a visit, not the whole visit.
    "ARRIVE",
    # A travelling group not called a delegation ("a group of 24 pupils", "Fifteen pupils and
    # two teachers"), and "the group" referring back to one.
    "GROUP", "GROUP_REF",
    # A delegation's size written after it ("a delegation of more than 40 people", "The
    # delegation, consisting of 15 people").
    "SIZE",
    # People who travel without being called a delegation, named with where they come from
    # ("Journalists from Russian regional media", "Chinese students"), the head of a body
    # ("The Rector of NSU"), and the verbs that tell a visit from the hosts' side ("Harbin
    # hosted ...").
    "PARTY", "OFFICE", "HOST",
    # A habit, not an event ("Students from Blagoveshchensk often study in Heihe").
    "HABIT",
    # The way home after a trip ("returned to Chita on Sunday from Hailar").
    "RETURN",
)

#: Span group that holds raw rule matches before they are merged into doc.ents.
RULE_SPANS_KEY = "cnru_rules"

#: Pattern files (in patterns/) that feed the entity span ruler.
ENTITY_PATTERN_FILES: tuple[str, ...] = (
    "titles.jsonl",
    "institutions.jsonl",
    "persons.jsonl",
    "agreements.jsonl",
    "delegations.jsonl",
    "date_entities.jsonl",
)
EVENT_TRIGGER_FILE = "event_triggers.jsonl"
LABEL_MAP_FILE = "label_map.csv"
