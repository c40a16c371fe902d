"""Reading an extract into batches of text, one row per data row, losing nothing.

Every reader yields Arrow batches with one string column per specified column (``c_0`` ...
in specification order, so SQL never sees a name taken from a file), the data row number
(``_row``, from 1, header not counted), and for rows that could not be read as a record a
``_problem`` and the ``_raw`` text, and (Excel) ``_cells``: cells that held no value a
person would see, as ``"<column index>:<code>"``. Types are checked later, in SQL. A file that
cannot be read at all (empty, corrupt, undecodable as a whole) raises :class:`ExtractError`
before anything is written; a file whose columns do not match its specification raises
:class:`SchemaError`.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bakehouse.errors import ExtractError, SchemaError
from bakehouse.ingest.spec import SourceSpec
from bakehouse.ingest.xlsx import SheetRow, Workbook, XlsxError

BATCH_ROWS = 65_536
Progress = Callable[[int], None]

_WIDE = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
_UTF8 = {"utf-8", "utf-8-sig"}
csv.field_size_limit(16 * 1024 * 1024)


def batch_schema(width: int) -> pa.Schema:
    fields = [pa.field(f"c_{i}", pa.string()) for i in range(width)]
    fields += [
        pa.field("_row", pa.int64()),
        pa.field("_problem", pa.string()),
        pa.field("_raw", pa.string()),
        pa.field("_cells", pa.list_(pa.string())),
    ]
    return pa.schema(fields)


def map_header(spec: SourceSpec, path: Path, header: list[str]) -> list[int]:
    """Positions in the file of the specified columns; refuses missing, extra, unnamed or
    repeated columns, naming every one."""
    names = [name.strip().lstrip("\ufeff") for name in header]
    unnamed = [str(i + 1) for i, name in enumerate(names) if name == ""]
    if unnamed:
        raise SchemaError(
            f"Unnamed column(s) at position {', '.join(unnamed)} in the header",
            file=path,
            fix="Every column needs a name in the header row",
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise SchemaError(
            f"Column(s) named twice in the header: {', '.join(repeated)}",
            file=path,
            field=repeated[0],
            fix="Each column must appear once",
        )
    missing = [name for name in spec.columns if name not in names]
    if missing:
        raise SchemaError(
            f"Missing column(s) {', '.join(missing)} required by the '{spec.source}' specification",
            file=path,
            field=missing[0],
            fix="Ask the supplier for the full extract, or correct the specification",
        )
    extra = [name for name in names if name not in spec.columns]
    if extra:
        raise SchemaError(
            f"Column(s) {', '.join(extra)} are not in the '{spec.source}' specification, so no "
            "agreement covers them",
            file=path,
            field=extra[0],
            fix="Ask the supplier to remove them, or add them to the specification and the "
            "data sharing agreement",
        )
    return [names.index(name) for name in spec.columns]


class _Batcher:
    """Collects rows into Arrow batches of the fixed layout."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.schema = batch_schema(width)
        self._reset()

    def _reset(self) -> None:
        self.columns: list[list[str | None]] = [[] for _ in range(self.width)]
        self.rows: list[int] = []
        self.problems: list[str | None] = []
        self.raws: list[str | None] = []
        self.cells: list[list[str] | None] = []

    def add(
        self,
        row: int,
        values: list[str | None] | None,
        problem: str | None,
        raw: str | None,
        cells: list[str] | None = None,
    ) -> None:
        if values is None:
            for column in self.columns:
                column.append(None)
        else:
            for column, value in zip(self.columns, values, strict=True):
                column.append(value)
        self.rows.append(row)
        self.problems.append(problem)
        self.raws.append(raw)
        self.cells.append(cells)

    def full(self) -> bool:
        return len(self.rows) >= BATCH_ROWS

    def flush(self) -> pa.RecordBatch | None:
        if not self.rows:
            return None
        arrays = [pa.array(column, pa.string()) for column in self.columns]
        arrays += [
            pa.array(self.rows, pa.int64()),
            pa.array(self.problems, pa.string()),
            pa.array(self.raws, pa.string()),
            pa.array(self.cells, pa.list_(pa.string())),
        ]
        batch = pa.RecordBatch.from_arrays(arrays, schema=self.schema)
        self._reset()
        return batch


