"""Where each row's person lived, as the agency recorded it: the address at the event, or the
one before it when the agency had not caught up with a move, with the postcode as keyed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa

from bakehouse.world import noise
from bakehouse.world.extracts.lookup import IdIndex, ids
from bakehouse.world.noise import NoiseRates

# Residence lookups key a spell by person and start day in one int64: days fit in 2**20.
_DAY_BITS = 20
_DAY_OFFSET = 1 << (_DAY_BITS - 1)


_PARTS = ("house_number", "street", "town", "postcode")


@dataclass(frozen=True)
class Address:
    """Address parts per row; null where a row has no address."""

    address_id: np.ndarray  # int64, -1 for none
    house_number: pa.Array  # text
    street: pa.Array
    town: pa.Array
    postcode: pa.Array


class AddressBook:
    """The world's addresses and who lived where when."""

    def __init__(self, addresses: pa.Table, residence: pa.Table) -> None:
        self._index = IdIndex(ids(addresses, "address_id"))
        self._parts = {
            name: addresses.column(name).combine_chunks().cast(pa.string()) for name in _PARTS
        }
        self._spell_keys, self._previous = _spells(residence)

    def parts(self, address_ids: np.ndarray) -> Address:
        """The parts of each address id (-1 for none)."""
        position = self._index.positions(address_ids)
        found = position.is_valid().to_numpy(zero_copy_only=False)
        return Address(
            address_id=np.where(found, address_ids, -1),
            **{name: values.take(position) for name, values in self._parts.items()},
        )

    def previous(self, person_ids: np.ndarray, dates: np.ndarray) -> np.ndarray:
        """The address each person lived at before the one they lived at on the date (-1 if
        none is known: not yet moved, or not living in the area then)."""
        if not len(self._spell_keys):
            return np.full(len(person_ids), -1, dtype=np.int64)
        query = _spell_key(person_ids, np.asarray(dates, dtype="datetime64[D]"))
        spell = np.searchsorted(self._spell_keys, query, side="right") - 1
        spell_person = self._spell_keys[np.maximum(spell, 0)] >> _DAY_BITS
        known = (spell >= 0) & (spell_person == person_ids) & ~np.isnat(dates)
        previous: np.ndarray = np.where(known, self._previous[np.maximum(spell, 0)], -1)
        return previous


def _spell_key(person_ids: np.ndarray, days: np.ndarray) -> np.ndarray:
    day_numbers = np.where(np.isnat(days), 0, days.astype(np.int64)) + _DAY_OFFSET
    keys: np.ndarray = (person_ids.astype(np.int64) << _DAY_BITS) | day_numbers
    return keys


def _spells(residence: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Spell keys in order, and for each spell the person's last different earlier address."""
    person = ids(residence, "person_id")
    address = ids(residence, "address_id")
    start = residence.column("start").to_numpy(zero_copy_only=False).astype("datetime64[D]")
    keys = _spell_key(person, start)
    order = np.argsort(keys, kind="stable")
    keys, person, address = keys[order], person[order], address[order]
    # A run is consecutive spells of one person at one address (a household change without a
    # move starts a new spell but not a new run). A run's previous address is the last run's.
    new_run = np.ones(len(keys), dtype=bool)
    new_run[1:] = (person[1:] != person[:-1]) | (address[1:] != address[:-1])
    run = np.cumsum(new_run) - 1
    run_start = np.flatnonzero(new_run)
    run_person = person[run_start]
    run_address = address[run_start]
    run_previous = np.full(len(run_start), -1, dtype=np.int64)
    same_person = run_person[1:] == run_person[:-1]
    run_previous[1:] = np.where(same_person, run_address[:-1], -1)
    return keys, run_previous[run]


def recorded_address(
    book: AddressBook,
    address_ids: np.ndarray,
    person_ids: np.ndarray,
    dates: np.ndarray,
    rng: np.random.Generator,
    rates: NoiseRates,
    *,
    stale: bool = True,
) -> Address:
    """The address each row carries: sometimes the person's previous one (``stale``), with
    postcode errors. Stale denominator: rows whose person had moved before the event."""
    previous = book.previous(person_ids, dates) if stale else np.full(len(person_ids), -1)
    moved = (previous >= 0) & (previous != address_ids)
    use_previous = noise.pick(rng, moved, rates.stale_address)
    address = book.parts(np.where(use_previous, previous, address_ids))
    postcode, _ = noise.postcode_errors(rng, address.postcode, rates.postcode_error)
    return replace(address, postcode=postcode)
