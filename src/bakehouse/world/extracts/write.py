"""Write every agency extract of a simulated world and return the truth of who each row is."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from bakehouse.world.extracts.benefits import Benefits
from bakehouse.world.extracts.csc import Csc
from bakehouse.world.extracts.early_education import EarlyEducation
from bakehouse.world.extracts.education import Education
from bakehouse.world.extracts.files import write_delimited
from bakehouse.world.extracts.health_visiting import HealthVisiting
from bakehouse.world.extracts.housing import Housing
from bakehouse.world.extracts.marac import Marac
from bakehouse.world.extracts.people import PeopleIndex
from bakehouse.world.extracts.places import AddressBook
from bakehouse.world.extracts.police import Police
from bakehouse.world.extracts.source import Context, Source, Written, build
from bakehouse.world.extracts.xlsx import write_workbook
from bakehouse.world.noise import NoiseLevel, NoiseRates
from bakehouse.world.tables import SimulatedWorld

SOURCES: tuple[Source, ...] = (
    Csc(),
    Education(),
    EarlyEducation(),
    HealthVisiting(),
    Police(),
    Housing(),
    Benefits(),
    # Last: each source's stream is split from the same generator in this order, so the sources
    # before it keep their streams (and bytes) whatever follows.
    Marac(),
)

RECORDS = pa.schema(
    [
        ("source", pa.string()),
        ("row_number", pa.int64()),
        ("person_role", pa.string()),  # "subject", or "claimant" / "partner" on benefits rows
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
    ]
)

SPREADSHEET_SHEET = "Headcount"


def write_extracts(
    world: SimulatedWorld,
    out_dir: Path,
    noise: NoiseLevel,
    rng: np.random.Generator,
    progress: Callable[[str], None] | None = None,
    *,
    national_ids: bool = True,
) -> pa.Table:
    """Write the eight extracts into ``out_dir``; return the ``records`` truth table.

    Each source draws from its own random stream, split from ``rng`` up front, so one source's
    rows never change because another source's table grew. Without ``national_ids`` the NHS
    number, UPN and NINO columns are left out after every error is drawn, so the rows are
    otherwise those of the world with them.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    context = Context(
        world=world,
        people=PeopleIndex(world.people),
        places=AddressBook(world.addresses, world.residence),
        rates=NoiseRates.at(noise),
    )
    seeds = rng.integers(0, 2**63 - 1, size=len(SOURCES))
    records = []
    for source, seed in zip(SOURCES, seeds, strict=True):
        written = build(source, context, np.random.default_rng(int(seed)))
        if not national_ids:
            written = _without(written, source.national_columns)
        _write(source, written, out_dir, world)
        records.append(_records(source, written))
        if progress is not None:
            progress(f"{source.file.filename}: {written.table.num_rows:,} rows")
    return pa.concat_tables(records)


def _without(written: Written, columns: tuple[str, ...]) -> Written:
    kept = [name for name in written.table.column_names if name not in columns]
    return dataclasses.replace(written, table=written.table.select(kept))


def _write(source: Source, written: Written, out_dir: Path, world: SimulatedWorld) -> None:
    path = out_dir / source.file.filename
    if source.file.is_spreadsheet:
        write_workbook(
            path,
            SPREADSHEET_SHEET,
            {
                name: written.table.column(name).combine_chunks()
                for name in written.table.column_names
            },
            source.kinds(),
            date_format=source.file.date_format,
            stamp=world.as_at,
            creator="Early Years Funding Team",
        )
    else:
        write_delimited(written.table, path, source.file)


def _records(source: Source, written: Written) -> pa.Table:
    """One truth row per person named on each extract row."""
    n = written.table.num_rows
    rows = np.arange(1, n + 1, dtype=np.int64)
    main_role = "subject" if written.partner_id is None else "claimant"
    parts = [(rows, main_role, written.person_id, written.household_id)]
    if written.partner_id is not None:
        named = written.partner_id >= 0
        parts.append(
            (rows[named], "partner", written.partner_id[named], written.household_id[named])
        )
    return pa.concat_tables(
        pa.table(
            {
                "source": pa.array([source.name] * len(row), pa.string()),
                "row_number": pa.array(row),
                "person_role": pa.array([role] * len(row), pa.string()),
                "person_id": pa.array(person, mask=person < 0),
                "household_id": pa.array(household, mask=household < 0),
            },
            schema=RECORDS,
        )
        for row, role, person, household in parts
    )
