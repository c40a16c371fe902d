"""Turning values into the text an agency's file holds: dates in its format, codes, addresses.

Every function takes numpy or Arrow values and returns an Arrow string array with nulls for
empty fields, so that a source module reads as a list of its columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bakehouse.world.extracts.places import Address
from bakehouse.world.names import SUFFIX_ABBREVIATIONS

MONTH_ABBREVIATIONS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def _arrow(values: np.ndarray | pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    return values if isinstance(values, pa.Array) else pa.array(values, from_pandas=True)


def text(values: np.ndarray | pa.Array | pa.ChunkedArray) -> pa.Array:
    """Values as strings; None and empty strings become null (an empty field)."""
    array = _arrow(values)
    if not pa.types.is_string(array.type):
        array = array.cast(pa.string())
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


# Where each strftime field sits in Arrow's ISO text of a timestamp, "YYYY-MM-DD HH:MM:SS".
_ISO_FIELDS = {"%Y": (0, 4), "%m": (5, 7), "%d": (8, 10), "%H": (11, 13), "%M": (14, 16)}
_FIELD = re.compile(r"(%[YmdHMb])")


def dates(values: np.ndarray | pa.Array | pa.ChunkedArray, date_format: str) -> pa.Array:
    """Dates (or timestamps) in an strftime format using %Y %m %d %H %M and %b (English month
    abbreviation). Built by slicing ISO text, which is several times faster than strftime."""
    array = _arrow(values)
    if not pa.types.is_timestamp(array.type):
        array = array.cast(pa.date32()).cast(pa.timestamp("s"))
    iso = array.cast(pa.timestamp("s")).cast(pa.string())
    parts: list[pa.Array | str] = []
    for piece in _FIELD.split(date_format):
        if piece == "%b":
            month = pc.subtract(pc.cast(pc.utf8_slice_codeunits(iso, 5, 7), pa.int32()), 1)
            parts.append(pc.take(pa.array(MONTH_ABBREVIATIONS), month))
        elif piece in _ISO_FIELDS:
            parts.append(pc.utf8_slice_codeunits(iso, *_ISO_FIELDS[piece]))
        elif piece:
            parts.append(piece)
    return pc.binary_join_element_wise(*parts, "")


def format_date_parts(year: int, month: int, day: int, date_format: str) -> str:
    """A (possibly impossible) day written in ``date_format``, as a person would type it."""
    written = date_format.replace("%d", f"{day:02d}").replace("%m", f"{month:02d}")
    written = written.replace("%Y", f"{year:04d}").replace("%H", "00").replace("%M", "00")
    return written.replace("%b", MONTH_ABBREVIATIONS[month - 1])


def codes(values: np.ndarray | pa.Array, mapping: Mapping[Any, str]) -> pa.Array:
    """Each value's code in the agency's own vocabulary (unmapped values become null)."""
    keys = list(mapping)
    position = pc.index_in(_arrow(values), value_set=pa.array(keys))
    return pc.take(pa.array(list(mapping.values()), pa.string()), position)


def flags(values: np.ndarray | pa.Array, true: str = "Y", false: str = "N") -> pa.Array:
    """Booleans as the agency's flag letters (null stays null)."""
    return codes(values, {True: true, False: false})


def join(*parts: pa.Array, sep: str = " ") -> pa.Array:
    """Parts joined with ``sep``, skipping null parts; null when every part is null."""
    # Not null_handling="skip": pyarrow 26 drops rows whose parts are all null with it.
    joined = text(parts[0])
    for part in parts[1:]:
        part = text(part)
        both = pc.binary_join_element_wise(joined, part, sep)
        joined = pc.coalesce(both, joined, part)
    return joined


def upper(values: pa.Array) -> pa.Array:
    return pc.utf8_upper(values)


def street_line(address: Address) -> pa.Array:
    """ "12 Rectory Road"."""
    return join(text(address.house_number), text(address.street))


def street_and_town(address: Address, sep: str = ", ") -> pa.Array:
    """ "12 Rectory Road, Basildon"."""
    return join(street_line(address), text(address.town), sep=sep)


def abbreviated_line(address: Address) -> pa.Array:
    """ "12 RECTORY RD BASILDON SS14 1AA": the one-line style of systems that abbreviate."""
    street = per_distinct(text(address.street), _abbreviate_street)
    line = join(text(address.house_number), street, text(address.town), text(address.postcode))
    return upper(line)


def _abbreviate_street(street: str) -> str:
    stem, _, suffix = street.rpartition(" ")
    return (
        f"{stem} {SUFFIX_ABBREVIATIONS[suffix]}"
        if stem and suffix in SUFFIX_ABBREVIATIONS
        else street
    )


def per_distinct(values: pa.Array, how: Callable[[str], str]) -> pa.Array:
    """``how`` applied to each distinct value once (a county has millions of rows but only
    thousands of streets), then spread back over the rows."""
    distinct = pc.unique(values.drop_null())
    mapped = pa.array([how(v) for v in distinct.to_pylist()], pa.string())
    return pc.take(mapped, pc.index_in(values, value_set=distinct))


def slice_text(values: pa.Array, start: int, stop: int) -> pa.Array:
    """Characters ``start`` to ``stop`` of each value."""
    return pc.utf8_slice_codeunits(values, start=start, stop=stop)