# --- CSV ------------------------------------------------------------------------------------


class _Lines:
    """Decodes a byte stream line by line, so one badly encoded row is quarantined rather than
    the file refused; remembers the text of the lines making up the current record."""

    def __init__(self, handle: io.BufferedReader, encoding: str) -> None:
        self.handle = handle
        self.encoding = encoding
        name = codecs.lookup(encoding).name
        self.single_byte = name not in _UTF8 and not name.startswith(("utf", "utf_"))
        self.current: list[str] = []
        self.bad: str | None = None
        self.number = 0
        self.ended_with_newline = True

    def __iter__(self) -> Iterator[str]:
        for chunk in self.handle:
            # A bare carriage return ends a record for the CSV reader too (old Mac files).
            pieces = chunk.splitlines(keepends=True) if b"\r" in chunk[:-2] else [chunk]
            for raw in pieces:
                yield self._decode(raw)

    def _decode(self, raw: bytes) -> str:
        self.number += 1
        if self.number == 1 and raw.startswith(codecs.BOM_UTF8) and not self.single_byte:
            raw = raw[len(codecs.BOM_UTF8) :]
        self.ended_with_newline = raw.endswith((b"\n", b"\r"))
        try:
            text = raw.decode(self.encoding)
            if self.single_byte and not raw.isascii() and _looks_utf8(raw):
                self.bad = f"mixed encoding: this row looks like UTF-8, not {self.encoding}"
        except UnicodeDecodeError:
            text = raw.decode(self.encoding, errors="backslashreplace")
            self.bad = f"bytes that are not valid {self.encoding}"
        self.current.append(text)
        return text


def _looks_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class _WideLines:
    """UTF-16/32 text cannot be split into lines as bytes; it is decoded as a stream and an
    undecodable file is refused as a whole."""

    def __init__(self, handle: io.BufferedReader, encoding: str, path: Path) -> None:
        self.text = io.TextIOWrapper(handle, encoding=encoding, newline="")
        self.path = path
        self.current: list[str] = []
        self.bad: str | None = None
        self.number = 0
        self.ended_with_newline = True

    def __iter__(self) -> Iterator[str]:
        while True:
            try:
                line = self.text.readline()
            except UnicodeDecodeError as error:
                raise ExtractError(
                    f"The file cannot be decoded as {self.text.encoding} after line {self.number}",
                    file=self.path,
                    fix="Ask the supplier to re-send it in the agreed encoding, or correct "
                    "`encoding:` in the specification",
                ) from error
            if not line:
                return
            self.number += 1
            if self.number == 1:
                line = line.lstrip("\ufeff")
            self.ended_with_newline = line.endswith("\n")
            self.current.append(line)
            yield line


