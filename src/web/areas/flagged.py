"""The areas that could use additional support for one recipe: the list, its orders, and its
download. Each download is an export, recorded in the governance log with who took it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from web.accounts.models import User
from web.areas.measures import MEASURES
from web.areas.services import profile_url, release_areas
from web.governance.models import Action
from web.governance.services import record_event
from web.releases.cache import per_release
from web.releases.figures import Figure
from web.releases.models import Area, Release
from web.releases.recipes import RecipeWords


@dataclass(frozen=True)
class FlaggedRow:
    code: str
    name: str
    url: str
    rank: Figure
    expected_number: Figure
    expected_rate: Figure
    observed_rate: Figure
    deprivation: Figure
    # For ordering: numbers, with None last whichever way.
    sort_values: dict[str, Any]


@dataclass(frozen=True)
class SortColumn:
    key: str
    label: str  # a template filled with the recipe's words
    # The order a first click gives: most need first.
    descending_first: bool


SORT_COLUMNS = (
    SortColumn("name", "Area", descending_first=False),
    SortColumn("rank", "Rank of need", descending_first=False),
    SortColumn("expected_number", "Expected number of {events}", descending_first=True),
    SortColumn("expected_rate", "Expected {event_rate}", descending_first=True),
    SortColumn("observed_rate", "Past {event_rate}", descending_first=True),
    SortColumn("deprivation", "Deprivation decile", descending_first=False),
)
SORT_KEYS = {column.key: column for column in SORT_COLUMNS}
DEFAULT_SORT = "rank"


@dataclass(frozen=True)
class SortHeader:
    label: str
    query: str  # the query string that orders by this column
    aria_sort: str  # "ascending", "descending" or "" when not the order


def sort_headers(current: str, descending: bool, words: RecipeWords) -> list[SortHeader]:
    """Column headings as links: a click orders by the column, a second reverses it."""
    headers = []
    for column in SORT_COLUMNS:
        if column.key == current:
            order = "asc" if descending else "desc"
            aria = "descending" if descending else "ascending"
        else:
            order = "desc" if column.descending_first else "asc"
            aria = ""
        label = column.label.format(events=words.events, event_rate=words.event_rate)
        headers.append(SortHeader(label, f"?sort={column.key}&order={order}", aria))
    return headers


def flagged_rows(release: Release) -> list[FlaggedRow]:
    """The flagged areas of the release, by code."""
    return per_release(release, "flagged", lambda: _rows(release))


def _rows(release: Release) -> list[FlaggedRow]:
    areas = release_areas(release)
    count = len(areas)
    words = release.words

    def text(key: str, area: Area) -> Figure:
        return MEASURES[key].figure(area, count, words)

    return [
        FlaggedRow(
            code=area.lsoa11cd,
            name=area.lsoa11nm,
            url=profile_url(release.recipe, area.lsoa11cd),
            rank=text("rank", area),
            expected_number=text("expected_events", area),
            expected_rate=text("expected_rate", area),
            observed_rate=text("observed_rate", area),
            deprivation=text("imd_decile", area),
            sort_values={
                "name": area.lsoa11nm,
                "rank": area.rank,
                "expected_number": area.expected_events,
                "expected_rate": area.expected_rate,
                "observed_rate": area.observed_rate,
                "deprivation": area.imd_decile,
            },
        )
        for area in areas
        if area.flagged
    ]


def sorted_rows(rows: list[FlaggedRow], key: str, descending: bool) -> list[FlaggedRow]:
    """``rows`` ordered by ``key``; areas without a published value come last."""
    present = [row for row in rows if row.sort_values[key] is not None]
    missing = [row for row in rows if row.sort_values[key] is None]
    ordered = sorted(present, key=lambda row: (row.sort_values[key], row.name), reverse=descending)
    return ordered + sorted(missing, key=lambda row: row.name)


# The download.

CSV_COLUMNS: tuple[tuple[str, Callable[[Area], Any]], ...] = (
    ("lsoa11cd", lambda area: area.lsoa11cd),
    ("lsoa11nm", lambda area: area.lsoa11nm),
    ("msoa11nm", lambda area: area.msoa11nm),
    ("lad_name", lambda area: area.lad_name),
    ("rank", lambda area: area.rank),
    ("rank_low", lambda area: area.rank_low),
    ("rank_high", lambda area: area.rank_high),
    ("expected_events", lambda area: area.expected_events),
    ("expected_low", lambda area: area.expected_low),
    ("expected_high", lambda area: area.expected_high),
    ("future_population", lambda area: area.future_population),
    ("expected_rate", lambda area: area.expected_rate),
    ("expected_rate_low", lambda area: area.expected_rate_low),
    ("expected_rate_high", lambda area: area.expected_rate_high),
    ("observed_rate", lambda area: area.observed_rate),
    ("observed_low", lambda area: area.observed_low),
    ("observed_high", lambda area: area.observed_high),
    ("observed_events", lambda area: area.observed_events),
    ("observed_population", lambda area: area.observed_population),
    ("observed_suppressed", lambda area: area.observed_suppressed),
    ("imd_decile", lambda area: area.imd_decile),
    ("vs_district", lambda area: area.vs_district),
    ("vs_county", lambda area: area.vs_county),
    ("hotspot", lambda area: area.hotspot),
    ("hotspot_p", lambda area: area.hotspot_p),
    ("flag_reasons", lambda area: area.flag_reasons),
)
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return "" if value is None else value


def csv_filename(release: Release) -> str:
    return f"areas-that-could-use-support-{release.id}.csv"


def export_flagged_csv(release: Release, rows: list[FlaggedRow], actor: User | None) -> str:
    """The flagged areas, in the order of ``rows``, as CSV (figures with their intervals and
    denominators, release named in each row); records the export."""
    by_code = {area.lsoa11cd: area for area in release_areas(release)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["release_id", *(name for name, _ in CSV_COLUMNS)])
    for row in rows:
        area = by_code[row.code]
        writer.writerow([release.id, *(_cell(value(area)) for _, value in CSV_COLUMNS)])
    record_event(
        Action.DATA_EXPORTED,
        actor=actor,
        subject=release,
        detail={"download": csv_filename(release), "recipe": release.recipe, "rows": len(rows)},
    )
    return out.getvalue()
