"""Drop web boilerplate lines (navigation, footers, banners, related-story lists) from plain text.

Rules live in ``patterns/boilerplate.jsonl``; each applies to whole lines:
- ``line``: drop a line the regex matches (searched, so the regex anchors itself);
- ``tail``: once the body has started, a line matching it opens a related-stories /
  top-news block and it and everything after it are dropped (before the body, only the
  line itself: it heads a menu above the article);
- ``trailing``: after the body, fragments matching it at the very end of the page
  (captions, promo links) are dropped, from the last line upwards;
- ``title_suffix``: decoration removed from a headline (``strip_title_suffix``).
A line counts as *body* when it does not match a ``trailing`` rule (it reads like a
sentence). A rule with ``max_len`` only looks at lines at most that long: boilerplate
lines are short, and skipping long paragraphs keeps a 1,000,000-character article fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pipeline.ingest.lines import Line
from pipeline.ingest.ruledata import PATTERNS_DIR, KindSpec, PatternFileError, load_rules

BOILERPLATE_FILE = PATTERNS_DIR / "boilerplate.jsonl"

# Longest line a rule without its own max_len inspects (see module docstring).
DEFAULT_MAX_LEN = 300

_LINE_RULE = KindSpec(required={"regex": str}, optional={"flags": str, "max_len": int})
BOILERPLATE_KINDS = {
    "line": _LINE_RULE,
    "tail": _LINE_RULE,
    "trailing": _LINE_RULE,
    "title_suffix": KindSpec(required={"regex": str}, optional={"flags": str}),
}


@dataclass(frozen=True)
class LineRule:
    """A compiled boilerplate rule."""

    id: str
    regex: re.Pattern[str]
    max_len: int

    def matches(self, text: str) -> bool:
        """Whether the rule applies to this (stripped) line."""
        return len(text) <= self.max_len and self.regex.search(text) is not None


@dataclass(frozen=True)
class BoilerplateRules:
    """All rules of the file, grouped by kind, in file order."""

    line: tuple[LineRule, ...]
    tail: tuple[LineRule, ...]
    trailing: tuple[LineRule, ...]
    title_suffix: tuple[LineRule, ...]


@lru_cache(maxsize=1)
def rules() -> BoilerplateRules:
    """Load and compile ``patterns/boilerplate.jsonl`` once."""
    grouped: dict[str, list[LineRule]] = {kind: [] for kind in BOILERPLATE_KINDS}
    for rule in load_rules(BOILERPLATE_FILE, BOILERPLATE_KINDS):
        assert rule.regex is not None
        max_len = rule.fields.get("max_len", DEFAULT_MAX_LEN)
        if max_len <= 0:
            raise PatternFileError(f"{rule.where}: max_len must be positive")
        grouped[rule.kind].append(LineRule(rule.id, rule.regex, max_len))
    return BoilerplateRules(**{kind: tuple(found) for kind, found in grouped.items()})


def first_match(candidates: Sequence[LineRule], text: str) -> str | None:
    """The id of the first rule matching ``text``, or None."""
    for rule in candidates:
        if rule.matches(text):
            return rule.id
    return None


def line_rule(text: str) -> str | None:
    """The id of the ``line`` rule that drops this line, or None (handy to explain a removal)."""
    return first_match(rules().line, text)


def is_body_line(text: str) -> bool:
    """Whether a line reads like article body rather than a fragment (caption, heading, link)."""
    return first_match(rules().trailing, text) is None


def filter_lines(lines: Sequence[Line], *, protect: Callable[[str], bool] = lambda _text: False) -> list[Line]:
    """The non-blank lines that are not boilerplate, in order.

    ``protect`` marks lines to keep whatever the ``line`` rules say (publication stamps,
    which metadata must find in the cleaned text).
    """
    loaded = rules()
    kept: list[Line] = []
    body_started = False
    for line in lines:
        text = line.text
        if not text:
            continue
        if first_match(loaded.tail, text):
            if body_started:
                break
            continue  # a links heading above the article (a menu): drop the line only
        if not protect(text) and first_match(loaded.line, text):
            continue
        kept.append(line)
        body_started = body_started or is_body_line(text)
    if body_started:
        while kept and not is_body_line(kept[-1].text) and not protect(kept[-1].text):
            kept.pop()
    return kept


def strip_title_suffix(title: str) -> str:
    """Remove site/section decoration from a headline, keeping it when little would remain."""
    for rule in rules().title_suffix:
        shortened = rule.regex.sub("", title).strip()
        if len(shortened.split()) >= 3:
            title = shortened
    return title
