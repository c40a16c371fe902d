"""A minimal, deterministic Excel workbook writer: one sheet, text, numbers and real dates.

openpyxl writes about ten thousand rows a second and stamps the current time in the package,
which is too slow for a county's headcount returns and breaks byte-for-byte reproducibility. A
workbook is a zip of a few XML parts, so this module builds the sheet XML with vectorised string
operations and zips it with fixed entry times. Dates are stored as Excel serial numbers with a
date style, so Excel and openpyxl read them as dates; a date column value that is not a date
(someone typed 31/02/2021) stays as text, as Excel keeps it. Rows that one sheet cannot hold
(Excel's row limit, or more sheet XML than ingestion reads from one part) go on in further
workbooks, as an agency would send them.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bakehouse.ingest.xlsx import Limits as ReadLimits

CellKind = Literal["text", "date", "number"]

_EPOCH = np.datetime64("1899-12-30", "D")  # Excel's day 0 in the 1900 date system
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entry times: the earliest a zip can hold
_ROWS_PER_CHUNK = 50_000

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
<Override PartName="/docProps/core.xml" \
ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
<Override PartName="/docProps/app.xml" \
ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>\
</Types>"""

_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="xl/workbook.xml"/>\
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" \
Target="docProps/core.xml"/>\
<Relationship Id="rId3" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" \
Target="docProps/app.xml"/>\
</Relationships>"""

_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>"""

_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" \
Target="styles.xml"/>\
</Relationships>"""

# Style 0 is the default; style 1 shows a serial number as a UK date.
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>\
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
</cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""

_CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties \
xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
<dc:creator>{creator}</dc:creator>\
<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>\
<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>\
</cp:coreProperties>"""

_APP = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">\
<Application>Microsoft Excel</Application></Properties>"""

_SHEET_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"""
_SHEET_TAIL = "</sheetData></worksheet>"


@dataclass(frozen=True)
class SheetLimits:
    """When a workbook is full and an extract goes on in the next: Excel's own row limit (the
    header row included), or ``part_bytes`` of sheet XML, measured row by row as it is written."""

    rows: int = ReadLimits.rows - 1  # data rows, below the header
    # Three quarters of the most ingestion reads from one part, so that a split never rides on
    # the cap's edge. A county's headcount row is about 580 bytes of XML, so a sheet full to
    # Excel's row limit is about 600 MB: the row limit splits first unless rows grow by a third.
    part_bytes: int = ReadLimits.part_bytes * 3 // 4


EXCEL_SHEET = SheetLimits()


@dataclass(frozen=True)
class Book:
    """A workbook written and the number of data rows it holds."""

    path: Path
    rows: int


def write_workbooks(
    path: Path,
    sheet: str,
    columns: Mapping[str, pa.Array],
    kinds: Mapping[str, CellKind],
    *,
    date_format: str,
    stamp: date,
    creator: str,
    limits: SheetLimits = EXCEL_SHEET,
) -> list[Book]:
    """Write a header row, then ``columns`` (string arrays, null for an empty cell), as the
    workbook ``path``; past ``limits``, as several workbooks of the same header and sheet,
    ``<stem>_1.xlsx``, ``<stem>_2.xlsx``... (numbers zero-padded to the same width, so the files
    sort in row order), as an agency sends a return no spreadsheet can hold. Returns the
    workbooks in row order.

    ``date`` columns hold dates written as ``date_format``; ``number`` columns hold decimal
    numbers as text (the caller renders them).
    ``stamp`` is each workbook's created and modified time (the extract's as-at date).
    """
    total = len(next(iter(columns.values()))) if columns else 0
    staged: list[Book] = []
    done = 0
    while not staged or done < total:
        part = path.with_name(f".{path.name}.{len(staged) + 1}.partial")
        with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            _put_package(zf, sheet, stamp, creator)
            with zf.open(_entry("xl/worksheets/sheet1.xml"), "w", force_zip64=True) as out:
                rows = _write_sheet(out, columns, kinds, date_format, done, limits)
        staged.append(Book(part, rows))
        done += rows
    if len(staged) == 1:
        names = [path]
    else:
        width = len(str(len(staged)))
        names = [
            path.with_name(f"{path.stem}_{i:0{width}d}{path.suffix}")
            for i in range(1, len(staged) + 1)
        ]
    for book, name in zip(staged, names, strict=True):
        book.path.replace(name)
    return [Book(name, book.rows) for book, name in zip(staged, names, strict=True)]


def _put_package(zf: zipfile.ZipFile, sheet: str, stamp: date, creator: str) -> None:
    """Every part of the workbook but the sheet's rows."""
    _put(zf, "[Content_Types].xml", _CONTENT_TYPES)
    _put(zf, "_rels/.rels", _ROOT_RELS)
    _put(
        zf,
        "docProps/core.xml",
        _CORE.format(creator=_escape_text(creator), stamp=f"{stamp.isoformat()}T00:00:00Z"),
    )
    _put(zf, "docProps/app.xml", _APP)
    _put(zf, "xl/workbook.xml", _WORKBOOK.format(sheet=_escape_text(sheet)))
    _put(zf, "xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
    _put(zf, "xl/styles.xml", _STYLES)


def _write_sheet(
    out: IO[bytes],
    columns: Mapping[str, pa.Array],
    kinds: Mapping[str, CellKind],
    date_format: str,
    first: int,
    limits: SheetLimits,
) -> int:
    """Write the sheet part: the header, then data rows from row ``first`` (0-based) of
    ``columns`` until they end or the sheet reaches ``limits``; return the data rows written."""
    head = _SHEET_HEAD.encode()
    header = _header_row(list(columns)).encode()
    tail = _SHEET_TAIL.encode()
    budget = limits.part_bytes - len(head) - len(header) - len(tail)
    out.write(head)
    out.write(header)
    total = len(next(iter(columns.values()))) if columns else 0
    written = 0
    while first + written < total and written < limits.rows:
        start = first + written
        stop = min(start + _ROWS_PER_CHUNK, total, first + limits.rows)
        chunk = _rows_xml(columns, kinds, date_format, start, stop, sheet_row=written + 2)
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)
        ends = offsets[chunk.offset + 1 : chunk.offset + len(chunk) + 1] - offsets[chunk.offset]
        fit = int(np.searchsorted(ends, budget, side="right"))
        if fit == 0 and written == 0:
            raise ValueError(
                f"Data row {start + 1} alone is {int(ends[0]):,} bytes of sheet XML, more than "
                f"a workbook may hold ({limits.part_bytes:,} bytes)"
            )
        out.write(_utf8_bytes(chunk.slice(0, fit)))
        written += fit
        if fit < len(chunk):
            break
        budget -= int(ends[-1])
    out.write(tail)
    return written


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    # Fast deflate: level 6 takes half the time of a county's workbook for 15% smaller files.
    # Python 3.11 reads the level for a streamed entry only from this attribute (public as
    # ``compress_level`` from 3.13).
    info._compresslevel = 1  # type: ignore[attr-defined]
    return info


