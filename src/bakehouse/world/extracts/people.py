"""Who is on each row, as the agency recorded them: the truth about a person, then the errors
the agency's system put into it (nickname, typos, swapped date of birth, missing NHS number).

An agency that keeps one record per person (a case management system, a school roll) makes an
error once and repeats it on every row of that person; an agency that keys each event afresh
(a nursery's termly return, a police incident) makes a fresh error each time.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pyarrow as pa

from bakehouse.world import noise
from bakehouse.world.noise import NoiseRates


def column(table: pa.Table, name: str) -> np.ndarray:
    """A column as numpy: object arrays with None for text, datetime64 with NaT for dates."""
    values: np.ndarray = table.column(name).to_numpy(zero_copy_only=False)
    return values


def ids(table: pa.Table, name: str) -> np.ndarray:
    """An id column as int64 with -1 for null."""
    values: np.ndarray = table.column(name).fill_null(-1).to_numpy().astype(np.int64)
    return values


@dataclass(frozen=True)
class Identity:
    """The people on a set of rows; every field is None (or NaT) on a row without a person."""

    person_id: np.ndarray  # int64, -1 where the row has no such person
    forename: np.ndarray
    surname: np.ndarray
    dob: np.ndarray  # datetime64[D]
    sex: np.ndarray  # "F" / "M"
    ethnicity: np.ndarray
    first_language: np.ndarray
    nhs_number: np.ndarray
    upn: np.ndarray
    nino: np.ndarray

    def take(self, index: np.ndarray) -> Identity:
        return Identity(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


class PeopleIndex:
    """The world's people, looked up by person id."""

    def __init__(self, people: pa.Table) -> None:
        order = np.argsort(ids(people, "person_id"), kind="stable")
        people = people.take(pa.array(order))
        self._ids = ids(people, "person_id")
        # One extra row at the end stands for "no person": every lookup of a missing id lands there.
        self._columns = {
            name: _with_blank(column(people, name))
            for name in (
                "forename",
                "surname",
                "dob",
                "sex",
                "ethnicity",
                "first_language",
                "nhs_number",
                "upn",
                "nino",
            )
        }

    def lookup(self, person_ids: np.ndarray) -> Identity:
        """The true identity of each person id (-1 for none)."""
        position = np.searchsorted(self._ids, person_ids)
        position = np.minimum(position, len(self._ids) - 1) if len(self._ids) else position
        found = (person_ids >= 0) & (len(self._ids) > 0)
        if len(self._ids):
            found &= self._ids[position] == person_ids
        position = np.where(found, position, len(self._ids))
        looked_up = {name: values[position] for name, values in self._columns.items()}
        return Identity(person_id=np.where(found, person_ids, -1), **looked_up)


def _with_blank(values: np.ndarray) -> np.ndarray:
    blank = np.array([np.datetime64("NaT")] if values.dtype.kind == "M" else [None])
    return np.concatenate([values, blank.astype(values.dtype)])


def recorded_identity(
    true: Identity,
    rng: np.random.Generator,
    rates: NoiseRates,
    *,
    per_person: bool,
    nicknames: bool = True,
) -> Identity:
    """``true`` with the agency's identity errors, per person or per row."""
    if not per_person:
        return _with_errors(true, rng, rates, nicknames)
    people, first, inverse = np.unique(true.person_id, return_index=True, return_inverse=True)
    del people
    return _with_errors(true.take(first), rng, rates, nicknames).take(inverse)


def _with_errors(
    true: Identity, rng: np.random.Generator, rates: NoiseRates, nicknames: bool
) -> Identity:
    forename = true.forename
    if nicknames:
        forename, _ = noise.nicknames(rng, forename, rates.nickname)
    forename, _ = noise.name_typos(rng, forename, rates.name_typo)
    surname, _ = noise.name_typos(rng, true.surname, rates.name_typo)
    dob, _ = noise.swap_day_month(rng, true.dob, rates.day_month_swap)
    nhs_number, _ = noise.blanks(rng, true.nhs_number, rates.nhs_missing)
    return replace(true, forename=forename, surname=surname, dob=dob, nhs_number=nhs_number)
