"""Shared mechanics for components that hold rule data.

Such a component keeps its rules as one JSON-serialisable payload, receives it in
``initialize`` (from the readers in pipeline.rules, wired in the config's
``[initialize.components]`` block) and writes it to disk with the pipeline, so a model
directory is the complete record of what ran.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import srsly
from spacy.util import ensure_path

RULES_FILE = "rules.json"


class RulesComponent:
    """Mixin: ``self.rules`` is saved and loaded with the pipeline."""

    name: str
    rules: Any

    def _apply_rules(self) -> None:
        """Rebuild derived state (matchers, lookups) after ``self.rules`` changed."""

    def to_bytes(self, *, exclude: tuple[str, ...] = ()) -> bytes:
        return srsly.msgpack_dumps({"rules": self.rules})

    def from_bytes(self, data: bytes, *, exclude: tuple[str, ...] = ()) -> "RulesComponent":
        self.rules = srsly.msgpack_loads(data)["rules"]
        self._apply_rules()
        return self

    def to_disk(self, path: str | Path, *, exclude: tuple[str, ...] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / RULES_FILE).write_text(json.dumps(self.rules, indent=1, ensure_ascii=False), encoding="utf8")

    def from_disk(self, path: str | Path, *, exclude: tuple[str, ...] = ()) -> "RulesComponent":
        self.rules = json.loads((ensure_path(path) / RULES_FILE).read_text(encoding="utf8"))
        self._apply_rules()
        return self
