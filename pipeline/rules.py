"""Load and validate the rule data in ``patterns/``.

Pattern files are spaCy ruler JSONL: one object per line with ``id``, ``label`` and
``pattern`` (a token pattern list or a phrase string). Loading fails loudly on unknown
keys, unknown labels and patterns the spaCy Matcher rejects.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import spacy
from spacy.matcher import Matcher
from spacy.util import registry

from pipeline.labels import ENTITY_PATTERN_FILES, LABELS

#: The repository's rule folder.
PATTERNS_DIR = Path(__file__).resolve().parent.parent / "patterns"

_PATTERN_KEYS = {"id", "label", "pattern"}

Pattern = dict[str, Any]


class RuleError(ValueError):
    """A rule file is malformed; the message names the file and line."""


def read_jsonl_patterns(path: Path, allowed_labels: Iterable[str]) -> list[Pattern]:
    """Read one ruler JSONL file, checking keys, labels and token patterns."""
    allowed = set(allowed_labels)
    patterns: list[Pattern] = []
    validator = Matcher(spacy.blank("en").vocab, validate=True)
    with path.open(encoding="utf8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                pattern = json.loads(line)
            except json.JSONDecodeError as err:
                raise RuleError(f"{where}: not valid JSON ({err})") from err
            unknown = set(pattern) - _PATTERN_KEYS
            missing = _PATTERN_KEYS - set(pattern)
            if unknown or missing:
                raise RuleError(f"{where}: unknown keys {sorted(unknown)}, missing {sorted(missing)}")
            if pattern["label"] not in allowed:
                raise RuleError(f"{where}: label {pattern['label']!r} is not one of {sorted(allowed)}")
            if isinstance(pattern["pattern"], list):
                try:
                    validator.add(pattern["id"], [pattern["pattern"]])
                except Exception as err:  # spaCy raises MatchPatternError / ValueError
                    raise RuleError(f"{where}: invalid token pattern ({err})") from err
            elif not isinstance(pattern["pattern"], str):
                raise RuleError(f"{where}: pattern must be a token list or a phrase string")
            patterns.append(pattern)
    return patterns


def read_csv_table(path: Path, columns: Iterable[str]) -> list[dict[str, str]]:
    """Read a CSV rule table whose header must be exactly ``columns``."""
    with path.open(encoding="utf8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != list(columns):
            raise RuleError(f"{path}: header {reader.fieldnames}, expected {list(columns)}")
        return [dict(row) for row in reader]


@registry.misc("cnru.entity_patterns.v1")
def entity_patterns(patterns_dir: str = str(PATTERNS_DIR)) -> list[Pattern]:
    """All entity ruler patterns, from the files named in labels.ENTITY_PATTERN_FILES."""
    directory = Path(patterns_dir)
    patterns: list[Pattern] = []
    for name in ENTITY_PATTERN_FILES:
        patterns.extend(read_jsonl_patterns(directory / name, LABELS))
    return patterns
