"""Finding rows of a truth table by id, for millions of ids at once."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

# Ids are looked up through a dense position table when they are compact enough (the world's ids
# count up from zero); otherwise by binary search.
_DENSE_SLACK = 4


def ids(table: pa.Table, name: str) -> np.ndarray:
    """An id column as int64 with -1 for null."""
    values: np.ndarray = table.column(name).fill_null(-1).to_numpy().astype(np.int64)
    return values


class IdIndex:
    """Where each id sits in a table's rows."""

    def __init__(self, keys: np.ndarray) -> None:
        self._n = len(keys)
        top = int(keys.max()) if self._n else -1
        self._dense: np.ndarray | None = None
        if 0 <= top < _DENSE_SLACK * self._n + 1024 and (keys >= 0).all():
            self._dense = np.full(top + 1, -1, dtype=np.int64)
            # Reversed so that the first row holding an id wins, as in a sorted search.
            self._dense[keys[::-1]] = np.arange(self._n)[::-1]
        else:
            self._order = np.argsort(keys, kind="stable")
            self._sorted = keys[self._order]

    def positions(self, wanted: np.ndarray) -> pa.Array:
        """Row positions of ``wanted`` ids; null where an id is -1 or not in the table."""
        if self._n == 0:
            return pa.nulls(len(wanted), pa.int64())
        if self._dense is not None:
            inside = (wanted >= 0) & (wanted < len(self._dense))
            position = np.where(inside, self._dense[np.where(inside, wanted, 0)], -1)
        else:
            at = np.minimum(np.searchsorted(self._sorted, wanted), self._n - 1)
            position = np.where(self._sorted[at] == wanted, self._order[at], -1)
        position[wanted < 0] = -1
        return pa.array(position, pa.int64(), mask=position < 0)
