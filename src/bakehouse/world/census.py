"""The world's own census: counts of its residents per LSOA in the long shape of an ONS table,
so a community round's respondents can be set beside the population they come from.

``census.csv`` has one row per LSOA, measure and group: ``lsoa,measure,group,count,source``.

- ``age_band``: residents aged 16 and over at the as-at date, in the bands a round asks about
  (``16-24``, ``25-34``, ``35-49``, ``50-64``, ``65+``).
- ``ethnic_group``: every resident, in the five high-level groups of the 2021 Census
  (``asian``, ``black``, ``mixed``, ``white``, ``other``), as Census table TS021 counts them.
- ``children_under_five``: households, ``yes`` when a child under five lives in it.

Every row's ``source`` says the table is synthetic: it describes the simulated residents, not
any real place's.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CENSUS_FILE = "census.csv"
COLUMNS = ("lsoa", "measure", "group", "count", "source")

# Lower bound of each age band, in years; the last band is open.
AGE_BANDS = {"16-24": 16, "25-34": 25, "35-49": 35, "50-64": 50, "65+": 65}
# The world's DfE major groups within the 2021 Census's high-level groups.
ETHNIC_GROUPS = {
    "WBRI": "white",
    "WOTH": "white",
    "MIXD": "mixed",
    "ASIA": "asian",
    "BLAC": "black",
    "OTHE": "other",
}
ETHNIC_ORDER = ("asian", "black", "mixed", "white", "other")


def _ages(dob: np.ndarray, on: date) -> np.ndarray:
    """Whole years of age at ``on``."""
    born = dob.astype("datetime64[D]").astype(object)
    return np.array(
        [on.year - d.year - ((on.month, on.day) < (d.month, d.day)) for d in born], dtype=int
    )


def census_rows(
    people: pa.Table, residence: pa.Table, addresses: pa.Table, as_at: date, seed: int
) -> list[tuple[str, str, str, int, str]]:
    """The rows of ``census.csv`` for the residents living in the world at ``as_at``."""
    on = pa.scalar(as_at, pa.date32())
    living = residence.filter(
        pc.and_(pc.less_equal(residence["start"], on), pc.is_null(residence["end"]))
    )
    lsoa_of = dict(
        zip(addresses["address_id"].to_pylist(), addresses["lsoa11cd"].to_pylist(), strict=True)
    )
    person_ids = living["person_id"].to_numpy()
    lsoa = np.array([lsoa_of[a] for a in living["address_id"].to_pylist()], dtype=object)
    household = living["household_id"].to_numpy()
    row_of = {pid: i for i, pid in enumerate(people["person_id"].to_pylist())}
    rows = np.array([row_of[pid] for pid in person_ids], dtype=int)
    ages = _ages(people["dob"].to_numpy()[rows], as_at)
    ethnicity = np.array(people["ethnicity"].to_pylist(), dtype=object)[rows]

    source = f"synthetic: bakehouse world seed {seed}, residents on {as_at.isoformat()}"
    found: list[tuple[str, str, str, int, str]] = []
    bounds = list(AGE_BANDS.values())
    band_of = np.searchsorted(bounds, ages, side="right") - 1
    with_young = set(household[ages < 5].tolist())
    for code in sorted(set(lsoa.tolist())):
        here = lsoa == code
        for index, band in enumerate(AGE_BANDS):
            found.append((code, "age_band", band, int(np.sum(here & (band_of == index))), source))
        groups = [ETHNIC_GROUPS[value] for value in ethnicity[here]]
        for group in ETHNIC_ORDER:
            found.append((code, "ethnic_group", group, groups.count(group), source))
        homes = set(household[here].tolist())
        young = len(homes & with_young)
        found.append((code, "children_under_five", "yes", young, source))
        found.append((code, "children_under_five", "no", len(homes) - young, source))
    return found


def write_census(
    people: pa.Table,
    residence: pa.Table,
    addresses: pa.Table,
    as_at: date,
    seed: int,
    folder: Path,
) -> Path:
    """``census.csv`` in ``folder``: the world's population per LSOA (see the module)."""
    path = folder / CENSUS_FILE
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(census_rows(people, residence, addresses, as_at, seed))
    return path


def read_census(path: Path) -> dict[tuple[str, str], dict[str, int]]:
    """``census.csv`` as counts by (LSOA, measure) and group."""
    found: dict[tuple[str, str], dict[str, int]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found.setdefault((row["lsoa"], row["measure"]), {})[row["group"]] = int(row["count"])
    return found
