"""Where each row's person lived, as the agency recorded it: the address at the event, or the
one before it when the agency had not caught up with a move, with the postcode as keyed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from bakehouse.world import noise
from bakehouse.world.extracts.people import column, ids
from bakehouse.world.noise import NoiseRates

# Residence lookups key a spell by person and start day in one int64: days fit in 2**20.
_DAY_BITS = 20
_DAY_OFFSET = 1 << (_DAY_BITS - 1)


@dataclass(frozen=True)
class Address:
    """Address parts per row; None where a row has no address."""

    address_id: np.ndarray  # int64, -1 for none
    house_number: np.ndarray  # text
    street: np.ndarray
    town: np.ndarray
    postcode: np.ndarray

    def take(self, index: np.ndarray) -> Address:
        return Address(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


class AddressBook:
    """The world's addresses and who lived where when."""

    def __init__(self, addresses: pa.Table, residence: pa.Table) -> None:
        order = np.argsort(ids(addresses, "address_id"), kind="stable")
        addresses = addresses.take(pa.array(order))
        self._ids = ids(addresses, "address_id")
        numbers = addresses.column("house_number").cast(pa.string())
        self._parts = {
            "house_number": _with_blank(numbers.to_numpy(zero_copy_only=False)),
            "street": _with_blank(column(addresses, "street")),
            "town": _with_blank(column(addresses, "town")),
            "postcode": _with_blank(column(addresses, "postcode")),
        }
        self._spell_keys, self._previous = _spells(residence)

    def parts(self, address_ids: np.ndarray) -> Address:
        """The parts of each address id (-1 for none)."""
        position = np.searchsorted(self._ids, address_ids)
        position = np.minimum(position, max(len(self._ids) - 1, 0))
        found = address_ids >= 0
        if len(self._ids):
            found &= self._ids[position] == address_ids
        position = np.where(found, position, len(self._ids))
        parts = {name: values[position] for name, values in self._parts.items()}
        return Address(address_id=np.where(found, address_ids, -1), **parts)

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


def _with_blank(values: np.ndarray) -> np.ndarray:
    return np.concatenate([values.astype(object), np.array([None], dtype=object)])


def _spell_key(person_ids: np.ndarray, days: np.ndarray) -> np.ndarray:
    day_numbers = np.where(np.isnat(days), 0, days.astype(np.int64)) + _DAY_OFFSET
    keys: np.ndarray = (person_ids.astype(np.int64) << _DAY_BITS) | day_numbers
    return keys


def _spells(residence: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Spell keys in order, and for each spell the person's last different earlier address."""
    person = ids(residence, "person_id")
    address = ids(residence, "address_id")
    keys = _spell_key(person, column(residence, "start").astype("datetime64[D]"))
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
    return Address(
        address_id=address.address_id,
        house_number=address.house_number,
        street=address.street,
        town=address.town,
        postcode=postcode,
    )
