"""The steps every agency extract goes through, and the base a source module declares itself on.

A source module says which event table it reads, how its file is written and how each column is
rendered (``Source.render``). The base does the rest the same way every time: identity and
address errors while rendering (through ``Rows``), then invalid values, duplicate rows, the order
the agency's system lists rows in, and the truth of who each written row is about.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bakehouse.world import noise
from bakehouse.world.extracts import text
from bakehouse.world.extracts.files import FileFormat
from bakehouse.world.extracts.lookup import ids
from bakehouse.world.extracts.people import Identity, PeopleIndex, recorded_identity
from bakehouse.world.extracts.places import Address, AddressBook, recorded_address
from bakehouse.world.extracts.xlsx import CellKind
from bakehouse.world.noise import NoiseRates
from bakehouse.world.tables import SimulatedWorld


@dataclass(frozen=True)
class Context:
    """What every source reads: the world, its people and places, and the error rates."""

    world: SimulatedWorld
    people: PeopleIndex
    places: AddressBook
    rates: NoiseRates


@dataclass(frozen=True)
class Rendered:
    """A source's rows as text, with who each row is about and the date it is listed by."""

    columns: dict[str, pa.Array]
    person_id: np.ndarray
    household_id: np.ndarray
    event_date: np.ndarray  # datetime64[D]
    # A second person named on the same row (a benefit claimant's partner, a joint liable
    # person), NONE where absent; ``Source.roles`` names both.
    second_id: np.ndarray | None = None


@dataclass(frozen=True)
class Written:
    """The rows as they go into the file, in file order, and who each is about."""

    table: pa.Table
    person_id: np.ndarray
    household_id: np.ndarray
    second_id: np.ndarray | None = None


class Source(ABC):
    """One agency's extract. Subclasses declare the class attributes and ``render``."""

    name: ClassVar[str]  # the source id used in the truth's records table
    table: ClassVar[str]  # the SimulatedWorld event table it reads
    file: ClassVar[FileFormat]
    columns: ClassVar[tuple[str, ...]]  # exactly as docs/world.md lists them
    date_columns: ClassVar[tuple[str, ...]]
    number_columns: ClassVar[tuple[str, ...]] = ()
    required: ClassVar[tuple[str, ...]]  # columns an invalid row may leave blank
    rekeyed: ClassVar[tuple[str, ...]]  # text columns a re-keyed duplicate may differ in
    keeps_person_record: ClassVar[bool]  # identity errors repeat on every row of a person
    # NHS number, UPN or NINO columns: left out of a world written without national identifiers.
    national_columns: ClassVar[tuple[str, ...]] = ()
    uses_nicknames: ClassVar[bool] = True
    # The truth's person_role of the row's person and, where a row names two, of the second.
    roles: ClassVar[tuple[str, ...]] = ("subject",)
    order: ClassVar[Literal["event", "shuffle"]] = "event"

    @abstractmethod
    def render(self, rows: Rows) -> Rendered:
        """Every column of the file, one value per event row, before row-level errors."""

    def kinds(self) -> dict[str, CellKind]:
        """What each column holds, for a spreadsheet's cell types."""

        def kind(name: str) -> CellKind:
            if name in self.date_columns:
                return "date"
            return "number" if name in self.number_columns else "text"

        return {name: kind(name) for name in self.columns}


class Rows:
    """A source's event rows, with the tools its ``render`` uses. Each tool draws its errors
    from the source's own random stream, in the order ``render`` calls them."""

    def __init__(self, source: Source, context: Context, rng: np.random.Generator) -> None:
        self.source = source
        self.table: pa.Table = getattr(context.world, source.table)
        self.context = context
        self.rng = rng

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def column(self, name: str) -> pa.Array:
        """An event column as Arrow (for values written as they are)."""
        values: pa.Array = self.table.column(name).combine_chunks()
        return values

    def numpy(self, name: str) -> np.ndarray:
        """An event column as numpy (dates as datetime64, for arithmetic)."""
        values: np.ndarray = self.table.column(name).to_numpy(zero_copy_only=False)
        return values

    def ids(self, name: str) -> np.ndarray:
        return ids(self.table, name)

    def person(self, id_column: str) -> Identity:
        """The person in ``id_column`` as this agency recorded them."""
        true = self.context.people.lookup(self.ids(id_column))
        return recorded_identity(
            true,
            self.rng,
            self.context.rates,
            per_person=self.source.keeps_person_record,
            nicknames=self.source.uses_nicknames,
        )

    def address(
        self, address_column: str, person_column: str, dates: np.ndarray, *, stale: bool = True
    ) -> Address:
        """The address on each row as recorded (sometimes the person's previous one)."""
        return recorded_address(
            self.context.places,
            self.ids(address_column),
            self.ids(person_column),
            dates,
            self.rng,
            self.context.rates,
            stale=stale,
        )

    def recorded(self, event_dates: np.ndarray) -> np.ndarray:
        """When each event was keyed (a few late)."""
        as_at = self.context.world.as_at
        recorded, _ = noise.recorded_dates(
            self.rng, event_dates, self.context.rates.late_record, as_at
        )
        return recorded

    def dates(self, values: np.ndarray | pa.Array) -> pa.Array:
        return text.dates(values, self.source.file.date_format)

    def agency_ids(self, keys: np.ndarray, low: int, high: int) -> np.ndarray:
        """The agency's own number for each key (a person, a case): stable per key, distinct,
        drawn from ``[low, high)`` so that it reveals nothing of the world's ids."""
        unique, inverse = np.unique(keys, return_inverse=True)
        # A county's volume can outgrow a district's numbering: widen rather than fail.
        span = max(high - low, 10 * len(unique))
        numbers = self.rng.choice(span, size=len(unique), replace=False) + low
        agency: np.ndarray = numbers[inverse]
        return agency


