"""The tables of the two zones. Fixed internal names only; per-source analysis tables are named by
source ids that the specification has already checked (``[a-z][a-z0-9_]*``).

Custodian zone (``custodian.duckdb``, the custodian only):

- ``records``: every accepted or quarantined row: token, source, file, row_number, status.
- ``identifiers``: one row per person named in an accepted record, standardised for linkage
  (see :data:`bakehouse.custody.identifiers.IDENTIFIER_COLUMNS`), with the raw values received.
- ``quarantine``: quarantined rows with their reasons and the row as received.
- ``quarantine_identifiers``: the same identifier layout for quarantined rows (for subject access
  and erasure; linkage does not read it).
- ``reconciliation``: per file, rows in = accepted + quarantined + withheld (opt-out, erasure).
- ``sources``: per source, the agreement applied and its terms.
- ``runs``: what the zones were built from.

Analysis zone (``analysis.duckdb``, analysts): one table per source (``token``, pseudonymous ids,
attributes, month and year of birth where released, ``lsoa11cd``), plus ``sources``,
``reconciliation`` and ``runs`` (counts and terms only).
"""

from __future__ import annotations

import re

import duckdb

from bakehouse.custody.identifiers import identifier_table_ddl
from bakehouse.errors import CustodyError

_SOURCE_TABLE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

REASON_TYPE = "STRUCT(code VARCHAR, field VARCHAR, detail VARCHAR)[]"

_CUSTODIAN_DDL = [
    """CREATE TABLE IF NOT EXISTS records (token VARCHAR, source VARCHAR, file VARCHAR,
        row_number BIGINT, status VARCHAR)""",
    identifier_table_ddl("identifiers"),
    identifier_table_ddl("quarantine_identifiers"),
    f"""CREATE TABLE IF NOT EXISTS quarantine (token VARCHAR, source VARCHAR, file VARCHAR,
        row_number BIGINT, reasons {REASON_TYPE}, record JSON, raw_line VARCHAR)""",
]

_SHARED_DDL = [
    """CREATE TABLE IF NOT EXISTS {schema}.reconciliation (source VARCHAR, file VARCHAR,
        sha256 VARCHAR, rows_in BIGINT, accepted BIGINT, quarantined BIGINT,
        withheld_optout BIGINT, withheld_erasure BIGINT)""",
    """CREATE TABLE IF NOT EXISTS {schema}.sources (source VARCHAR, title VARCHAR,
        supplier VARCHAR, agreement_id VARCHAR, agreement_version VARCHAR, purposes VARCHAR[],
        review_date DATE, retention_months INTEGER, erasure_allowed BOOLEAN,
        disclosure_threshold INTEGER, disclosure_rounding INTEGER)""",
    """CREATE TABLE IF NOT EXISTS {schema}.runs (run_id VARCHAR, fingerprint VARCHAR,
        purpose VARCHAR, key_id VARCHAR, code_version VARCHAR, built_at TIMESTAMP)""",
]


def create_custodian_tables(con: duckdb.DuckDBPyConnection) -> None:
    for statement in _CUSTODIAN_DDL:
        con.execute(statement)
    for statement in _SHARED_DDL:
        con.execute(statement.format(schema="main"))


def create_analysis_tables(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    for statement in _SHARED_DDL:
        con.execute(statement.format(schema=schema))


def source_table(source: str) -> str:
    """The quoted name of a source's analysis table, after checking the id's shape."""
    if not _SOURCE_TABLE.match(source):
        raise CustodyError(f"'{source}' is not a valid source id", field="source")
    return f'"{source}"'
