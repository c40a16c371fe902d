"""Writing an extract as a delimited text file in its agency's encoding.

Rows are rendered to UTF-8 by pyarrow's CSV writer (fast, and it quotes only where needed), then
transcoded in chunks to the agency's encoding. Legacy Windows-1252 systems cannot hold every
letter of every name: such letters are stored without their accent, as a clerk keying into
such a system would type them (Łukasz becomes Lukasz).
"""

from __future__ import annotations

import codecs
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pacsv

Encoding = Literal["utf-8", "utf-8-sig", "cp1252", "utf-16"]

_CHUNK = 1 << 22  # bytes of UTF-8 transcoded at a time


@dataclass(frozen=True)
class FileFormat:
    """How one agency writes its extract."""

    filename: str
    encoding: Encoding = "utf-8"
    delimiter: str = ","
    eol: str = "\n"
    date_format: str = "%d/%m/%Y"  # strftime; for a spreadsheet, how a person types a date

    @property
    def is_spreadsheet(self) -> bool:
        return self.filename.endswith(".xlsx")


# Letters with no decomposition to a base letter, spelled as an English keyboard would.
_PLAIN_LETTERS = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ø": "O", "ø": "o"})


def _plain(text: str) -> str:
    """``text`` without the diacritics a code page cannot hold."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _fold_unencodable(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    bad = error.object[error.start : error.end]
    return _plain(bad).encode("ascii", "replace").decode("ascii"), error.end


codecs.register_error("bakehouse-fold", _fold_unencodable)


def write_delimited(table: pa.Table, path: Path, file: FileFormat) -> None:
    """Write ``table`` (all string columns, nulls as empty fields) with a header row."""
    utf8 = io.BytesIO()
    options = pacsv.WriteOptions(delimiter=file.delimiter, eol=file.eol, quoting_header="none")
    pacsv.write_csv(table, utf8, write_options=options)
    with path.open("wb") as out:
        _transcode(utf8.getvalue(), out, file.encoding)


def _transcode(data: bytes, out: io.BufferedWriter, encoding: Encoding) -> None:
    if encoding == "utf-8":
        out.write(data)
        return
    if encoding == "utf-8-sig":
        out.write(codecs.BOM_UTF8)
        out.write(data)
        return
    # One BOM for the whole file, then little-endian chunks (what Windows "Unicode" text is).
    target = "utf-16-le" if encoding == "utf-16" else encoding
    if encoding == "utf-16":
        out.write(codecs.BOM_UTF16_LE)
    decoder = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, len(data), _CHUNK):
        final = start + _CHUNK >= len(data)
        text = decoder.decode(data[start : start + _CHUNK], final=final)
        out.write(text.encode(target, errors="bakehouse-fold"))
