"""The simulation's mutable state: people, households and the logs the monthly steps append to.

Arrays grow by doubling so that births, arrivals and new households stay vectorised.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

ETHNICITIES = np.array(["WBRI", "WOTH", "MIXD", "ASIA", "BLAC", "OTHE"])
TENURES = np.array(["owner", "social_rent", "private_rent"])
OWNER, SOCIAL, PRIVATE = 0, 1, 2
NONE = -1


class Columns:
    """A set of equal-length numpy columns with amortised appends."""

    def __init__(self, spec: dict[str, tuple[Any, Any]], capacity: int = 1024) -> None:
        self._spec = spec
        self.n = 0
        self._data = {
            name: np.full(capacity, fill, dtype=dtype) for name, (dtype, fill) in spec.items()
        }

    def __getattr__(self, name: str) -> np.ndarray:
        data = self.__dict__.get("_data")
        if data is None or name not in data:
            raise AttributeError(name)
        return data[name][: self.n]

    def add(self, count: int, **values: Any) -> np.ndarray:
        """Append ``count`` rows (values broadcast); return their indices."""
        self._reserve(self.n + count)
        index = np.arange(self.n, self.n + count)
        self.n += count
        for name, value in values.items():
            self._data[name][index] = value
        return index

    def _reserve(self, size: int) -> None:
        capacity = len(next(iter(self._data.values())))
        if size <= capacity:
            return
        new_capacity = max(size, capacity * 2)
        for name, (dtype, fill) in self._spec.items():
            grown = np.full(new_capacity, fill, dtype=dtype)
            grown[:capacity] = self._data[name]
            self._data[name] = grown


def new_people(capacity: int) -> Columns:
    return Columns(
        {
            "sex": (np.int8, 0),  # 0 female, 1 male
            "dob": ("datetime64[D]", np.datetime64("NaT")),
            "ethnicity": (np.int8, 0),
            "other_language": (np.bool_, False),
            "mother": (np.int64, NONE),
            "partner": (np.int64, NONE),  # the partner whose surname may be taken
            "household": (np.int64, NONE),  # current household, NONE when out of the area
            "born_in_world": (np.bool_, False),
            "csc_open_until": (np.int32, -1),  # month index an open social care episode ends
        },
        capacity,
    )


def new_households(capacity: int) -> Columns:
    return Columns(
        {
            "lsoa": (np.int32, NONE),
            "address": (np.int64, NONE),
            "tenure": (np.int8, OWNER),
            "disadvantage": (np.float64, 0.0),
            "active": (np.bool_, False),
            "adult1": (np.int64, NONE),
            "adult2": (np.int64, NONE),
            "ex_partner": (np.int64, NONE),
            "children": (np.int16, 0),  # children under 18 living here
            "last_birth": (np.int32, -100),  # month index
            "claim": (np.int64, NONE),  # open benefit claim id
            "last_da": (np.int32, -100),
            "da_count": (np.int16, 0),
            "mh_until": (np.int32, -1),
            "ta_until": (np.int32, -1),
            "last_approach": (np.int32, -100),  # month index of the last homelessness approach
        },
        capacity,
    )


@dataclass
class EventLog:
    """Column-wise event buffers, one per event table, filled month by month."""

    _chunks: dict[str, list[dict[str, np.ndarray]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def add(self, table: str, **columns: np.ndarray) -> None:
        lengths = {len(np.atleast_1d(c)) for c in columns.values()}
        if lengths == {0}:
            return
        self._chunks[table].append({k: np.atleast_1d(v) for k, v in columns.items()})

    def arrays(self, table: str) -> dict[str, np.ndarray]:
        chunks = self._chunks.get(table, [])
        if not chunks:
            return {}
        return {name: np.concatenate([c[name] for c in chunks]) for name in chunks[0]}

    def table(self, table: str, schema: pa.Schema) -> pa.Table:
        arrays = self.arrays(table)
        if not arrays:
            return schema.empty_table()
        columns = {}
        for f in schema:
            values = arrays[f.name]
            # NONE marks a missing id or count; NaT a missing date.
            mask = values == NONE if values.dtype.kind == "i" else None
            columns[f.name] = pa.array(values, type=f.type, mask=mask, from_pandas=True)
        return pa.table(columns, schema=schema)
