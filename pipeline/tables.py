"""One pyarrow schema per output table, as data, and the checks every table passes.

Offsets (``start_char``/``end_char``) are character offsets into ``articles.text`` (the
cleaned article text). ``articles.segments`` maps them back into ``articles.raw_text``.
Date columns hold ISO 8601 strings at the precision the text supports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

_str = pa.string()
_int = pa.int32()
_strings = pa.list_(pa.string())


def _schema(*fields: tuple[str, pa.DataType, bool, str]) -> pa.Schema:
    """Build a schema from (name, type, nullable, description) rows."""
    return pa.schema(
        [
            pa.field(name, dtype, nullable=nullable, metadata={"description": doc})
            for name, dtype, nullable, doc in fields
        ]
    )


SCHEMAS: dict[str, pa.Schema] = {
    "articles": _schema(
        ("article_id", _str, False, "stable id: hash of the cleaned text"),
        ("source", _str, False, "input file path, with ':N' for record N of a JSONL file"),
        ("url", _str, True, "URL given by the record or the page"),
        ("title", _str, True, "article headline"),
        ("published", _str, True, "publication date (ISO 8601, text precision)"),
        ("language", _str, False, "detected language (ISO 639-1)"),
        ("text", _str, False, "cleaned text that every offset points into"),
        ("n_chars", _int, False, "length of text in characters"),
        ("n_words", _int, False, "number of whitespace-separated words in text"),
        ("raw_text", _str, False, "decoded original input (HTML source for .html pages)"),
        (
            "segments",
            pa.list_(pa.list_(_int)),
            False,
            "[text_start, raw_start, length] runs mapping text offsets to raw_text offsets",
        ),
    ),
    "mentions": _schema(
        ("article_id", _str, False, "article the mention is in"),
        ("label", _str, False, "PERSON, TITLE, INSTITUTION, GPE, DATE, AGREEMENT or DELEGATION"),
        ("text", _str, False, "mention text as written"),
        ("start_char", _int, False, "start offset in articles.text"),
        ("end_char", _int, False, "end offset in articles.text"),
        ("normalized", _str, True, "normalised form (ISO date, canonical name, ...)"),
    ),
    "officials": _schema(
        ("article_id", _str, False, "article the official is named in"),
        ("person_id", _str, False, "stable id of the person across articles"),
        ("name", _str, False, "canonical display name (Given Family or Family Given for Chinese)"),
        ("family_name", _str, True, "family name"),
        ("given_name", _str, True, "given name(s) or initials"),
        ("patronymic", _str, True, "Russian patronymic or its initial"),
        ("title", _str, True, "title or position as written, without the organisation"),
        ("organization", _str, True, "organisation the title belongs to"),
        ("country", _str, True, "ISO 3166-1 alpha-2 of the organisation or the person"),
        ("start_char", _int, False, "start of the name mention"),
        ("end_char", _int, False, "end of the name mention"),
        ("evidence_start", _int, False, "start of the phrase joining name, title and organisation"),
        ("evidence_end", _int, False, "end of that phrase"),
    ),
    "institutions": _schema(
        ("article_id", _str, False, "article the institution is named in"),
        ("institution_id", _str, False, "stable id of the institution across articles"),
        ("name", _str, False, "first mention as written, leading article dropped"),
        ("name_normalized", _str, False, "canonical form that variants share"),
        ("type", _str, False, "school, university, college, government, association, company, hospital, media, other"),
        ("city", _str, True, "city the institution is in, when known"),
        ("country", _str, True, "ISO 3166-1 alpha-2, when known"),
        ("n_mentions", _int, False, "mentions of this institution in the article"),
        ("start_char", _int, False, "start of the first mention"),
        ("end_char", _int, False, "end of the first mention"),
    ),
    "delegations": _schema(
        ("article_id", _str, False, "article reporting the visit"),
        ("leader_name", _str, True, "canonical name of the leader"),
        ("leader_person_id", _str, True, "person_id of the leader"),
        ("leader_title", _str, True, "leader's title"),
        ("origin", _str, True, "city, region or country the delegation came from"),
        ("origin_country", _str, True, "ISO 3166-1 alpha-2 of the origin"),
        ("destination", _str, True, "city, region or country visited"),
        ("destination_country", _str, True, "ISO 3166-1 alpha-2 of the destination"),
        ("size", _int, True, "number of members"),
        ("start", _str, True, "first day of the visit (ISO, text precision)"),
        ("end", _str, True, "last day of the visit (ISO, text precision); null when only its arrival is dated"),
        ("institutions_visited", _strings, False, "institutions the delegation visited"),
        ("start_char", _int, False, "start of the evidence sentence"),
        ("end_char", _int, False, "end of the evidence sentence"),
    ),
    "agreements": _schema(
        ("article_id", _str, False, "article reporting the agreement"),
        ("agreement_type", _str, False, "cooperation_agreement, memorandum_of_understanding, protocol_of_intentions, sister_city_agreement, action_plan, other"),
        ("title", _str, True, "name of the agreement when the text gives one"),
        ("parties", _strings, False, "institutions or cities bound by it"),
        ("signatories", _strings, False, "canonical names of the people who signed"),
        ("signed_date", _str, True, "signing date (ISO, text precision)"),
        ("place", _str, True, "where it was signed"),
        ("start_char", _int, False, "start of the evidence sentence"),
        ("end_char", _int, False, "end of the evidence sentence"),
    ),
    "sister_cities": _schema(
        ("article_id", _str, False, "article stating the tie"),
        ("city_a", _str, False, "first city, as resolved by the gazetteer"),
        ("country_a", _str, True, "ISO 3166-1 alpha-2 of city_a"),
        ("city_b", _str, False, "second city"),
        ("country_b", _str, True, "ISO 3166-1 alpha-2 of city_b"),
        ("since", _str, True, "date the tie was established (ISO, text precision)"),
        ("start_char", _int, False, "start of the evidence sentence"),
        ("end_char", _int, False, "end of the evidence sentence"),
    ),
    "dates": _schema(
        ("article_id", _str, False, "article the date is in"),
        ("text", _str, False, "date expression as written"),
        ("start_char", _int, False, "start offset in articles.text"),
        ("end_char", _int, False, "end offset in articles.text"),
        ("value", _str, True, "ISO value at text precision; 'START/END' for a range"),
        ("start", _str, True, "first full ISO day the expression covers"),
        ("end", _str, True, "last full ISO day the expression covers"),
        ("granularity", _str, True, "day, month or year"),
        ("role", _str, False, "publication or event"),
    ),
    "rejects": _schema(
        ("source", _str, False, "input file path"),
        ("record", _int, True, "line (JSONL) or record number, when the reject is one record"),
        ("reason", _str, False, "machine-readable reason code"),
        ("detail", _str, False, "what went wrong, for a person"),
    ),
}

#: Tables produced from articles (everything but rejects), in writing order.
RECORD_TABLES: tuple[str, ...] = tuple(name for name in SCHEMAS if name != "rejects")

#: Tables of article facts that the gold set annotates and the scorer scores, in report order.
FACT_TABLES: tuple[str, ...] = ("officials", "institutions", "delegations", "agreements", "sister_cities", "dates")

Row = Mapping[str, Any]


def to_table(name: str, rows: Iterable[Row]) -> pa.Table:
    """Build a table from row dicts, validated against its schema (missing keys are null)."""
    schema = SCHEMAS[name]
    rows = list(rows)
    columns = {field.name: [row.get(field.name) for row in rows] for field in schema}
    table = pa.Table.from_pydict(columns, schema=schema)
    table.validate(full=True)
    return table


def check_table(name: str, table: pa.Table) -> None:
    """Raise ValueError when a table does not match its schema or breaks non-null fields."""
    schema = SCHEMAS[name]
    if not table.schema.equals(schema, check_metadata=False):
        raise ValueError(f"table {name!r} has schema {table.schema}, expected {schema}")
    for field in schema:
        if not field.nullable and table.column(field.name).null_count:
            raise ValueError(f"table {name!r}: column {field.name!r} has nulls")
    table.validate(full=True)


def schema_markdown() -> str:
    """The README's table reference: one line per column, from the schemas above."""
    lines: list[str] = []
    for name, schema in SCHEMAS.items():
        lines.append(f"### `{name}`\n")
        lines.append("| column | type | description |")
        lines.append("|---|---|---|")
        for field in schema:
            dtype = str(field.type) + ("" if field.nullable else " not null")
            description = (field.metadata or {}).get(b"description", b"").decode()
            lines.append(f"| `{field.name}` | {dtype} | {description} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(schema_markdown(), end="")
