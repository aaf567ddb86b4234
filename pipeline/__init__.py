"""cnru-extract: news about China-Russia sub-national exchanges in, analytic tables out.

Data flow, one module a step:
    ingest/      read files, decode, strip boilerplate, article metadata
    components/  spaCy factories (rules, relations, date normalisation)
    records.py   Doc -> rows, one function per output table
    normalize/   plain functions for dates, names, institutions, places
    tables.py    the pyarrow schemas and the Parquet writer
    run.py       the batch loop: articles in, table rows out
    evaluation/  gold set and scorer
    cli.py       the click commands
"""

__version__ = "0.1.0"
