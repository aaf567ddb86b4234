"""Load and validate the ingest rule files in ``patterns/`` (JSONL, one rule a line).

Every rule has an ``id``, a ``kind`` and a ``note`` saying why it exists; each kind
declares its own keys, and loading fails loudly on anything unknown or malformed.
A ``macro`` rule names a regex fragment that later regexes of the same file reuse as
``{{NAME}}`` (its ``id`` is the name), so date shapes are written once.
This loader stays free of spaCy so reading files does not load a language model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The repository's rule folder.
PATTERNS_DIR = Path(__file__).resolve().parent.parent.parent / "patterns"

#: Regex flags a rule may ask for, by letter.
_FLAG_LETTERS: dict[str, re.RegexFlag] = {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE}

_MACRO_REF = re.compile(r"\{\{([A-Z][A-Z0-9_]*)\}\}")
_MACRO_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


class PatternFileError(ValueError):
    """A rule file is malformed; the message names the file and line."""


@dataclass(frozen=True)
class KindSpec:
    """The keys one kind of rule takes: ``required`` and ``optional`` map key -> type."""

    required: Mapping[str, type | tuple[type, ...]]
    optional: Mapping[str, type | tuple[type, ...]]


#: Every kind has these keys; ``regex`` is checked and compiled when a kind requires it.
_COMMON_KEYS: dict[str, type] = {"id": str, "kind": str, "note": str}

MACRO = KindSpec(required={"regex": str}, optional={})


@dataclass(frozen=True)
class Rule:
    """One validated rule: its raw fields, and its compiled regex when it has one."""

    id: str
    kind: str
    fields: Mapping[str, Any]
    regex: re.Pattern[str] | None
    where: str


def load_rules(path: Path, kinds: Mapping[str, KindSpec]) -> list[Rule]:
    """Read ``path``, validate each line against ``kinds`` and compile regexes (macros expanded)."""
    kinds = {"macro": MACRO, **kinds}
    rules: list[Rule] = []
    macros: dict[str, str] = {}
    seen_ids: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            record = _parse_line(line, where)
            spec = _check_keys(record, kinds, where)
            if record["id"] in seen_ids:
                raise PatternFileError(f"{where}: duplicate id {record['id']!r}")
            seen_ids.add(record["id"])
            compiled = None
            if "regex" in spec.required or "regex" in record:
                expanded = _expand_macros(record["regex"], macros, where)
                if record["kind"] == "macro":
                    if not _MACRO_NAME.fullmatch(record["id"]):
                        raise PatternFileError(f"{where}: macro id {record['id']!r} must be UPPER_CASE")
                    _compile(f"(?:{expanded})", "", where)  # a macro must be a valid fragment on its own
                    macros[record["id"]] = f"(?:{expanded})"
                else:
                    compiled = _compile(expanded, record.get("flags", ""), where)
            rules.append(Rule(record["id"], record["kind"], record, compiled, where))
    return [rule for rule in rules if rule.kind != "macro"]


def _parse_line(line: str, where: str) -> dict[str, Any]:
    """One JSON object, or a PatternFileError naming the line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise PatternFileError(f"{where}: not valid JSON ({err})") from err
    if not isinstance(record, dict):
        raise PatternFileError(f"{where}: expected a JSON object, got {type(record).__name__}")
    return record


def _check_keys(record: dict[str, Any], kinds: Mapping[str, KindSpec], where: str) -> KindSpec:
    """Check common keys, the kind and its keys and value types; return the kind's spec."""
    for key, expected in _COMMON_KEYS.items():
        if not isinstance(record.get(key), expected) or not record[key]:
            raise PatternFileError(f"{where}: key {key!r} is missing or not a non-empty string")
    spec = kinds.get(record["kind"])
    if spec is None:
        raise PatternFileError(f"{where}: unknown kind {record['kind']!r}; expected one of {sorted(kinds)}")
    allowed = {**_COMMON_KEYS, **spec.required, **spec.optional}
    unknown = sorted(set(record) - set(allowed))
    missing = sorted(set(spec.required) - set(record))
    if unknown or missing:
        raise PatternFileError(f"{where}: unknown keys {unknown}, missing keys {missing}")
    for key, value in record.items():
        expected = allowed[key]
        # bool is an int subclass: a true/false must not pass as a number.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is int):
            raise PatternFileError(f"{where}: key {key!r} has type {type(value).__name__}, expected {expected}")
    flags = record.get("flags", "")
    if isinstance(flags, str) and set(flags) - set(_FLAG_LETTERS):
        raise PatternFileError(f"{where}: flags {flags!r} may only use {sorted(_FLAG_LETTERS)}")
    return spec


def _expand_macros(regex: str, macros: Mapping[str, str], where: str) -> str:
    """Replace ``{{NAME}}`` by the macro's regex; an unknown name fails."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            raise PatternFileError(f"{where}: unknown macro {{{{{name}}}}} (define it on an earlier line)")
        return macros[name]

    return _MACRO_REF.sub(substitute, regex)


def _compile(regex: str, flags: str, where: str) -> re.Pattern[str]:
    """Compile with the flag letters, or fail naming the line."""
    value = 0
    for letter in flags:
        value |= _FLAG_LETTERS[letter]
    try:
        return re.compile(regex, value)
    except re.error as err:
        raise PatternFileError(f"{where}: invalid regex ({err})") from err