def build(source: Source, context: Context, rng: np.random.Generator) -> Written:
    """Render a source's rows, add row-level errors and put them in file order."""
    rendered = source.render(Rows(source, context, rng))
    if (rendered.second_id is None) != (len(source.roles) == 1):
        named = 1 if rendered.second_id is None else 2
        raise ValueError(f"{source.name} declares roles {source.roles}; its rows name {named}")
    if tuple(rendered.columns) != source.columns:
        raise ValueError(f"{source.name} rendered {list(rendered.columns)}, not {source.columns}")
    for name, values in rendered.columns.items():
        if len(values) != len(rendered.person_id):
            raise ValueError(f"{source.name} rendered {len(values)} values of {name}")
    rates = context.rates
    columns = _with_invalid_values(rendered.columns, source, context.world.as_at, rng, rates)
    copies = noise.duplicate_rows(rng, len(rendered.person_id), rates.duplicate)
    # One take per column puts the copies in file order; re-keying then varies the copies.
    position = _file_order(rendered.event_date[copies.rows], source.order, rng)
    order = copies.rows[position]
    columns = {name: values.take(pa.array(order)) for name, values in columns.items()}
    varied = copies.varied[position]
    return Written(
        table=pa.table(_rekey(columns, varied, source.rekeyed, rng)),
        person_id=rendered.person_id[order],
        household_id=rendered.household_id[order],
        second_id=None if rendered.second_id is None else rendered.second_id[order],
    )


def _with_invalid_values(
    columns: dict[str, pa.Array],
    source: Source,
    as_at: date,
    rng: np.random.Generator,
    rates: NoiseRates,
) -> dict[str, pa.Array]:
    """Impossible dates typed as text, required fields left blank and dates after the as-at
    date, each in one column of a picked row."""
    n = len(next(iter(columns.values())))
    kinds = noise.invalid_kinds(rng, n, rates.invalid_value)
    columns = dict(columns)
    for kind in noise.INVALID_KINDS:
        rows = np.flatnonzero(kinds == kind)
        targets = source.required if kind == "blank_required" else source.date_columns
        target = rng.integers(len(targets), size=len(rows))
        for i, name in enumerate(targets):
            picked = rows[target == i]
            if len(picked):
                was = columns[name].take(pa.array(picked))
                values = _invalid(kind, was, source.file.date_format, as_at, rng)
                columns[name] = _replace(columns[name], picked, values)
    return columns


def _invalid(
    kind: str, was: pa.Array, date_format: str, as_at: date, rng: np.random.Generator
) -> pa.Array:
    """Invalid values to put in place of ``was``."""
    n = len(was)
    if kind == "blank_required":
        return pa.nulls(n, pa.string())
    if kind == "future_date":
        return text.dates(noise.future_dates(rng, as_at, n), date_format)
    # An impossible day in the year the true date had, as a slip of the keyboard would make.
    parsed = pc.strptime(was, format=date_format, unit="s", error_is_null=True)
    fallback = rng.integers(as_at.year - 15, as_at.year + 1, size=n)
    years = pc.fill_null(pc.year(parsed), pa.array(fallback)).to_numpy()
    impossible = noise.impossible_dates(rng, years)
    return pa.array([text.format_date_parts(y, m, d, date_format) for y, m, d in impossible])


def _replace(values: pa.Array, positions: np.ndarray, replacements: pa.Array) -> pa.Array:
    """``values`` with ``replacements`` at ascending ``positions``."""
    mask = np.zeros(len(values), dtype=bool)
    mask[positions] = True
    return pc.replace_with_mask(values, pa.array(mask), replacements)


def _rekey(
    columns: dict[str, pa.Array],
    varied: np.ndarray,
    rekeyed: tuple[str, ...],
    rng: np.random.Generator,
) -> dict[str, pa.Array]:
    """Re-keyed duplicates: one typing error in one of the source's re-keyable columns."""
    rows = np.flatnonzero(varied)
    target = rng.integers(len(rekeyed), size=len(rows))
    columns = dict(columns)
    for i, name in enumerate(rekeyed):
        picked = rows[target == i]
        originals = columns[name].take(pa.array(picked)).to_pylist()
        typed = [noise.one_edit(v, rng) if v else v for v in originals]
        if len(picked):
            columns[name] = _replace(columns[name], picked, pa.array(typed, pa.string()))
    return columns


def _file_order(
    event_dates: np.ndarray, order: Literal["event", "shuffle"], rng: np.random.Generator
) -> np.ndarray:
    """Row order: by event date (undated last, ties as rendered) or shuffled."""
    if order == "shuffle":
        shuffled: np.ndarray = rng.permutation(len(event_dates))
        return shuffled
    days = np.asarray(event_dates, dtype="datetime64[D]")
    sortable = np.where(np.isnat(days), np.iinfo(np.int64).max, days.astype(np.int64))
    by_date: np.ndarray = np.argsort(sortable, kind="stable")
    return by_date
