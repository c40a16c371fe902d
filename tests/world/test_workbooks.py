"""A spreadsheet source too large for one sheet: written as several workbooks of the same header
and rows, as an agency would send it, with the truth naming each row's file."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pyarrow as pa
import pytest

from bakehouse.world.extracts import write_extracts
from bakehouse.world.extracts.xlsx import Book, CellKind, SheetLimits, write_workbooks
from bakehouse.world.noise import NoiseLevel
from bakehouse.world.tables import SimulatedWorld

STAMP = date(2025, 9, 30)
KINDS: dict[str, CellKind] = {"Name": "text", "Born": "date"}


def _columns(n: int, name_length: int = 5) -> dict[str, pa.Array]:
    return {
        "Name": pa.array([f"{i:0{name_length}d}" for i in range(n)], pa.string()),
        "Born": pa.array([f"{1 + i % 28:02d}/03/2021" for i in range(n)], pa.string()),
    }


def _write(path: Path, columns: dict[str, pa.Array], limits: SheetLimits) -> list[Book]:
    return write_workbooks(
        path,
        "Headcount",
        columns,
        KINDS,
        date_format="%d/%m/%Y",
        stamp=STAMP,
        creator="Early Years Funding Team",
        limits=limits,
    )


def _sheet_rows(path: Path) -> list[tuple[object, ...]]:
    """The sheet's rows as openpyxl reads them, header first."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in book["Headcount"].iter_rows(values_only=True)]
    finally:
        book.close()


def _sheet_part_bytes(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        return zf.getinfo("xl/worksheets/sheet1.xml").file_size


def test_a_source_within_the_limits_is_one_workbook_under_its_own_name(tmp_path: Path) -> None:
    books = _write(tmp_path / "early_education.xlsx", _columns(7), SheetLimits(rows=7))
    assert books == [Book(tmp_path / "early_education.xlsx", 7)]
    assert [p.name for p in tmp_path.iterdir()] == ["early_education.xlsx"]
    assert len(_sheet_rows(tmp_path / "early_education.xlsx")) == 8


def test_rows_past_the_sheet_limit_go_on_in_numbered_workbooks_with_the_same_header(
    tmp_path: Path,
) -> None:
    columns = _columns(23)
    books = _write(tmp_path / "early_education.xlsx", columns, SheetLimits(rows=2))
    # Twelve workbooks: numbered to the same width, so they sort in row order.
    assert [b.path.name for b in books] == [f"early_education_{i:02d}.xlsx" for i in range(1, 13)]
    assert [b.rows for b in books] == [2] * 11 + [1]
    assert sorted(p.name for p in tmp_path.iterdir()) == [b.path.name for b in books]
    read = [_sheet_rows(b.path) for b in books]
    assert all(rows[0] == ("Name", "Born") for rows in read)
    names = [row[0] for rows in read for row in rows[1:]]
    assert names == columns["Name"].to_pylist()
    # Each workbook numbers its rows from the row below its own header: dates stay dates.
    first_born = read[1][1][1]
    assert isinstance(first_born, datetime)
    assert first_born.date() == date(2021, 3, 3)


def test_a_sheet_is_closed_before_its_xml_passes_the_byte_limit(tmp_path: Path) -> None:
    columns = _columns(40, name_length=200)
    limit = 2_000
    books = _write(tmp_path / "early_education.xlsx", columns, SheetLimits(part_bytes=limit))
    assert len(books) > 4
    assert all(_sheet_part_bytes(b.path) <= limit for b in books)
    # Each but the last is full: one more row would have passed the limit.
    (empty,) = _write(tmp_path / "empty.xlsx", _columns(0), SheetLimits())
    overhead = _sheet_part_bytes(empty.path)
    row_bytes = (_sheet_part_bytes(books[0].path) - overhead) / books[0].rows
    assert all(_sheet_part_bytes(b.path) + row_bytes > limit for b in books[:-1])
    names = [row[0] for b in books for row in _sheet_rows(b.path)[1:]]
    assert names == columns["Name"].to_pylist()


def test_a_row_larger_than_a_whole_sheet_may_be_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Data row 1 alone"):
        _write(tmp_path / "x.xlsx", _columns(3, name_length=500), SheetLimits(part_bytes=700))


@pytest.fixture(scope="module")
def crowd(crowd_factory: Callable[..., SimulatedWorld]) -> SimulatedWorld:
    return crowd_factory(households=300, rows=900)


def test_a_split_source_holds_the_rows_and_truth_of_the_single_workbook(
    crowd: SimulatedWorld, tmp_path: Path
) -> None:
    whole, split = tmp_path / "whole", tmp_path / "split"
    truth_whole = write_extracts(crowd, whole, NoiseLevel.DEFAULT, np.random.default_rng(2))
    truth_split = write_extracts(
        crowd,
        split,
        NoiseLevel.DEFAULT,
        np.random.default_rng(2),
        sheet_limits=SheetLimits(rows=250),
    )
    books = sorted(split.glob("early_education_*.xlsx"))
    assert len(books) == 4
    # Every other extract is the same file, byte for byte.
    others = sorted(p.name for p in whole.iterdir() if p.name != "early_education.xlsx")
    assert others == sorted(p.name for p in split.iterdir() if p not in books)
    for name in others:
        assert (whole / name).read_bytes() == (split / name).read_bytes(), name
    rows = _sheet_rows(whole / "early_education.xlsx")
    assert [row for book in books for row in _sheet_rows(book)[1:]] == rows[1:]

    def early_education(truth: pa.Table) -> list[dict[str, object]]:
        return [r for r in truth.to_pylist() if r["source"] == "early_education"]

    # The truth names the workbook and the row within it; in file order, the same people.
    before, after = early_education(truth_whole), early_education(truth_split)
    assert {r["file"] for r in before} == {"early_education.xlsx"}
    assert [(r["file"], r["row_number"]) for r in after] == [
        (book.name, n) for book in books for n in range(1, len(_sheet_rows(book)))
    ]
    assert [r["person_id"] for r in after] == [r["person_id"] for r in before]
    # Delimited sources are named by their one file.
    police = [r for r in truth_split.to_pylist() if r["source"] == "police"]
    assert {r["file"] for r in police} == {"police_da_incidents.csv"}
    others_truth = [
        [r for r in truth.to_pylist() if r["source"] != "early_education"]
        for truth in (truth_whole, truth_split)
    ]
    assert others_truth[0] == others_truth[1]