class CsvExtract:
    def __init__(self, spec: SourceSpec, path: Path) -> None:
        self.spec = spec
        self.path = path
        self.ended_with_newline = True

    def _open(self, handle: io.BufferedReader) -> tuple[_Lines | _WideLines, Any]:
        name = codecs.lookup(self.spec.encoding).name
        lines: _Lines | _WideLines
        if name in _WIDE:
            lines = _WideLines(handle, self.spec.encoding, self.path)
        else:
            lines = _Lines(handle, self.spec.encoding)
        # strict: text after a closing quote is an error, not silently joined to the value
        reader = csv.reader(
            lines, delimiter=self.spec.delimiter, quotechar=self.spec.quote, strict=True
        )
        return lines, reader

    def _header(self, lines: _Lines | _WideLines, reader: Any) -> tuple[list[int], int]:
        try:
            header = next(reader)
        except StopIteration:
            raise ExtractError(
                "The file is empty: no header row",
                file=self.path,
                fix="Ask the supplier to re-send the extract",
            ) from None
        except csv.Error as error:
            raise SchemaError(
                f"The header row cannot be read as CSV ({error})", file=self.path
            ) from error
        if lines.bad is not None:
            raise ExtractError(
                f"The header row has {lines.bad}",
                file=self.path,
                fix="Check `encoding:` in the specification",
            )
        return map_header(self.spec, self.path, header), len(header)

    def header(self) -> list[int]:
        with self.path.open("rb") as handle:
            lines, reader = self._open(handle)
            return self._header(lines, reader)[0]

    def batches(self, progress: Progress) -> Iterator[pa.RecordBatch]:
        width = len(self.spec.columns)
        batcher = _Batcher(width)
        with self.path.open("rb") as handle:
            lines, reader = self._open(handle)
            positions, file_width = self._header(lines, reader)
            row = 0
            done = 0
            while True:
                lines.current, lines.bad = [], None
                problem: str | None = None
                try:
                    fields = next(reader)
                except StopIteration:
                    break
                except csv.Error as error:
                    fields, problem = None, f"malformed CSV ({error})"
                    if not lines.current:
                        break
                row += 1
                if fields is not None and not fields:
                    problem = "blank row"
                elif fields is not None and len(fields) != file_width:
                    problem = f"wrong number of fields: expected {file_width}, found {len(fields)}"
                elif len(lines.current) > 1 and not self.spec.multiline_values:
                    problem = (
                        f"a quoted value runs over {len(lines.current)} lines, taking in what "
                        "should be the next row (a stray quote?)"
                    )
                if lines.bad is not None:
                    problem = lines.bad if problem is None else f"{problem}; {lines.bad}"
                if problem is None and fields is not None:
                    batcher.add(row, [fields[p] for p in positions], None, None)
                else:
                    batcher.add(row, None, problem, "".join(lines.current))
                if batcher.full():
                    batch = batcher.flush()
                    if batch is not None:
                        yield batch
                    position = handle.tell()
                    progress(position - done)
                    done = position
            batch = batcher.flush()
            if batch is not None:
                yield batch
            progress(handle.tell() - done)
            self.ended_with_newline = lines.ended_with_newline

    def size(self) -> int:
        return self.path.stat().st_size


# --- Excel ----------------------------------------------------------------------------------


