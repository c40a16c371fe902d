"""A streaming reader for one sheet of an .xlsx workbook, as text.

openpyxl reads a few thousand rows a second, too slow for a county's headcount returns. A
workbook is a zip of XML parts; this reads the sheet with expat, row by row, turning each cell
into the text a person would see: shared and inline strings as they are, numbers without a
trailing ``.0``, and numbers in a date style as ISO dates (``2021-09-01``, or with a time).
A cell that shows nothing a person could check (a formula whose value was never saved, an error
value such as ``#N/A``) is read as empty with a note saying so, for ingestion to count. A damaged
workbook, or one past the limits (Excel's own row and column limits, and a cap on the size of
each part once decompressed, so a small zip cannot expand to fill the memory), raises
:class:`XlsxError`.
"""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from xml.parsers import expat

_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 in the 1900 date system
_BUILTIN_DATE_FORMATS = {*range(14, 23), 45, 46, 47}
_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_COLUMN = re.compile(r"^([A-Z]+)")


class XlsxError(Exception):
    """The workbook is damaged, is not an .xlsx file, or is past a limit."""


@dataclass(frozen=True)
class Limits:
    """What a workbook may hold. Rows and columns are Excel's own limits (a larger index was not
    written by Excel and would make the reader fill gaps without end); a part's decompressed size
    is capped above a full sheet's (a county's early education return is 534 MB of sheet XML at
    Essex scale; a sheet of Excel's 1,048,575 data rows about 600 MB)."""

    rows: int = 1_048_576
    columns: int = 16_384
    part_bytes: int = 1 << 30


class SheetRow(NamedTuple):
    """A row's cells as text (None when empty) and notes on cells read as empty although they
    were not: ``(column index, "formula_no_value" or "cell_error")``."""

    values: list[str | None]
    notes: list[tuple[int, str]]


def _local(tag: str) -> str:
    return tag if ":" not in tag else tag.rpartition(":")[2]


Start = Callable[[str, dict[str, str]], None]
End = Callable[[str], None]
Text = Callable[[str], None]


def _parse(
    data: bytes, start: Start | None = None, end: End | None = None, text: Text | None = None
) -> None:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    if start is not None:
        parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise XlsxError(f"damaged XML ({error})") from error


@functools.lru_cache(maxsize=4096)
def _letters_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def column_index(reference: str, limit: int = Limits.columns) -> int:
    letters = reference.rstrip("0123456789")
    if not letters or not _COLUMN.match(letters):
        raise XlsxError("a cell without a column reference")
    if len(letters) > 3 or _letters_index(letters) >= limit:
        raise XlsxError(f"cell {reference[:12]} is beyond the limit of {limit:,} columns")
    return _letters_index(letters)


def _is_date_format(code: str) -> bool:
    bare = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()
    return any(part in bare for part in ("d", "m", "y", "h", "s")) and "0" not in bare[:1]


