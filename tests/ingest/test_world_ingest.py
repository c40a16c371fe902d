"""Ingesting a small synthetic world: every source, exact reconciliation, no identifier in the
analysis zone. The pipeline reads only the world's extracts, never its truth; this test reads the
truth to check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from bakehouse.ingest import IngestOptions, ingest

# The world's extracts before council tax; a world that writes council tax adds it, and the
# truth's records (below) then expect it too.
SOURCES = {
    "csc",
    "education",
    "early_education",
    "health_visiting",
    "police",
    "housing",
    "benefits",
    "marac",
}


@pytest.fixture(scope="module")
def ingested(small_world_factory: Any, tmp_path_factory: Any, key_file: Path) -> Any:
    world = small_world_factory()
    folder = Path(world.out)
    workspace = tmp_path_factory.mktemp("world-ws")
    # Homelessness: the purpose every shipped agreement lists (council tax's only one), so every
    # extract of the world is taken in.
    result = ingest(
        IngestOptions(
            sources=folder, workspace=workspace, purpose="homelessness", key_file=key_file
        )
    )
    return folder, workspace, result


def test_every_source_of_a_small_world_is_ingested_and_reconciles(ingested: Any) -> None:
    folder, _, result = ingested
    assert {count.source for count in result.files} >= SOURCES
    records = pq.read_table(folder / "truth" / "records.parquet")
    # The truth has a row per person named; a file row names one or two (claimant, partner).
    truth_rows = (
        records.group_by(["source", "file"])
        .aggregate([("row_number", "count_distinct")])
        .to_pylist()
    )
    expected = {
        (row["source"], row["file"]): row["row_number_count_distinct"] for row in truth_rows
    }
    assert {(count.source, count.file) for count in result.files} == set(expected)
    for count in result.files:
        assert count.reconciled
        assert count.rows_in == expected[(count.source, count.file)]
        assert count.quarantined < 0.05 * count.rows_in, count.source


def test_no_identifier_of_the_world_reaches_the_analysis_zone(ingested: Any) -> None:
    folder, workspace, _ = ingested
    con = duckdb.connect()
    con.execute(f"ATTACH '{workspace / 'analysis.duckdb'}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{workspace / 'custodian.duckdb'}' AS c (READ_ONLY)")
    people = folder / "truth" / "people.parquet"
    addresses = folder / "truth" / "addresses.parquet"
    # Names from four letters up: three-letter codes such as the language 'ben' (Bengali) are
    # attributes, not the forename Ben.
    con.execute(
        f"""CREATE TABLE needles AS
            SELECT upper(forename) AS v FROM '{people}' WHERE length(forename) >= 4
            UNION SELECT upper(surname) FROM '{people}' WHERE length(surname) >= 4
            UNION SELECT nhs_number FROM '{people}' UNION SELECT upn FROM '{people}'
            UNION SELECT nino FROM '{people}' UNION SELECT postcode FROM '{addresses}'
            UNION SELECT replace(postcode, ' ', '') FROM '{addresses}'"""
    )
    columns = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = 'a'"
    ).fetchall()
    assert columns
    for table, column, data_type in columns:
        hits = con.execute(
            f'SELECT count(*) FROM (SELECT DISTINCT upper(CAST("{column}" AS VARCHAR)) AS v '
            f'FROM a."{table}") t JOIN needles USING (v)'
        ).fetchone()
        assert hits == (0,), (table, column)
        if data_type in ("DATE", "TIMESTAMP") and table in SOURCES:
            same = con.execute(
                f'SELECT count(*) FROM a."{table}" t JOIN c.identifiers i USING (token) '
                f'WHERE CAST(t."{column}" AS DATE) = i.dob'
            ).fetchone()
            assert same is not None and same[0] <= 0.001 * max(1, _rows(con, table)), (
                table,
                column,
            )


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f'SELECT count(*) FROM a."{table}"').fetchone()
    return int(row[0]) if row else 0