class ExcelExtract:
    def __init__(self, spec: SourceSpec, path: Path) -> None:
        self.spec = spec
        self.path = path
        self.ended_with_newline = True

    def _rows(self) -> tuple[Workbook, Iterator[SheetRow]]:
        if self.path.stat().st_size == 0:
            raise ExtractError(
                "The file is empty", file=self.path, fix="Ask the supplier to re-send the extract"
            )
        try:
            book = Workbook(self.path)
        except XlsxError as error:
            raise ExtractError(
                f"The Excel file cannot be opened: {error}",
                file=self.path,
                fix="The workbook is damaged or not .xlsx: ask the supplier to re-send it",
            ) from error
        sheet = self.spec.sheet or ""
        if sheet not in book.sheets:
            book.close()
            raise SchemaError(
                f"The workbook has no sheet '{sheet}'",
                file=self.path,
                fix="Ask the supplier for the agreed layout, or correct `sheet:`",
            )
        return book, self._checked(book.rows(sheet))

    def _checked(self, rows: Iterator[SheetRow]) -> Iterator[SheetRow]:
        try:
            yield from rows
        except XlsxError as error:
            raise ExtractError(
                f"The Excel sheet cannot be read: {error}",
                file=self.path,
                fix="The workbook is damaged: ask the supplier to re-send it",
            ) from error

    def _read_header(self, rows: Iterator[SheetRow]) -> list[int]:
        first = next(rows, None)
        if first is None:
            raise ExtractError(
                f"The sheet '{self.spec.sheet}' is empty: no header row", file=self.path
            )
        header = ["" if value is None else value for value in first.values]
        while header and header[-1].strip() == "":
            header.pop()  # formatted but empty cells to the right of a sheet's header
        return map_header(self.spec, self.path, header)

    def header(self) -> list[int]:
        book, rows = self._rows()
        try:
            return self._read_header(rows)
        finally:
            book.close()

    def batches(self, progress: Progress) -> Iterator[pa.RecordBatch]:
        book, rows = self._rows()
        try:
            positions = self._read_header(rows)
            yield from self._excel_batches(rows, positions, progress)
        finally:
            book.close()

    def _excel_batches(
        self, rows: Iterator[SheetRow], positions: list[int], progress: Progress
    ) -> Iterator[pa.RecordBatch]:
        batcher = _Batcher(len(positions))
        width = max(positions) + 1
        spec_index = {position: index for index, position in enumerate(positions)}
        blank_run: list[int] = []
        row = 0
        for texts, notes in rows:
            row += 1
            if not notes and all(text is None or text.strip() == "" for text in texts):
                blank_run.append(row)  # trailing blank rows of a sheet are not data
                continue
            for blank in blank_run:
                batcher.add(blank, None, "blank row", "")
            blank_run = []
            texts = texts + [None] * (width - len(texts))
            beyond = [text for text in texts[width:] if text not in (None, "")]
            if beyond:
                raw = "\t".join("" if text is None else text for text in texts)
                batcher.add(row, None, "values beyond the last named column", raw)
            else:
                cells = [f"{spec_index[c]}:{code}" for c, code in notes if c in spec_index]
                batcher.add(row, [texts[p] for p in positions], None, None, cells or None)
            if batcher.full():
                batch = batcher.flush()
                if batch is not None:
                    progress(batch.num_rows)
                    yield batch
        batch = batcher.flush()
        if batch is not None:
            progress(batch.num_rows)
            yield batch

    def size(self) -> int:
        return 0


# --- Parquet --------------------------------------------------------------------------------


class ParquetExtract:
    def __init__(self, spec: SourceSpec, path: Path) -> None:
        self.spec = spec
        self.path = path
        self.ended_with_newline = True

    def _file(self) -> pq.ParquetFile:
        try:
            return pq.ParquetFile(self.path)
        except (pa.ArrowException, OSError) as error:
            raise ExtractError(
                "The Parquet file cannot be read",
                file=self.path,
                fix="The file is damaged or not Parquet: ask the supplier to re-send it",
            ) from error

    def header(self) -> list[int]:
        return map_header(self.spec, self.path, list(self._file().schema_arrow.names))

    def batches(self, progress: Progress) -> Iterator[pa.RecordBatch]:
        parquet = self._file()
        positions = map_header(self.spec, self.path, list(parquet.schema_arrow.names))
        schema = batch_schema(len(positions))
        row = 0
        try:
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
                arrays = [pc.cast(batch.column(p), pa.string()) for p in positions]
                count = batch.num_rows
                arrays += [
                    pa.array(range(row + 1, row + count + 1), pa.int64()),
                    pa.nulls(count, pa.string()),
                    pa.nulls(count, pa.string()),
                    pa.nulls(count, pa.list_(pa.string())),
                ]
                row += count
                progress(count)
                yield pa.RecordBatch.from_arrays(arrays, schema=schema)
        except (pa.ArrowException, OSError) as error:
            raise ExtractError(
                f"The Parquet file cannot be read after row {row}", file=self.path
            ) from error

    def size(self) -> int:
        return 0


Extract = CsvExtract | ExcelExtract | ParquetExtract


def open_extract(spec: SourceSpec, path: Path) -> Extract:
    if spec.format == "csv":
        return CsvExtract(spec, path)
    if spec.format == "excel":
        return ExcelExtract(spec, path)
    return ParquetExtract(spec, path)
