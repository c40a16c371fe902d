"""ORUK as CSV tables (the standard's tabular data package): one file per table, a row per
record, links by ``*_id`` columns.

Cells are text; each is read as the type the table's schema gives its column (a number, a
whole number, true or false) and empty cells are left out, so a row is checked and stored like
a JSON record of its table. A file for a table the register does not hold (``programs.csv``)
is read too, and its rows are refused and counted, never dropped unseen.
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

from web.assets.export import added_records, public_records
from web.assets.feeds import Feed, FeedRefused, read_json_feed
from web.assets.models import FeedFormat
from web.assets.records import KINDS
from web.assets.schemas import load_schema

# Parents before the rows that point at them.
TABLE_ORDER = (
    "organization",
    "taxonomy",
    "taxonomy_term",
    "service",
    "location",
    "service_at_location",
    "contact",
    "phone",
    "address",
    "schedule",
    "cost_option",
    "funding",
    "language",
    "accessibility",
    "service_area",
    "organization_identifier",
    "attribute",
)


@cache
def _columns(kind: str) -> dict[str, str]:
    """Column name -> JSON type, in the order the table's schema lists them."""
    properties = load_schema(f"{kind}.json")["properties"]
    return {
        name: str(spec.get("type", "string"))
        for name, spec in properties.items()
        if spec.get("type") not in {"array", "object"}
    }


@cache
def file_names() -> dict[str, str]:
    """Table file name (``services.csv``) -> table, from each schema's ``path``."""
    return {load_schema(f"{kind}.json")["path"]: kind for kind in TABLE_ORDER}


def table_for(name: str) -> str | None:
    """The table a CSV file holds, by the standard's file name or the table's own name in the
    singular or plural (``address.csv``, ``addresses.csv``)."""
    stem = Path(name).stem.lower()
    if f"{stem}.csv" in file_names():
        return file_names()[f"{stem}.csv"]
    for kind in TABLE_ORDER:
        if stem in {kind, f"{kind}s", f"{kind}es", f"{kind[:-1]}ies"}:
            return kind
    return None


def _cell(text: str, json_type: str) -> Any:
    try:
        if json_type == "integer":
            return int(text)
        if json_type == "number":
            number = float(text)
            return int(number) if number.is_integer() and "." not in text else number
        if json_type == "boolean" and text.lower() in {"true", "false"}:
            return text.lower() == "true"
    except ValueError:
        pass
    return text


def read_csv_table(data: bytes, source: str) -> Feed:
    kind = table_for(source)
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as error:
        raise FeedRefused(source, f"is not a CSV table ({error})", "Save it as UTF-8 CSV") from None
    types = _columns(kind) if kind is not None else {}
    records: list[Any] = [
        {
            column: _cell(value, types.get(column, "string"))
            for column, value in row.items()
            if isinstance(column, str) and isinstance(value, str) and value != ""
        }
        for row in rows
    ]
    return Feed(source, kind, records, FeedFormat.CSV)


def read_csv_folder(folder: Path) -> list[Feed]:
    """Every ``*.csv`` table in ``folder``, parents first, tables the register lacks last."""
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise FeedRefused(str(folder), "holds no .csv table", "Give the folder of ORUK tables")
    feeds = [read_csv_table(path.read_bytes(), str(path)) for path in files]
    rank = {kind: position for position, kind in enumerate(TABLE_ORDER)}
    return sorted(feeds, key=lambda feed: rank.get(feed.kind or "", len(rank)))


def write_csv_tables(out: Path) -> dict[str, int]:
    """The public register as the standard's CSV files, with what the JSON feeds add to it (the
    marks of services at confidential places); returns rows written per file."""
    written = {}
    for kind in TABLE_ORDER:
        columns = list(_columns(kind))
        rows = [_row(kind, record) for record in public_records(kind).order_by("pk")]
        rows.extend(
            {key: _text(value) for key, value in added.items()} for added in added_records(kind)
        )
        extra = sorted({key for row in rows for key in row} - set(columns))
        name = load_schema(f"{kind}.json")["path"]
        with (out / name).open("w", encoding="utf-8", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=columns + extra)
            writer.writeheader()
            writer.writerows(rows)
        written[name] = len(rows)
    return written


def _row(kind: str, record: Any) -> dict[str, str]:
    values: dict[str, Any] = {}
    for feed_field, attribute in KINDS[kind].links.items():
        target = getattr(record, f"{attribute}_id")
        if target is not None:
            values[feed_field] = target
    if kind == "attribute":
        values["link_id"] = record.link_id
    values.update(record.fields)
    return {key: _text(value) for key, value in values.items()}


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def read_feed_file(data: bytes, name: str, kind: str | None = None) -> Feed:
    """One uploaded file: a CSV table when its name ends in .csv, otherwise a JSON feed of
    ``kind`` (by default the kind its name says)."""
    if name.lower().endswith(".csv"):
        return read_csv_table(data, name)
    return read_json_feed(data, name, kind)
