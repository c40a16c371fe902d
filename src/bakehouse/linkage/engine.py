"""Where Splink runs: DuckDB on this machine (the default) or Spark (a setting).

Everything before and after Splink (standardising, addresses, households, pseudonymous ids) is SQL
on DuckDB over tables of a few hundred thousand rows; only the pairwise work (training, scoring,
clustering) grows with the data, and only it moves to Spark. The two meet through Arrow tables
(DuckDB) or Parquet files (Spark), so scaling out changes this module and nothing else.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from splink.internals.splink_dataframe import SplinkDataFrame

from bakehouse.errors import ConfigError
from bakehouse.linkage.config import Engine, memory_bytes

# Linkage holds two DuckDB connections at once: the pipeline's (standardising, households) and
# Splink's. Each would otherwise take DuckDB's default of 80% of the machine, so together they
# could ask for more than it has: twice the county ran out of memory that way.
CONNECTIONS = 2


def connection_memory(engine: Engine) -> str:
    """Each connection's share of linkage's memory limit, in DuckDB's terms."""
    if engine.memory_limit is not None:
        budget = memory_bytes(engine.memory_limit)
    else:
        budget = machine_memory() // 2
    return f"{max(budget // CONNECTIONS // 2**20, 1)}MiB"


@functools.cache
def machine_memory() -> int:
    """The memory this process may use, as DuckDB reads it: the machine's, or a container's
    limit when lower. DuckDB's default limit is 80% of it."""
    con = duckdb.connect()
    try:
        [(default,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    finally:
        con.close()
    return memory_bytes(str(default)) * 5 // 4


def configure(con: duckdb.DuckDBPyConnection, engine: Engine, scratch: Path) -> None:
    """Spill to the custodian's scratch folder (the tables hold identifiers; an in-memory
    database spills to ./.tmp unless told) and keep within the connection's share of memory."""
    con.execute("SET temp_directory = $dir", {"dir": str(scratch)})
    con.execute("SET memory_limit = $limit", {"limit": connection_memory(engine)})
    if engine.threads is not None:
        con.execute(f"SET threads = {int(engine.threads)}")


def check_backend(engine: Engine) -> None:
    """Refuse a backend that cannot run here, before any data is read."""
    if engine.backend == "spark" and importlib.util.find_spec("pyspark") is None:
        raise ConfigError(
            "The Spark backend needs pyspark, which is not installed",
            field="engine.backend",
            fix="Install pyspark (and Java) where linkage runs, or set engine.backend: duckdb",
        )


class Backend(Protocol):
    name: str

    def register(self, table: pa.Table, name: str) -> SplinkDataFrame: ...

    def to_arrow(self, frame: SplinkDataFrame) -> pa.Table: ...


class DuckDBBackend:
    name = "duckdb"

    def __init__(self, engine: Engine, scratch: Path) -> None:
        from splink import DuckDBAPI

        con = duckdb.connect()
        configure(con, engine, scratch / "duckdb")
        self.con = con
        self.db_api = DuckDBAPI(connection=con)

    def register(self, table: pa.Table, name: str) -> SplinkDataFrame:
        return self.db_api.register(table, table_name=name)

    def to_arrow(self, frame: SplinkDataFrame) -> pa.Table:
        result: pa.Table = frame.as_pyarrow_table()  # type: ignore[no-untyped-call]
        return result

    def close(self) -> None:
        self.con.close()


class SparkBackend:
    """Splink's Spark backend in the session given, or a local one. Tables go to Spark through
    Parquet files in a private scratch folder (the custodian's, as they carry identifiers)."""

    name = "spark"

    def __init__(self, engine: Engine, scratch: Path, session: Any | None = None) -> None:
        check_backend(engine)
        from pyspark.sql import SparkSession
        from splink.backends.spark import SparkAPI, similarity_jar_location

        # Splink's string similarity functions (Jaro-Winkler) are Scala UDFs in its own jar.
        self.owns_session = session is None
        self.session = session or (
            SparkSession.builder.master(engine.spark_master)
            .appName("bakehouse-linkage")
            .config("spark.jars", similarity_jar_location())
            # Bakehouse reports its own progress; Spark's bars would break up its display.
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        self.scratch = scratch
        # Splink breaks long Spark lineages with checkpoints; they hold identifiers, so they stay
        # in the custodian's scratch folder and go with it.
        self.session.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
        self.db_api = SparkAPI(spark_session=self.session)  # type: ignore[no-untyped-call]

    def register(self, table: pa.Table, name: str) -> SplinkDataFrame:
        path = self.scratch / f"{name}.parquet"
        pq.write_table(table, path)
        return self.db_api.register(self.session.read.parquet(str(path)), table_name=name)

    def to_arrow(self, frame: SplinkDataFrame) -> pa.Table:
        result: pa.Table = frame.as_pyarrow_table()  # type: ignore[no-untyped-call]
        return result

    def close(self) -> None:
        if self.owns_session:
            self.session.stop()


@contextlib.contextmanager
def open_backend(engine: Engine, scratch: Path) -> Iterator[Backend]:
    backend: DuckDBBackend | SparkBackend = (
        SparkBackend(engine, scratch)
        if engine.backend == "spark"
        else DuckDBBackend(engine, scratch)
    )
    try:
        yield backend
    finally:
        backend.close()
