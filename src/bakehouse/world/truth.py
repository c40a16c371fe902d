"""What readers of a world's truth may rely on in its records table (``truth/records.parquet``,
written by :mod:`bakehouse.world.extracts.write`): each person on each extract row, by the source,
file and row number the custodian zone records for that row."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from bakehouse.errors import ConfigError

RECORD_KEYS = frozenset({"source", "file", "row_number", "person_role"})


def check_records(truth: Path) -> None:
    """Refuse a truth whose records table cannot be joined to the custodian zone's records."""
    if RECORD_KEYS - set(pq.read_schema(truth / "records.parquet").names):
        raise ConfigError(
            "The truth's records table does not name each row's file and person: the world was "
            "written by an older version of Bakehouse",
            file=truth / "records.parquet",
            fix="Build the world again with `bakehouse world` (or `make world`)",
        )
