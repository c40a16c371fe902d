"""Turn the simulation's logs into dated tables: residence spells, claims, episodes, incidents.

These are the world's timelines; the child services (:mod:`bakehouse.world.childhood`) query
them by date with SQL, and the extract writers read the event tables built here.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from bakehouse.world.simulate import Simulation
from bakehouse.world.state import NONE


def residence_spells(sim: Simulation) -> pa.Table:
    """One row per spell: a person living in a household at an address, [start, end)."""
    events = sim.log.arrays("residence")
    order = np.lexsort((np.arange(len(events["person"])), events["date"], events["person"]))
    person = events["person"][order]
    kind = events["kind"][order]
    date = events["date"][order]
    same_next = np.r_[person[1:] == person[:-1], False]
    end = np.where(same_next, np.r_[date[1:], date[:1]], np.datetime64("NaT"))
    keep = kind == 1
    # A spell that ends the day it starts (two events on one day) says nothing; drop it.
    keep &= ~(same_next & (end <= date))
    return pa.table(
        {
            "person_id": pa.array(person[keep], pa.int64()),
            "household_id": pa.array(events["household"][order][keep], pa.int64()),
            "address_id": pa.array(events["address"][order][keep], pa.int64()),
            "start": pa.array(date[keep], pa.date32()),
            "end": pa.array(end[keep], pa.date32(), from_pandas=True),
        }
    )


def _months_after(start: np.ndarray, months: np.ndarray) -> np.ndarray:
    return start + np.round(months * 30.44).astype("timedelta64[D]")


def claims(sim: Simulation) -> dict[str, np.ndarray]:
    """Benefit claims with their end dates (null while open)."""
    started = sim.log.arrays("claim_start")
    ended = sim.log.arrays("claim_end")
    end = np.full(len(started["claim"]), np.datetime64("NaT"), dtype="datetime64[D]")
    if ended:
        end[ended["claim"]] = ended["date"]  # claim ids are their row numbers
    return {**started, "end": end}


def mental_health(sim: Simulation) -> dict[str, np.ndarray]:
    episodes = sim.log.arrays("mh_episode")
    return {**episodes, "end": _months_after(episodes["start"], episodes["months"])}


def csc(sim: Simulation) -> dict[str, np.ndarray]:
    rows = sim.log.arrays("csc")
    opened = rows["outcome"] != "NFA"
    start = np.where(
        opened,
        rows["referral"] + sim.rng.integers(0, 21, len(opened)).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    )
    end = np.where(opened, _months_after(start, rows["months"]), np.datetime64("NaT"))
    return {**rows, "start": start, "end": end}


def housing(sim: Simulation) -> dict[str, np.ndarray]:
    rows = sim.log.arrays("housing")
    ta_start = np.where(
        rows["ta"],
        rows["approach"] + sim.rng.integers(0, 15, len(rows["ta"])).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    )
    ta_end = np.where(rows["ta"], _months_after(ta_start, rows["ta_months"]), np.datetime64("NaT"))
    return {**rows, "ta_start": ta_start, "ta_end": ta_end}


def capped(values: np.ndarray, as_at: np.datetime64) -> np.ndarray:
    """End dates after the as-at date are not known yet: null."""
    return np.where(values > as_at, np.datetime64("NaT"), values)


def ids_or_null(values: np.ndarray) -> pa.Array:
    return pa.array(values, pa.int64(), mask=values == NONE)
