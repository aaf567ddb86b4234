"""The command line end to end: a mixed folder of good and bad inputs, exit codes, readers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result
from spacy.language import Language

import pipeline.nlp
import pipeline.run
from pipeline.cli import main
from pipeline.run import EXIT_FAILED, EXIT_OK, EXIT_WITH_REJECTS
from pipeline.tables import SCHEMAS, check_table

pytestmark = pytest.mark.slow

VISIT = (
    "Harbin Delegation Visits Irkutsk\n"
    "Updated : 2024-06-20\n"
    "From June 10 to 13, Wang Lihua, Vice Mayor of Harbin, led an eight-member delegation on a visit to "
    "Irkutsk. The delegation met Governor Igor Kobzev and visited Irkutsk State University, where the two "
    "sides discussed student exchanges and joint research in ecology.\n"
)
SCHOOL = (
    "Suzhou School Signs Agreement with Kazan Gymnasium\n"
    "Published: 12 March 2023\n"
    "Suzhou No. 10 Middle School and Kazan Gymnasium No. 2 signed a cooperation agreement on March 10, 2023. "
    "Principal Chen Ming and Director Alsu Garipova signed the agreement in Kazan. The schools will exchange "
    "teachers and organise summer camps for students from both cities.\n"
)
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Khabarovsk and Harbin mark 30 years of friendship</title></head>
<body><nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<article><h1>Khabarovsk and Harbin mark 30 years of friendship</h1>
<p>Khabarovsk and Harbin established sister city relations in 1993, and this year the two cities celebrate
thirty years of partnership.</p>
<p>On September 5, 2023, Mayor Sergei Kravchuk of Khabarovsk received a delegation from Harbin led by Zhang
Qingwei, Director of the Harbin Municipal Foreign Affairs Office. The two sides agreed to expand cooperation
in tourism, culture and education.</p>
</article><footer>Copyright 2023 Khabarovsk City Administration. All rights reserved.</footer></body></html>"""
RECORD_1 = (
    "Novosibirsk university opens Chinese language centre with Dalian partner. On April 18, 2022, Novosibirsk "
    "State Technical University and Dalian University of Technology opened a joint Chinese language centre in "
    "Novosibirsk. Rector Anatoly Bataev and Vice President Li Hui attended the ceremony and signed a "
    "memorandum of understanding on academic mobility."
)
RECORD_2 = (
    "Heihe and Blagoveshchensk expand border trade cooperation. A delegation of the Heihe Municipal People's "
    "Government headed by Mayor Liu Yang visited Blagoveshchensk on May 20, 2021, and met with the leadership "
    "of the Amur Region to discuss the new cross-border bridge and youth exchanges between schools."
)
RUSSIAN = (
    "Делегация города Харбина посетила Иркутск. С 10 по 13 июня делегация во главе с заместителем мэра "
    "Харбина провела встречи с руководством Иркутской области и посетила Иркутский государственный "
    "университет, где стороны обсудили обмен студентами и совместные исследования в области экологии."
)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

#: (file, JSONL line or None) -> reason of every bad input written by write_mixed_dump.
EXPECTED_REJECTS: dict[tuple[str, int | None], str] = {
    ("empty.txt", None): "empty",
    ("image.txt", None): "binary",
    ("records.jsonl", 2): "malformed_json",
    ("records.jsonl", 3): "missing_text",
    ("russian.txt", None): "not_english",
    ("visit_copy.txt", None): "duplicate",
}
GOOD_ARTICLES = 5


def write_clean_dump(folder: Path) -> None:
    """Five English articles: two .txt, one .html, two JSONL records."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "visit.txt").write_text(VISIT, encoding="utf8")
    (folder / "school.txt").write_text(SCHOOL, encoding="utf8")
    (folder / "friendship.html").write_text(PAGE, encoding="utf8")
    records = [{"id": 1, "text": RECORD_1, "url": "https://example.org/nsk"},
               {"id": 2, "text": RECORD_2, "published": "2021-05-21"}]
    (folder / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf8")


def write_mixed_dump(folder: Path) -> None:
    """The clean dump plus one input of every kind of trouble (see EXPECTED_REJECTS)."""
    write_clean_dump(folder)
    (folder / "visit_copy.txt").write_text(VISIT, encoding="utf8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.txt").write_bytes(PNG_BYTES)
    (folder / "russian.txt").write_text(RUSSIAN, encoding="utf8")
    good = (folder / "records.jsonl").read_text(encoding="utf8").splitlines()
    lines = [good[0], '{"id": 9, "text": "unterminated', json.dumps({"id": 3, "title": "no text"}), good[1]]
    (folder / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf8")


@pytest.fixture(scope="module")
def shared_nlp(nlp: Language) -> Iterator[Language]:
    """Every CLI run in this module uses the session's pipeline instead of loading its own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline.run, "load_nlp", lambda model=None: nlp)
        patch.setattr(pipeline.nlp, "load_nlp", lambda model=None: nlp)
        yield nlp


