"""The plain deterministic baseline Splink is judged against: two records are the same person when
they share an NHS number, a UPN, a NINO, or the exact standardised forename, surname and date of
birth (the settings' deterministic rules); persons are the connected components.

It runs on the same prepared identities as the model (``lk_link_input``), so the two differ only
in how pairs are decided.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from bakehouse.linkage.config import LinkageSettings
from bakehouse.linkage.model import COLUMN_OF


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected components of ``n`` nodes (0..n-1) by minimum-label propagation."""
    label = np.arange(n, dtype=np.int64)
    while True:
        before = label.copy()
        low = np.minimum(label[left], label[right])
        np.minimum.at(label, left, low)
        np.minimum.at(label, right, low)
        label = label[label]  # jump to the label's own label
        if np.array_equal(label, before):
            return label


def deterministic_persons(con: duckdb.DuckDBPyConnection, settings: LinkageSettings) -> pa.Table:
    """(unique_id, cluster) for every identity in ``lk_link_input``."""
    pairs = []
    for rule in settings.persons.training.deterministic_rules:
        columns = [COLUMN_OF[name] for name in rule]
        on = " AND ".join(f"l.{c} = r.{c}" for c in columns)
        pairs.append(
            f"SELECT l.unique_id AS a, r.unique_id AS b FROM lk_link_input l "  # noqa: S608
            f"JOIN lk_link_input r ON {on} AND l.unique_id < r.unique_id"
        )
    edges = con.sql(" UNION ".join(pairs)).to_arrow_table()
    ids = con.sql("SELECT unique_id FROM lk_link_input ORDER BY unique_id").to_arrow_table()
    unique = ids.column("unique_id").to_numpy()
    # Unique ids are dense ranks 1..n (see standardise.prepare), so id - 1 is a position.
    left = edges.column("a").to_numpy().astype(np.int64) - 1
    right = edges.column("b").to_numpy().astype(np.int64) - 1
    label = _components(len(unique), left, right)
    return pa.table({"unique_id": unique, "cluster": label + 1})
