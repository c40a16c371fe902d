"""Write every agency extract of a simulated world and return the truth of who each row is."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from bakehouse.world.extracts.benefits import Benefits
from bakehouse.world.extracts.council_tax import CouncilTax
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
from bakehouse.world.extracts.xlsx import EXCEL_SHEET, SheetLimits, write_workbooks
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
    # before them keep their streams (and bytes) whatever follows.
    Marac(),
    CouncilTax(),
)

RECORDS = pa.schema(
    [
        ("source", pa.string()),
        ("file", pa.string()),  # the file name, as ingestion records it
        ("row_number", pa.int64()),  # the data row in that file, from 1
        # Source.roles: "subject"; "claimant" / "partner" on benefits rows, "liable" / "joint"
        # on council tax rows
        ("person_role", pa.string()),
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
    sheet_limits: SheetLimits = EXCEL_SHEET,
) -> pa.Table:
    """Write the nine extracts into ``out_dir``; return the ``records`` truth table.

    Each source draws from its own random stream, split from ``rng`` up front, so one source's
    rows never change because another source's table grew. Without ``national_ids`` the NHS
    number, UPN and NINO columns are left out after every error is drawn, so the rows are
    otherwise those of the world with them. A spreadsheet source past ``sheet_limits`` is
    written as several workbooks of the same rows in the same order.
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
        files = _write(source, written, out_dir, world, sheet_limits)
        records.append(_records(source, written, files))
        if progress is not None:
            books = f" in {len(files)} workbooks" if len(files) > 1 else ""
            progress(f"{source.file.filename}: {written.table.num_rows:,} rows{books}")
    return pa.concat_tables(records)


def _without(written: Written, columns: tuple[str, ...]) -> Written:
    kept = [name for name in written.table.column_names if name not in columns]
    return dataclasses.replace(written, table=written.table.select(kept))


def _write(
    source: Source, written: Written, out_dir: Path, world: SimulatedWorld, limits: SheetLimits
) -> list[tuple[str, int]]:
    """Write the source's rows; return each file's name and its data rows, in row order."""
    path = out_dir / source.file.filename
    if not source.file.is_spreadsheet:
        write_delimited(written.table, path, source.file)
        return [(path.name, written.table.num_rows)]
    books = write_workbooks(
        path,
        SPREADSHEET_SHEET,
        {name: written.table.column(name).combine_chunks() for name in written.table.column_names},
        source.kinds(),
        date_format=source.file.date_format,
        stamp=world.as_at,
        creator="Early Years Funding Team",
        limits=limits,
    )
    return [(book.path.name, book.rows) for book in books]


def _records(source: Source, written: Written, files: list[tuple[str, int]]) -> pa.Table:
    """One truth row per person named on each extract row, with the file and row it is on."""
    counts = [rows for _, rows in files]
    file_index = np.repeat(np.arange(len(files), dtype=np.int32), counts)
    row_in_file = np.concatenate([np.arange(1, n + 1, dtype=np.int64) for n in counts])
    names = pa.array([name for name, _ in files], pa.string())
    everyone = np.ones(len(file_index), dtype=bool)
    parts = [(everyone, source.roles[0], written.person_id)]
    if written.second_id is not None:
        parts.append((written.second_id >= 0, source.roles[1], written.second_id))
    return pa.concat_tables(
        pa.table(
            {
                "source": pa.array([source.name] * int(named.sum()), pa.string()),
                "file": names.take(pa.array(file_index[named])),
                "row_number": pa.array(row_in_file[named]),
                "person_role": pa.array([role] * int(named.sum()), pa.string()),
                "person_id": pa.array(person[named], mask=person[named] < 0),
                "household_id": pa.array(
                    written.household_id[named], mask=written.household_id[named] < 0
                ),
            },
            schema=RECORDS,
        )
        for named, role, person in parts
    )