def _put(zf: zipfile.ZipFile, name: str, text: str) -> None:
    zf.writestr(_entry(name), text.encode("utf-8"))


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _header_row(names: list[str]) -> str:
    cells = "".join(
        f'<c r="{_column_letter(i)}1" t="inlineStr"><is><t>{_escape_text(name)}</t></is></c>'
        for i, name in enumerate(names)
    )
    return f'<row r="1">{cells}</row>'


def _rows_xml(
    columns: Mapping[str, pa.Array],
    kinds: Mapping[str, CellKind],
    date_format: str,
    start: int,
    stop: int,
    *,
    sheet_row: int,
) -> pa.Array:
    """Rows ``start`` to ``stop`` of ``columns`` as UTF-8 XML, one string per row, numbered in
    the sheet from ``sheet_row``."""
    row_numbers = pa.array(np.arange(sheet_row, sheet_row + stop - start)).cast(pa.string())
    parts = [pc.binary_join_element_wise('<row r="', row_numbers, '">', "")]
    for i, (name, values) in enumerate(columns.items()):
        # Every cell carries its reference: readers place a cell without one in the next
        # column, which would shift the row after an empty cell.
        ref = pc.binary_join_element_wise(_column_letter(i), row_numbers, "")
        parts.append(_cells(values[start:stop], ref, kinds[name], date_format))
    return pc.binary_join_element_wise(*parts, "</row>", "")


def _utf8_bytes(values: pa.Array) -> memoryview:
    """The UTF-8 text of a string array's values, back to back (its data buffer, uncopied)."""
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)
    first, last = offsets[values.offset], offsets[values.offset + len(values)]
    return memoryview(values.buffers()[2])[first:last]


def _cells(values: pa.Array, ref: pa.Array, kind: CellKind, date_format: str) -> pa.Array:
    """Each value as a cell element; an empty string (no element) for null."""
    text = _text_cells(values, ref)
    if kind == "text":
        return text
    if kind == "number":
        number = pc.binary_join_element_wise('<c r="', ref, '"><v>', values, "</v></c>", "")
        return pc.fill_null(number, "")
    serial = _excel_serials(values, date_format).cast(pa.string())
    dated = pc.binary_join_element_wise('<c r="', ref, '" s="1"><v>', serial, "</v></c>", "")
    return pc.if_else(pc.is_valid(serial), dated, text)


def _text_cells(values: pa.Array, ref: pa.Array) -> pa.Array:
    escaped = values
    if pc.any(pc.match_substring_regex(values, "[&<>]")).as_py():
        for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
            escaped = pc.replace_substring(escaped, raw, entity)
    cells = pc.binary_join_element_wise(
        '<c r="', ref, '" t="inlineStr"><is><t>', escaped, "</t></is></c>", ""
    )
    return pc.fill_null(cells, "")


_FIELDS = {"%d": r"(?P<day>\d{2})", "%m": r"(?P<month>\d{2})", "%Y": r"(?P<year>\d{4})"}


def _excel_serials(values: pa.Array, date_format: str) -> pa.Array:
    """Excel serial day numbers of values that are real dates in ``date_format`` (day, month
    and year fields with fixed separators), else null. 31/02/2021 is not a real date: it stays
    text, as it would in Excel."""
    pattern = (
        "^"
        + "".join(
            _FIELDS.get(piece, re.escape(piece)) for piece in re.split(r"(%[dmY])", date_format)
        )
        + "$"
    )
    parts = pc.extract_regex(values, pattern=pattern)
    day, month, year = (
        pc.cast(pc.struct_field(parts, name), pa.int64()).fill_null(0).to_numpy()
        for name in ("day", "month", "year")
    )
    month_start = (year - 1970) * 12 + np.clip(month, 1, 12) - 1
    days = month_start.astype("datetime64[M]").astype("datetime64[D]") + (day - 1)
    real = (
        pc.is_valid(parts).to_numpy(zero_copy_only=False)
        & (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (days.astype("datetime64[M]") == month_start.astype("datetime64[M]"))
    )
    serial = (days - _EPOCH).astype(np.int64)
    return pa.array(serial, pa.int64(), mask=~real)