@pytest.fixture(scope="module")
def mixed_run(shared_nlp: Language, tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path, Path]:
    """(CLI result, input folder, output folder) of one run over the mixed dump."""
    root = tmp_path_factory.mktemp("mixed")
    write_mixed_dump(root / "in")
    result = CliRunner().invoke(main, ["extract", str(root / "in"), str(root / "out"), "--chunk-size", "3",
                                       "--quiet"])
    return result, root / "in", root / "out"


def test_cli_extract_with_bad_inputs_exits_with_rejects_code(mixed_run: tuple[Result, Path, Path]) -> None:
    result, _, _ = mixed_run
    assert result.exit_code == EXIT_WITH_REJECTS, result.output
    assert f"extracted {GOOD_ARTICLES}, skipped {len(EXPECTED_REJECTS)} inputs" in result.output


def test_cli_extract_every_bad_input_is_in_rejects_table(mixed_run: tuple[Result, Path, Path]) -> None:
    _, in_dir, out_dir = mixed_run
    rejects = pq.read_table(out_dir / "rejects.parquet").to_pylist()
    got = {(Path(row["source"]).name, row["record"]): row["reason"] for row in rejects}
    assert got == EXPECTED_REJECTS
    assert all(Path(row["source"]).parent == in_dir and row["detail"] for row in rejects)


def test_cli_extract_every_bad_input_is_in_manifest(mixed_run: tuple[Result, Path, Path]) -> None:
    _, _, out_dir = mixed_run
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf8"))
    got = {(Path(row["source"]).name, row["record"]): row["reason"] for row in manifest["rejects"]}
    assert got == EXPECTED_REJECTS
    assert manifest["rejected"] == len(EXPECTED_REJECTS)
    assert manifest["articles_extracted"] == GOOD_ARTICLES
    assert sum(manifest["reject_reasons"].values()) == len(EXPECTED_REJECTS)


def test_cli_extract_good_inputs_of_every_format_are_extracted(mixed_run: tuple[Result, Path, Path]) -> None:
    _, _, out_dir = mixed_run
    articles = pq.read_table(out_dir / "articles.parquet").to_pylist()
    assert sorted(Path(row["source"].split(":")[0]).suffix for row in articles) == [
        ".html", ".jsonl", ".jsonl", ".txt", ".txt"]
    assert {row["language"] for row in articles} == {"en"}


def _pyarrow(path: Path) -> pa.Table:
    return pq.read_table(path)


def _pandas(path: Path) -> pa.Table:
    return pa.Table.from_pandas(pd.read_parquet(path), preserve_index=False)


def _polars(path: Path) -> pa.Table:
    return pl.read_parquet(path).to_arrow()


def _duckdb(path: Path) -> pa.Table:
    with duckdb.connect() as connection:
        quoted = str(path).replace("'", "''")
        return connection.sql(f"SELECT * FROM read_parquet('{quoted}')").to_arrow_table()


@pytest.mark.parametrize("reader", [_pyarrow, _pandas, _polars, _duckdb], ids=["pyarrow", "pandas", "polars", "duckdb"])
@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_cli_extract_tables_load_in_every_reader(mixed_run: tuple[Result, Path, Path], name: str,
                                                 reader: Callable[[Path], pa.Table]) -> None:
    _, _, out_dir = mixed_run
    path = out_dir / f"{name}.parquet"
    check_table(name, pq.read_table(path))
    table = reader(path)
    assert table.column_names == SCHEMAS[name].names
    assert table.num_rows == pq.ParquetFile(path).metadata.num_rows


def test_cli_extract_clean_folder_exits_ok(shared_nlp: Language, tmp_path: Path) -> None:
    write_clean_dump(tmp_path / "in")
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "in"), str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == EXIT_OK, result.output
    assert pq.read_table(tmp_path / "out" / "rejects.parquet").num_rows == 0
    assert pq.read_table(tmp_path / "out" / "articles.parquet").num_rows == GOOD_ARTICLES


def test_cli_extract_missing_input_fails_and_keeps_output(shared_nlp: Language, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "absent"), str(tmp_path / "out")])
    assert result.exit_code == EXIT_FAILED
    assert "does not exist" in result.output


@pytest.mark.parametrize("code", [EXIT_OK, EXIT_WITH_REJECTS, EXIT_FAILED, 2])
def test_cli_extract_help_documents_exit_codes(code: int) -> None:
    result = CliRunner().invoke(main, ["extract", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "Exit codes" in text and re.search(rf"\b{code} = ", text), text


def test_cli_bench_prints_speed_and_large_dump_figures(shared_nlp: Language) -> None:
    result = CliRunner().invoke(main, ["bench", "--articles", "20", "--workers", "1", "--speed-articles", "4",
                                       "--repeat", "1"])
    assert result.exit_code == 0, result.output
    for field in ("words/s", "articles/s", "ratio ours/stock", "stock en_core_web_sm", "peak PSS MB",
                  "max proc MB"):
        assert field in result.output, result.output
    row = next(line for line in result.output.splitlines() if re.match(r"\s+1\s+20\s", line))
    assert row.split()[:2] == ["1", "20"]
