"""The CLI on the sample dump: the tables hold the facts the articles state."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline.tables import SCHEMAS, check_table

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds" / "articles"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("output")
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "extract", str(SEEDS), str(out), "--quiet"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Rows per table" in proc.stdout
    return out


def table(out_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(out_dir / f"{name}.parquet")


def test_end_to_end_every_table_matches_its_schema(out_dir: Path) -> None:
    for name in SCHEMAS:
        check_table(name, pq.read_table(out_dir / f"{name}.parquet"))


def test_end_to_end_manifest_lists_inputs_and_versions(out_dir: Path) -> None:
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert len(manifest["inputs_read"]) == len(list(SEEDS.glob("*.txt")))
    assert manifest["model"]["name"] == "cnru_core"
    assert manifest["rejected"] == 0 and manifest["rejects"] == []


def test_end_to_end_krasnoyarsk_delegation(out_dir: Path) -> None:
    officials = table(out_dir, "officials")
    marina = officials[officials["name"] == "Marina Akshonova"]
    assert len(marina) == 1, officials[["name", "title"]]
    assert marina.iloc[0]["title"] == "Director"
    assert marina.iloc[0]["organization"] == "Education Department of Krasnoyarsk City Government"
    delegations = table(out_dir, "delegations")
    visit = delegations[delegations["leader_name"] == "Marina Akshonova"]
    assert len(visit) == 1, delegations
    row = visit.iloc[0]
    assert (row["origin"], row["destination"], row["size"]) == ("Krasnoyarsk", "Changchun", 5)
    assert (row["start"], row["end"]) == ("2025-05-12", "2025-05-14")
    assert row["leader_person_id"] == marina.iloc[0]["person_id"]


def test_end_to_end_jinan_rostov_agreement(out_dir: Path) -> None:
    agreements = table(out_dir, "agreements")
    signed = agreements[agreements["signed_date"] == "2026-01-16"]
    assert len(signed) == 1, agreements
    row = signed.iloc[0]
    assert row["agreement_type"] == "cooperation_agreement"
    parties = " | ".join(row["parties"])
    assert "Jinan" in parties and "Rostov-on-Don" in parties and "Education" in parties


@pytest.mark.parametrize(
    ("city_a", "city_b", "since"),
    [("Chongqing", "Voronezh", "1993-10-20"), ("Beijing", "Moscow", "1995-05")],
)
def test_end_to_end_sister_cities(out_dir: Path, city_a: str, city_b: str, since: str) -> None:
    ties = table(out_dir, "sister_cities")
    pairs = {frozenset((r.city_a, r.city_b)): r for r in ties.itertuples()}
    tie = pairs.get(frozenset((city_a, city_b)))
    assert tie is not None, ties
    assert tie.since == since
    assert {tie.country_a, tie.country_b} == {"CN", "RU"}


def test_end_to_end_russian_family_first_name_is_split(out_dir: Path) -> None:
    officials = table(out_dir, "officials")
    row = officials[officials["family_name"] == "Vyktorkin"].iloc[0]
    assert row["given_name"] == "Alexander"
    assert row["name"] == "Alexander Vyktorkin"
    assert row["title"] == "Head"


def test_end_to_end_offsets_point_at_the_text(out_dir: Path) -> None:
    articles = table(out_dir, "articles").set_index("article_id")
    mentions = table(out_dir, "mentions")
    for mention in mentions.itertuples():
        text = articles.loc[mention.article_id, "text"]
        assert text[mention.start_char:mention.end_char] == mention.text


def test_end_to_end_publication_dates_are_marked(out_dir: Path) -> None:
    dates = table(out_dir, "dates")
    publication = set(dates[dates["role"] == "publication"]["value"])
    assert {"2025-05-21", "2004-10-27", "2024-03-20"} <= publication
    articles = table(out_dir, "articles")
    assert set(articles["published"].dropna()) == {"2025-05-21", "2004-10-27", "2024-03-20"}
