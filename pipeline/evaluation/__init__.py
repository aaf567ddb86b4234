"""Evaluation: the hand-annotated gold set and the tools that read it.

``pipeline.evaluation.gold`` compiles the authoring files under ``seeds/gold/authoring/``
(one JSON file per article, spans given as strings) into the committed split files
``seeds/gold/{train,dev,test}.jsonl`` (spans given as character offsets), validates them,
and converts a split into a spaCy ``DocBin`` for training. The annotation rules are in
``seeds/gold/GUIDELINES.md``.
"""
