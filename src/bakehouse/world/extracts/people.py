"""Who is on each row, as the agency recorded them: the truth about a person, then the errors
the agency's system put into it (nickname, typos, swapped date of birth, missing NHS number).

An agency that keeps one record per person (a case management system, a school roll) makes an
error once and repeats it on every row of that person; an agency that keys each event afresh
(a nursery's termly return, a police incident) makes a fresh error each time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa

from bakehouse.world import noise
from bakehouse.world.extracts.lookup import IdIndex, ids
from bakehouse.world.noise import NoiseRates

_TEXT = ("forename", "surname", "sex", "ethnicity", "first_language", "nhs_number", "upn", "nino")


@dataclass(frozen=True)
class Identity:
    """The people on a set of rows; every field is null (NaT) on a row without a person.

    The fields an agency can get wrong are held; the others are looked up when a source asks
    for them, so that a source pays only for the columns it writes.
    """

    person_id: np.ndarray  # int64, -1 where the row has no such person
    dob: np.ndarray  # datetime64[D]
    forename: pa.Array
    surname: pa.Array
    nhs_number: pa.Array
    positions: pa.Array  # each row's position in the people table (null for none)
    people: Mapping[str, pa.Array]

    @property
    def sex(self) -> pa.Array:  # "F" / "M"
        return self.people["sex"].take(self.positions)

    @property
    def ethnicity(self) -> pa.Array:
        return self.people["ethnicity"].take(self.positions)

    @property
    def first_language(self) -> pa.Array:
        return self.people["first_language"].take(self.positions)

    @property
    def upn(self) -> pa.Array:
        return self.people["upn"].take(self.positions)

    @property
    def nino(self) -> pa.Array:
        return self.people["nino"].take(self.positions)

    def take(self, index: np.ndarray) -> Identity:
        rows = pa.array(index)
        return replace(
            self,
            person_id=self.person_id[index],
            dob=self.dob[index],
            forename=self.forename.take(rows),
            surname=self.surname.take(rows),
            nhs_number=self.nhs_number.take(rows),
            positions=self.positions.take(rows),
        )


class PeopleIndex:
    """The world's people, looked up by person id."""

    def __init__(self, people: pa.Table) -> None:
        self._index = IdIndex(ids(people, "person_id"))
        self._text = {name: people.column(name).combine_chunks() for name in _TEXT}
        dob = people.column("dob").to_numpy(zero_copy_only=False).astype("datetime64[D]")
        # One extra NaT at the end stands for "no person" in date lookups.
        self._dob = np.concatenate([dob, np.array(["NaT"], dtype="datetime64[D]")])

    def lookup(self, person_ids: np.ndarray) -> Identity:
        """The true identity of each person id (-1 for none)."""
        position = self._index.positions(person_ids)
        found = position.is_valid().to_numpy(zero_copy_only=False)
        dob_at = position.fill_null(len(self._dob) - 1).to_numpy()
        return Identity(
            person_id=np.where(found, person_ids, -1),
            dob=self._dob[dob_at],
            forename=self._text["forename"].take(position),
            surname=self._text["surname"].take(position),
            nhs_number=self._text["nhs_number"].take(position),
            positions=position,
            people=self._text,
        )


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
    _, first, inverse = np.unique(true.person_id, return_index=True, return_inverse=True)
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
