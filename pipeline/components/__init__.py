"""spaCy components, one registered factory per module (see pyproject's spacy_factories)."""
