"""Taking a person's records out of a staged copy of the two zones, leaving no trace in the bytes.

A record leaves the custodian zone (register, identifiers, quarantine, clerical review samples),
its source's analysis table, the linkage tables and the linkage run's scored pairs kept for
review; a household episode goes with the last link of its person, and review samples exported
side by side (they show identifiers) are deleted. DuckDB
keeps deleted values in free blocks of the file, so each changed file is then rewritten into a
fresh one holding only the live rows.

Model runs and the area tables built from them were fitted on the person's records, and their
person-level files (``predictions.parquet``) carry no id that would single out the person's
row: they are deleted whole.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bakehouse.custody.workspace import (
    ANALYSIS,
    AREAS,
    CUSTODIAN,
    LATEST,
    MODELS,
    REVIEW,
    REVIEW_PAIRS,
)
from bakehouse.custody.zones import source_table

_CUSTODIAN_TABLES = ("records", "identifiers", "quarantine_identifiers", "quarantine")


def withhold(folder: Path, tokens_by_source: dict[str, list[str]], column: str) -> dict[str, int]:
    """Delete records from both zones of a staged copy and move their count to ``column``;
    returns how many linkage rows, household episodes and review pairs went with them."""
    assert column in ("withheld_erasure", "withheld_optout")
    con = duckdb.connect(str(folder / CUSTODIAN))
    try:
        analysis = str(folder / ANALYSIS).replace("'", "''")
        con.execute(f"ATTACH '{analysis}' AS analysis")
        for source, tokens in tokens_by_source.items():
            _withhold_source(con, source, tokens, column)
        every = [t for tokens in tokens_by_source.values() for t in tokens]
        linkage = _unlink(con, every)
        linkage["review_pairs"] = _unreview(con, every)
        con.execute("DETACH analysis")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return linkage


def _withhold_source(
    con: duckdb.DuckDBPyConnection, source: str, tokens: list[str], column: str
) -> None:
    args = [tokens]
    statuses = dict(
        con.execute(
            "SELECT file || chr(31) || status, count(*) FROM records "
            "WHERE token IN (SELECT unnest(?)) GROUP BY ALL",
            args,
        ).fetchall()
    )
    for table in _CUSTODIAN_TABLES:
        con.execute(f"DELETE FROM {table} WHERE token IN (SELECT unnest(?))", args)  # noqa: S608
    con.execute(
        f"DELETE FROM analysis.main.{source_table(source)} "  # noqa: S608
        "WHERE token IN (SELECT unnest(?))",
        args,
    )
    for label, count in statuses.items():
        file, status = str(label).split(chr(31))
        was = "accepted" if status == "accepted" else "quarantined"
        for schema in ("main", "analysis.main"):
            con.execute(
                f"UPDATE {schema}.reconciliation SET {was} = {was} - ?, "  # noqa: S608
                f"{column} = {column} + ? WHERE source = ? AND file = ?",
                [count, count, source, file],
            )


def _unlink(con: duckdb.DuckDBPyConnection, tokens: list[str]) -> dict[str, int]:
    tables = {
        str(row[0])
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'analysis'"
        ).fetchall()
    }
    if "person_links" not in tables:
        return {"person_links": 0, "household_episodes": 0}
    links = con.execute(
        "DELETE FROM analysis.main.person_links WHERE token IN (SELECT unnest(?))", [tokens]
    ).fetchone()
    episodes = con.execute(
        "DELETE FROM analysis.main.household_episodes WHERE person_id NOT IN "
        "(SELECT DISTINCT person_id FROM analysis.main.person_links)"
    ).fetchone()
    return {
        "person_links": int(links[0]) if links else 0,
        "household_episodes": int(episodes[0]) if episodes else 0,
    }


def _unreview(con: duckdb.DuckDBPyConnection, tokens: list[str]) -> int:
    """Drop the person's pairs from a clerical review sample in the custodian zone."""
    tables = {
        str(row[0]) for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    }
    if "review_pairs" not in tables:
        return 0
    deleted = con.execute(
        "DELETE FROM review_pairs WHERE token_a IN (SELECT unnest($t)) "
        "OR token_b IN (SELECT unnest($t))",
        {"t": tokens},
    ).fetchone()
    return int(deleted[0]) if deleted else 0


def review_files(workspace: Path, target: Path, tokens: list[str]) -> int:
    """Stage the linkage run's scored pairs without the person's (at ``target``), and delete the
    review samples exported side by side: they show identifiers, and the custodian can export
    the sample again. Returns the exports deleted."""
    pairs = workspace / REVIEW_PAIRS
    if pairs.is_file():
        table = pq.read_table(pairs)
        gone = pc.or_(
            pc.is_in(table.column("token_a"), value_set=pa.array(tokens, pa.string())),
            pc.is_in(table.column("token_b"), value_set=pa.array(tokens, pa.string())),
        )
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        pq.write_table(table.filter(pc.invert(gone)), target)
        target.chmod(0o600)
    exports = sorted((workspace / REVIEW).glob("*.csv"))
    for export in exports:
        export.unlink()
    return len(exports)


def compact(path: Path) -> None:
    """Rewrite a DuckDB file into a fresh one beside it and put it in its place: only live rows
    are copied, so nothing deleted can be read back from free blocks."""
    fresh = path.with_name(f"{path.name}.fresh")
    fresh.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS old (READ_ONLY)", [str(path)])
        con.execute("ATTACH ? AS fresh", [str(fresh)])
        con.execute("COPY FROM DATABASE old TO fresh")
        con.execute("DETACH old")
        con.execute("DETACH fresh")
    finally:
        con.close()
    fresh.chmod(path.stat().st_mode & 0o777)
    fresh.replace(path)
    path.with_name(f"{path.name}.wal").unlink(missing_ok=True)


def model_runs(workspace: Path) -> list[str]:
    """Every model run folder of the workspace, as ``<recipe id>/<run id (16 hex)>``."""
    models = workspace / MODELS
    if not models.is_dir():
        return []
    return sorted(
        f"{recipe.name}/{run.name}"
        for recipe in models.iterdir()
        if recipe.is_dir()
        for run in recipe.iterdir()
        if run.is_dir()
    )


def purge_model_runs(workspace: Path) -> list[str]:
    """Delete every model run, the pointers to them and the area tables built from them;
    returns the runs purged."""
    runs = model_runs(workspace)
    for run in runs:
        shutil.rmtree(workspace / MODELS / run)
        shutil.rmtree(workspace / AREAS / run, ignore_errors=True)
    for pointer in (workspace / MODELS).glob(f"*/{LATEST}"):
        pointer.unlink()
    return runs