class Workbook:
    def __init__(self, path: Path, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        try:
            self.zip = zipfile.ZipFile(path)
            self.sheets = self._sheets()
            self.strings = self._shared_strings()
            self.date_styles = self._date_styles()
        except (zipfile.BadZipFile, KeyError, OSError) as error:
            raise XlsxError(f"not a readable workbook ({type(error).__name__})") from error

    def close(self) -> None:
        self.zip.close()

    def _part(self, name: str) -> zipfile.ZipInfo:
        """A part of the workbook, refused when it would decompress past the cap (the zip
        module never returns more than the size a part declares)."""
        info = self.zip.getinfo(name)
        if info.file_size > self.limits.part_bytes:
            raise XlsxError(
                f"the part {name} would expand to {info.file_size:,} bytes, more than the limit "
                f"of {self.limits.part_bytes:,}"
            )
        return info

    def _read(self, name: str) -> bytes:
        return self.zip.read(self._part(name))

    def _sheets(self) -> dict[str, str]:
        targets: dict[str, str] = {}

        def relationship(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "Relationship":
                targets[attrs["Id"]] = attrs["Target"]

        _parse(self._read("xl/_rels/workbook.xml.rels"), start=relationship)
        sheets: dict[str, str] = {}

        def sheet(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "sheet":
                rid = next(v for k, v in attrs.items() if _local(k) == "id")
                target = targets[rid].lstrip("/")
                path = target if target.startswith("xl/") else f"xl/{target}"
                sheets[attrs["name"]] = str(PurePosixPath(path))

        _parse(self._read("xl/workbook.xml"), start=sheet)
        return sheets

    def _shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self.zip.namelist():
            return []
        strings: list[str] = []
        parts: list[str] = []
        inside = [False]

        def start(tag: str, attrs: dict[str, str]) -> None:
            name = _local(tag)
            if name == "si":
                parts.clear()
            inside[0] = name == "t"

        def end(tag: str) -> None:
            if _local(tag) == "si":
                strings.append("".join(parts))
            inside[0] = False

        def text(data: str) -> None:
            if inside[0]:
                parts.append(data)

        _parse(self._read("xl/sharedStrings.xml"), start, end, text)
        return strings

    def _date_styles(self) -> set[int]:
        if "xl/styles.xml" not in self.zip.namelist():
            return set()
        custom: dict[int, str] = {}
        formats: list[int] = []
        in_xfs = [False]

        def start(tag: str, attrs: dict[str, str]) -> None:
            name = _local(tag)
            if name == "numFmt":
                custom[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
            elif name == "cellXfs":
                in_xfs[0] = True
            elif name == "xf" and in_xfs[0]:
                formats.append(int(attrs.get("numFmtId", "0")))

        def end(tag: str) -> None:
            if _local(tag) == "cellXfs":
                in_xfs[0] = False

        _parse(self._read("xl/styles.xml"), start, end)
        return {
            index
            for index, number in enumerate(formats)
            if number in _BUILTIN_DATE_FORMATS
            or (number in custom and _is_date_format(custom[number]))
        }

    def rows(self, sheet: str) -> Iterator[SheetRow]:
        """Each row of the sheet as text cells (None when empty), gaps as empty rows; the sheet
        is parsed in chunks, so memory stays flat however long it is."""
        reader = _SheetReader(self.strings, self.date_styles, self.limits)
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = reader.start
        parser.EndElementHandler = reader.end
        parser.CharacterDataHandler = reader.text
        try:
            with self.zip.open(self._part(self.sheets[sheet])) as stream:
                while True:
                    chunk = stream.read(1 << 20)
                    parser.Parse(chunk, not chunk)
                    yield from reader.rows
                    reader.rows.clear()
                    if not chunk:
                        return
        except (zipfile.BadZipFile, KeyError, OSError, EOFError, expat.ExpatError) as error:
            raise XlsxError(f"the sheet cannot be read ({type(error).__name__})") from error


class _SheetReader:
    """Collects rows while expat walks the sheet."""

    def __init__(self, strings: list[str], date_styles: set[int], limits: Limits) -> None:
        self.strings = strings
        self.date_styles = date_styles
        self.limits = limits
        self.rows: list[SheetRow] = []
        self.row: list[str | None] = []
        self.notes: list[tuple[int, str]] = []
        self.row_number = 0
        self.cell_kind = ""
        self.cell_style = 0
        self.cell_column = 0
        self.formula = False
        self.parts: list[str] = []
        self.capture = False

    def _number(self, text: str, what: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise XlsxError(f"a {what} that is not a number") from None

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        name = _local(tag)
        if name == "row":
            number = self._number(attrs.get("r", str(self.row_number + 1)), "row number")
            if number > self.limits.rows or number <= self.row_number:
                raise XlsxError(
                    f"row {number:,} is out of order or beyond the limit of "
                    f"{self.limits.rows:,} rows"
                )
            while self.row_number + 1 < number:  # rows missing from the XML are empty
                self.rows.append(SheetRow([], []))
                self.row_number += 1
            self.row_number = number
            self.row, self.notes = [], []
        elif name == "c":
            reference = attrs.get("r")
            self.cell_column = (
                column_index(reference, self.limits.columns) if reference else len(self.row)
            )
            if self.cell_column >= self.limits.columns:
                raise XlsxError(f"a cell beyond the limit of {self.limits.columns:,} columns")
            self.cell_kind = attrs.get("t", "n")
            self.cell_style = self._number(attrs.get("s", "0"), "cell style")
            self.formula = False
            self.parts = []
        elif name == "f":
            self.formula = True
        elif name in ("v", "t"):
            self.capture = True

    def end(self, tag: str) -> None:
        name = _local(tag)
        if name in ("v", "t"):
            self.capture = False
        elif name == "c":
            while len(self.row) < self.cell_column:
                self.row.append(None)
            raw = "".join(self.parts)
            if self.cell_kind == "e":
                self.notes.append((self.cell_column, "cell_error"))
                self.row.append(None)
            elif self.formula and raw == "":
                self.notes.append((self.cell_column, "formula_no_value"))
                self.row.append(None)
            else:
                self.row.append(self._value(raw))
        elif name == "row":
            self.rows.append(SheetRow(self.row, self.notes))

    def text(self, data: str) -> None:
        if self.capture:
            self.parts.append(data)

    def _value(self, raw: str) -> str | None:
        kind = self.cell_kind
        if raw == "" and kind != "inlineStr":
            return None
        if kind == "s":
            try:
                return self.strings[int(raw)]
            except (ValueError, IndexError) as error:
                raise XlsxError("a cell points at a missing shared string") from error
        if kind in ("inlineStr", "str", "d"):
            return raw
        if kind == "b":
            return "TRUE" if raw == "1" else "FALSE"
        try:
            number = float(raw)
        except ValueError:
            return raw
        if self.cell_style in self.date_styles:
            moment = _EPOCH + timedelta(days=number)
            if moment.hour == moment.minute == moment.second == 0:
                return moment.date().isoformat()
            return moment.isoformat(sep=" ", timespec="seconds")
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return raw
