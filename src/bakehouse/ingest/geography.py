"""The postcode to LSOA lookup used to give the analysis zone an area instead of an address."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from bakehouse.errors import GeographyError


def load_lookup(override: Path | None = None) -> pa.Table:
    """Postcode (``SS14 1AA`` form) and ``lsoa11cd``: from a file the partnership gives (Parquet
    or CSV with those two columns), else every Essex postcode from ``bakehouse.geography``."""
    if override is not None:
        if override.is_dir():
            raise GeographyError(
                "The postcode lookup is a folder", file=override, fix="Give --postcodes a file"
            )
        if not override.is_file():
            raise GeographyError("No postcode lookup file", file=override)
        parquet = override.suffix == ".parquet"
        try:
            table = pq.read_table(override) if parquet else pacsv.read_csv(override)
        except (pa.ArrowException, OSError) as error:
            raise GeographyError(
                f"The postcode lookup cannot be read as {'Parquet' if parquet else 'CSV'}",
                file=override,
                fix="It needs columns postcode and lsoa11cd",
            ) from error
    else:
        from bakehouse.geography import load_postcodes

        table = load_postcodes()
    missing = {"postcode", "lsoa11cd"} - set(table.column_names)
    if missing:
        raise GeographyError(
            f"The postcode lookup lacks column(s) {', '.join(sorted(missing))}",
            file=override,
            fix="It needs `postcode` and `lsoa11cd`",
        )
    return table.select(["postcode", "lsoa11cd"]).cast(
        pa.schema([("postcode", pa.string()), ("lsoa11cd", pa.string())])
    )


def lookup_fingerprint(table: pa.Table) -> str:
    con = duckdb.connect()
    con.register("lookup", table)
    row = con.execute(
        "SELECT md5(coalesce(string_agg(postcode || ',' || lsoa11cd, ';' ORDER BY postcode, "
        "lsoa11cd), '')) FROM lookup"
    ).fetchone()
    con.close()
    return str(row[0]) if row else ""
