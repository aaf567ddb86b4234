"""Tests for the gold-set compiler, validator, builder and DocBin export."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline.evaluation import gold
from pipeline.evaluation.gold import GoldError, GoldSpan

COMMITTED = gold.DEFAULT_GOLD_DIR
AUTHORING_FILES = sorted((COMMITTED / gold.AUTHORING_DIRNAME).glob("*.json"))


def _article(text: str, spans: dict[str, list[Any]], records: dict[str, Any] | None = None,
             article_id: str = "t-001", published: str | None = None) -> dict[str, Any]:
    """A small authoring object."""
    return {"id": article_id, "published": published, "text": text, "spans": spans, "records": records or {}}


def _gold_root(tmp_path: Path, articles: list[dict[str, Any]], splits: dict[str, list[str]]) -> Path:
    """Write authoring files and splits.json under tmp_path; returns the gold root."""
    root = tmp_path / "gold"
    (root / gold.AUTHORING_DIRNAME).mkdir(parents=True)
    for article in articles:
        path = root / gold.AUTHORING_DIRNAME / f"{article['id']}.json"
        path.write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")
    (root / gold.SPLITS_FILENAME).write_text(json.dumps(splits), encoding="utf-8")
    return root


def _harbin_root(tmp_path: Path, train: list[str] | None = None) -> Path:
    """A gold root with one valid article t-001, listed in train (or in ``train`` when given)."""
    splits = {"train": train or ["t-001"], "dev": [], "test": []}
    return _gold_root(tmp_path, [_article("Harbin", {"GPE": ["Harbin"]})], splits)


def _surfaces(text: str, spans: list[GoldSpan]) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.label) for s in spans]


# --------------------------------------------------------------------------- committed data


@pytest.mark.parametrize("path", AUTHORING_FILES, ids=[p.stem for p in AUTHORING_FILES])
def test_gold_committed_authoring_file_is_valid(path: Path) -> None:
    data = gold.load_authoring(path)
    assert data["id"] == path.stem
    assert gold.validate_article(data) == []


def test_gold_committed_set_validates() -> None:
    assert gold.validate(COMMITTED) == []


def test_gold_compiled_files_equal_fresh_build(tmp_path: Path) -> None:
    root = tmp_path / "gold"
    shutil.copytree(COMMITTED / gold.AUTHORING_DIRNAME, root / gold.AUTHORING_DIRNAME)
    shutil.copy(COMMITTED / gold.SPLITS_FILENAME, root / gold.SPLITS_FILENAME)
    gold.build(root)
    for split in gold.SPLITS:
        fresh = (root / f"{split}.jsonl").read_text(encoding="utf-8")
        assert (COMMITTED / f"{split}.jsonl").read_text(encoding="utf-8") == fresh, split


def test_gold_splits_follow_the_documented_rule() -> None:
    splits = gold.load_splits(COMMITTED)
    for split, ids in splits.items():
        for article_id in ids:
            match = re.fullmatch(r"syn-(\d{3})", article_id)
            if match is None:
                assert article_id.startswith("seed-") and split == "train", article_id
                continue
            number = int(match.group(1))
            expected = "test" if number % 5 == 0 else "dev" if number % 5 == 1 else "train"
            assert split == expected, article_id


def test_gold_committed_spans_match_their_text() -> None:
    for split in gold.SPLITS:
        for article in gold.load_split(split):
            for span in article.spans:
                surface = article.text[span.start : span.end]
                assert surface == surface.strip() and surface, (article.id, span)


# --------------------------------------------------------------------------- span compiler


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        (  # longest first: Director inside Deputy Director is not annotated twice
            "Deputy Director Li met Director Wang.",
            {"TITLE": ["Director", "Deputy Director"]},
            [("Deputy Director", "TITLE"), ("Director", "TITLE")],
        ),
        (  # a city inside an institution name stays inside it
            "Harbin Institute of Technology is in Harbin.",
            {"GPE": ["Harbin"], "INSTITUTION": ["Harbin Institute of Technology"]},
            [("Harbin Institute of Technology", "INSTITUTION"), ("Harbin", "GPE")],
        ),
        (  # whole words only
            "Russian guests left Russia.",
            {"GPE": ["Russia"]},
            [("Russia", "GPE")],
        ),
        (  # a hyphen separates words
            "the China-Russia Expo",
            {"GPE": ["China", "Russia"]},
            [("China", "GPE"), ("Russia", "GPE")],
        ),
        (  # digit to letter is a word boundary
            "Updated : 2025-05-21Source : Office",
            {"DATE": ["2025-05-21"]},
            [("2025-05-21", "DATE")],
        ),
        (  # case-sensitive
            "Director Li and deputy director Wang",
            {"TITLE": ["Director"]},
            [("Director", "TITLE")],
        ),
        (  # the same string in the same label twice is placed once per occurrence
            "Harbin and Harbin",
            {"GPE": ["Harbin"]},
            [("Harbin", "GPE"), ("Harbin", "GPE")],
        ),
        (  # strings ending in punctuation
            "met Serdechkin Yu.V. in Harbin",
            {"PERSON": ["Serdechkin Yu.V."], "GPE": ["Harbin"]},
            [("Serdechkin Yu.V.", "PERSON"), ("Harbin", "GPE")],
        ),
    ],
)
def test_gold_compile_places_spans(text: str, spans: dict[str, list[Any]], expected: list[tuple[str, str]]) -> None:
    assert _surfaces(text, gold.compile_spans("t-001", text, spans)) == expected


@pytest.mark.parametrize(
    ("occurrences", "expected_starts"),
    [([0, 2], [0, 28]), ([1], [16]), ([2, 0], [0, 28])],
)
def test_gold_compile_occurrences_filter(occurrences: list[int], expected_starts: list[int]) -> None:
    text = "China news. Top China News. China wins"
    spans = gold.compile_spans("t-001", text, {"GPE": [{"text": "China", "occurrences": occurrences}]})
    assert [s.start for s in spans] == expected_starts
    assert all(s.end - s.start == len("China") for s in spans)


@pytest.mark.parametrize(
    ("text", "spans", "message"),
    [
        ("Harbin", {"GPE": ["Moscow"]}, "'Moscow' not found"),
        ("Russian guests", {"GPE": ["Russia"]}, "'Russia' not found"),
        ("Harbin and Harbin", {"GPE": [{"text": "Harbin", "occurrences": [2]}]}, "occurrence 2 requested"),
        (
            "Harbin Institute is in Harbin",
            {"INSTITUTION": ["Harbin Institute"], "GPE": [{"text": "Harbin", "occurrences": [0]}]},
            "overlaps a longer span",
        ),
        ("Deputy Director Li", {"TITLE": ["Deputy Director", "Director"]}, "every occurrence is inside a longer span"),
        ("Harbin", {"GPE": ["Harbin"], "INSTITUTION": ["Harbin"]}, "every occurrence is inside a longer span"),
        ("Harbin", {"ORG": ["Harbin"]}, "unknown label 'ORG'"),
        ("Harbin", {"GPE": [" Harbin"]}, "without outer spaces"),
        ("Harbin", {"GPE": [{"text": "Harbin", "occurrences": []}]}, "bad occurrences"),
        ("Harbin", {"GPE": [{"text": "Harbin", "nth": 1}]}, "keys must be"),
    ],
)
def test_gold_compile_rejects(text: str, spans: dict[str, list[Any]], message: str) -> None:
    with pytest.raises(GoldError) as error:
        gold.compile_spans("t-042", text, spans)
    assert message in str(error.value)
    assert "t-042" in str(error.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"id": "t-001", "text": "Harbin", "spans": {}, "extra": 1}, "unknown keys ['extra']"),
        ({"id": "t-001", "text": "", "spans": {}}, "'text' must be a non-empty string"),
        ({"id": "t-001", "text": "Harbin", "spans": {}, "records": {"visits": []}}, "unknown record tables"),
        ({"text": "Harbin", "spans": {}}, "without a string 'id'"),
    ],
)
def test_gold_compile_article_rejects(data: dict[str, Any], message: str) -> None:
    with pytest.raises(GoldError, match=re.escape(message)):
        gold.compile_article(data)


# --------------------------------------------------------------------------- record validation

TEXT = (
    "Updated: 2017-06-16\nOn 15 June 2017 Ivan Petrov, Director of Harbin No. 1 School, "
    "led a delegation to Harbin and signed an agreement."
)
SPANS: dict[str, list[Any]] = {
    "PERSON": ["Ivan Petrov"],
    "TITLE": ["Director"],
    "INSTITUTION": ["Harbin No. 1 School"],
    "GPE": ["Harbin"],
    "DATE": ["2017-06-16", "15 June 2017"],
    "AGREEMENT": ["agreement"],
    "DELEGATION": ["delegation"],
}


def _records() -> dict[str, list[dict[str, Any]]]:
    return {
        "officials": [{"name": "Ivan Petrov", "family_name": "Petrov", "given_name": "Ivan", "patronymic": None,
                       "title": "Director", "organization": "Harbin No. 1 School", "country": "CN"}],
        "institutions": [{"name": "Harbin No. 1 School", "type": "school", "city": "Harbin", "country": "CN"}],
        "delegations": [{"leader_name": "Ivan Petrov", "leader_title": "Director", "origin": None, "origin_country": None,
                         "destination": "Harbin", "destination_country": "CN", "size": None,
                         "start": "2017-06-15", "end": None, "institutions_visited": []}],
        "agreements": [{"agreement_type": "cooperation_agreement", "title": None, "parties": ["Harbin No. 1 School"],
                        "signatories": ["Ivan Petrov"], "signed_date": "2017-06-15", "place": "Harbin"}],
        "sister_cities": [],
        "dates": [{"text": "2017-06-16", "value": "2017-06-16", "role": "publication"},
                  {"text": "15 June 2017", "value": "2017-06-15", "role": "event"}],
    }


Mutation = Callable[[dict[str, list[dict[str, Any]]]], None]


def _set(table: str, field: str, value: Any) -> Mutation:
    def mutate(records: dict[str, list[dict[str, Any]]]) -> None:
        records[table][0][field] = value

    return mutate


def _drop_date(records: dict[str, list[dict[str, Any]]]) -> None:
    records["dates"].pop()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_set("officials", "title", "Principal"), "'Principal' is not the text of a TITLE span"),
        (_set("officials", "organization", "Harbin School"), "is not the text of a INSTITUTION/GPE span"),
        (_set("officials", "name", "Pyotr Petrov"), "words ['Pyotr'] appear in no PERSON span"),
        (_set("officials", "name", None), "officials[0].name: is required"),
        (_set("officials", "family_name", "Sidorov"), "'Sidorov' is not part of the name"),
        (_set("officials", "rank", "general"), "unknown field 'rank'"),
        (_set("officials", "country", "China"), "'China' is not an ISO 3166-1 alpha-2 code"),
        (_set("officials", "country", "XX"), "'XX' is not an ISO 3166-1 alpha-2 code"),
        (_set("institutions", "name", "Harbin School"), "'Harbin School' is not the text of a INSTITUTION span"),
        (_set("institutions", "type", "ministry"), "'ministry' is not one of"),
        (_set("delegations", "destination", "Moscow"), "'Moscow' does not occur in the text"),
        (_set("delegations", "size", "five"), "must be a positive integer or null"),
        (_set("delegations", "leader_title", "Head"), "'Head' is not the text of a TITLE span"),
        (_set("delegations", "institutions_visited", ["Harbin Museum"]), "'Harbin Museum' is not the text"),
        (_set("agreements", "agreement_type", "treaty"), "'treaty' is not one of"),
        (_set("agreements", "signed_date", "15/06/2017"), "'15/06/2017' is not an ISO date or range"),
        (_set("agreements", "signatories", ["Wang Lei"]), "appear in no PERSON span"),
        (_set("dates", "value", "2017-02-30"), "'2017-02-30' is not an ISO date or range"),
        (_set("dates", "text", "June 2017"), "'June 2017' is not the text of a DATE span"),
        (_set("dates", "role", "signing"), "'signing' is not one of"),
        (_set("dates", "value", "2017-06-15"), "differs from published"),
        (_drop_date, "DATE span '15 June 2017' has no dates record"),
    ],
)
def test_gold_validate_article_finds_record_problems(mutate: Mutation, message: str) -> None:
    records = _records()
    mutate(records)
    problems = gold.validate_article(_article(TEXT, SPANS, records, published="2017-06-16"))
    assert any(message in problem for problem in problems), problems


def test_gold_validate_article_accepts_valid_records() -> None:
    assert gold.validate_article(_article(TEXT, SPANS, _records(), published="2017-06-16")) == []


def test_gold_validate_article_reports_compile_errors() -> None:
    problems = gold.validate_article(_article(TEXT, {"GPE": ["Moscow"]}))
    assert problems == ["t-001: GPE span 'Moscow' not found in the text"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017", True),
        ("2017-06", True),
        ("2017-06-15", True),
        ("2016-05-23/2016-05-25", True),
        ("2017/2018", True),
        ("2017-6-1", False),
        ("2017-02-30", False),
        ("2016-05-25/2016-05-23", False),
        ("2016/2016-05", False),
        ("June 2017", False),
    ],
)
def test_gold_is_iso_value(value: str, expected: bool) -> None:
    assert gold.is_iso_value(value) is expected


# --------------------------------------------------------------------------- build, splits, load


def test_gold_build_writes_sorted_deterministic_files(tmp_path: Path) -> None:
    second = _article(
        "Делегация из Хабаровска visited Harbin.", {"GPE": ["Harbin", "Хабаровска"]}, article_id="t-002"
    )
    first = _article("Harbin", {"GPE": ["Harbin"]}, article_id="t-001")
    root = _gold_root(tmp_path, [second, first], {"train": ["t-002", "t-001"], "dev": [], "test": []})

    assert gold.build(root) == {"train": 2, "dev": 0, "test": 0}

    lines = (root / "train.jsonl").read_text(encoding="utf-8").splitlines()
    objects = [json.loads(line) for line in lines]
    assert [o["id"] for o in objects] == ["t-001", "t-002"]
    assert lines == [json.dumps(o, sort_keys=True, ensure_ascii=False) for o in objects]
    assert "Хабаровска" in lines[1]
    assert objects[1]["spans"] == [{"start": 13, "end": 23, "label": "GPE"}, {"start": 32, "end": 38, "label": "GPE"}]
    assert set(objects[0]["records"]) == set(gold.GOLD_TABLES)
    assert (root / "dev.jsonl").read_text(encoding="utf-8") == ""

    loaded = gold.load_split("train", root)
    assert [a.id for a in loaded] == ["t-001", "t-002"]
    assert loaded[1].spans == [GoldSpan(13, 23, "GPE"), GoldSpan(32, 38, "GPE")]
    assert gold.validate(root) == []


def test_gold_build_failure_names_article_and_keeps_old_files(tmp_path: Path) -> None:
    good = _article("Harbin", {"GPE": ["Harbin"]}, article_id="t-001")
    bad = _article("Harbin", {"GPE": ["Moscow"]}, article_id="t-002")
    root = _gold_root(tmp_path, [good, bad], {"train": ["t-001"], "dev": ["t-002"], "test": []})
    (root / "train.jsonl").write_text("old\n", encoding="utf-8")
    with pytest.raises(GoldError, match="t-002: GPE span 'Moscow' not found"):
        gold.build(root)
    assert (root / "train.jsonl").read_text(encoding="utf-8") == "old\n"


def test_gold_build_skips_listed_ids_without_file(tmp_path: Path) -> None:
    root = _harbin_root(tmp_path, ["t-001", "t-009"])
    assert gold.build(root) == {"train": 1, "dev": 0, "test": 0}
    assert gold.validate(root) == ["t-009: listed in train but there is no authoring file"]


@pytest.mark.parametrize(
    ("splits", "message"),
    [
        ({"train": ["t-001"], "dev": [], "test": []}, "t-002: authoring file is in no split"),
        ({"train": ["t-001", "t-002"], "dev": ["t-002"], "test": []}, "t-002: listed in both train and dev"),
        (
            {"train": ["t-001", "t-002"], "dev": [], "test": ["t-003"]},
            "t-003: listed in test but there is no authoring file",
        ),
        ({"train": ["t-001", "t-002"], "holdout": []}, "unknown splits ['holdout']"),
        ({"train": "t-001 t-002"}, "'train' must be a list of article ids"),
    ],
)
def test_gold_validate_reports_split_problems(tmp_path: Path, splits: dict[str, list[str]], message: str) -> None:
    articles = [_article("Harbin", {"GPE": ["Harbin"]}, article_id=i) for i in ("t-001", "t-002")]
    root = _gold_root(tmp_path, articles, splits)
    assert any(message in problem for problem in gold.validate(root))


def test_gold_validate_reports_stale_compiled_file(tmp_path: Path) -> None:
    root = _harbin_root(tmp_path)
    gold.build(root)
    (root / "train.jsonl").write_text("{}\n", encoding="utf-8")
    assert gold.validate(root) == [
        "train.jsonl is missing or out of date: run `python -m pipeline.evaluation.gold build`"
    ]


def test_gold_validate_reports_id_not_matching_file_name(tmp_path: Path) -> None:
    root = _harbin_root(tmp_path)
    (root / gold.AUTHORING_DIRNAME / "t-001.json").rename(root / gold.AUTHORING_DIRNAME / "t-005.json")
    assert any("t-005.json: 'id' is 't-001', expected 't-005'" in p for p in gold.validate(root))


@pytest.mark.parametrize("split", ["train", "holdout"])
def test_gold_load_split_without_compiled_file_fails_clearly(tmp_path: Path, split: str) -> None:
    with pytest.raises(GoldError, match="run `python -m pipeline.evaluation.gold build`|unknown split"):
        gold.load_split(split, tmp_path)


def test_gold_cli_validate_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _harbin_root(tmp_path)
    assert gold.main(["--root", str(root), "build"]) == 0
    assert gold.main(["--root", str(root), "validate"]) == 0
    (root / gold.AUTHORING_DIRNAME / "t-001.json").write_text(json.dumps(_article("Harbin", {"GPE": ["Moscow"]})))
    assert gold.main(["--root", str(root), "validate"]) == 1
    assert "'Moscow' not found" in capsys.readouterr().out


# --------------------------------------------------------------------------- DocBin


def test_gold_docbin_round_trip(tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    text = (
        "Updated : 2025-05-21Source : Office\n"
        "Deputy Director Li Ming visited Harbin Institute of Technology in Harbin."
    )
    spans = {
        "DATE": ["2025-05-21"],
        "TITLE": ["Deputy Director"],
        "PERSON": ["Li Ming"],
        "INSTITUTION": ["Harbin Institute of Technology"],
        "GPE": ["Harbin"],
    }
    root = _gold_root(tmp_path, [_article(text, spans)], {"train": [], "dev": ["t-001"], "test": []})
    gold.build(root)
    out = tmp_path / "dev.spacy"

    assert gold.to_docbin("dev", out, root) == 1

    docs = list(DocBin().from_disk(out).get_docs(spacy.blank("en").vocab))
    assert len(docs) == 1 and docs[0].text == text
    assert docs[0].user_data["gold_id"] == "t-001"
    entities = [(e.text, e.label_) for e in docs[0].ents]
    assert entities[1:] == [
        ("Deputy Director", "TITLE"),
        ("Li Ming", "PERSON"),
        ("Harbin Institute of Technology", "INSTITUTION"),
        ("Harbin", "GPE"),
    ]
    # The glued stamp is one token: the entity expands to it instead of being dropped.
    date_text, date_label = entities[0]
    assert date_label == "DATE" and date_text.startswith("2025-05-21")
