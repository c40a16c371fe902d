"""Earlier releases of the same recipe and area, as an attacker holds them beside a new one.

Every release of an area stays public, so a new one is read side by side with all the earlier
ones. Two things could then give a small group away:

1. **A changed count.** A past cohort's cell describes the same units in every release; if a
   unit's record is erased, or arrives late, the cell moves by one. Published values that differ
   tell that something changed, and by how little. The rule: a count describing the same
   population as a count an earlier release published (an LSOA's cohort, and LSOA, district and
   county totals over the same cohorts) is published only if it shows the same value, or if the
   two published values differ by more than the threshold even at the ends of their rounding
   intervals. Otherwise the new release withholds it (and secondary suppression and the audit
   follow as for any withheld count).
2. **Sums across releases.** An earlier release's totals over its cohorts are more sums an
   attacker can subtract. The suppressor's audit (:mod:`bakehouse.release.disclosure`) adds
   them: every earlier cell and total becomes a variable boxed by its published value, each
   earlier total the sum of its cells, and an earlier cell is the same variable as the new
   release's cell of the same LSOA and cohort when the new count is consistent with what was
   published before (what an attacker would assume). A small withheld count of the new release,
   and a withheld cell of an earlier one, must still keep ``protection`` possible values; the
   latter also when it is the same variable as a cell the new release would publish (a cohort
   withheld before and shown now), in which case the new release withholds that cell. The same
   attack is then run as anyone holding the files can, on published values alone (a cell is one
   unknown in both releases when their published values agree or either is withheld), and
   what it narrows is withheld too, or the release refused (docs/adr/0029).

This module reads the earlier releases from the output folder and states them in the new
tree's terms; it reads only published files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from bakehouse.errors import ConfigError
from bakehouse.release.disclosure import Node

Published = tuple[int | None, int | None]  # (population, events) as published


@dataclass(frozen=True)
class Earlier:
    """One earlier release, in the terms of the new release's observed tree.

    ``cells`` holds every observed LSOA-and-cohort cell it published, keyed like the new tree's
    cells (``("cell", lsoa, cohort)``); ``totals`` every LSOA, district and county total, keyed
    like the new tree's, with the cells it adds up. A total describes the same units as the
    new tree's node of the same key when the two releases observe the same ``cohorts``."""

    release_id: str
    cohorts: tuple[int, ...]
    cells: dict[Node, Published]
    totals: list[tuple[Node, Published, list[Node]]] = field(default_factory=list)


def earlier_releases(out: Path, recipe_id: str, area_name: str) -> list[Earlier]:
    """Every complete release of ``recipe_id`` for ``area_name`` in ``out``, oldest first."""
    found: list[tuple[str, Earlier]] = []
    if not out.is_dir():
        return []
    for manifest_path in sorted(out.glob(f"{recipe_id}-*/manifest.json")):
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if manifest.get("area", {}).get("name") != area_name:
            continue
        release_id = str(manifest.get("release_id"))
        names = _NAMES.get(manifest.get("format_version"))
        if names is None:
            raise ConfigError(
                f"An earlier release of the recipe is in format {manifest.get('format_version')}, "
                "which this version of Bakehouse cannot read to protect the new one against "
                "differencing",
                file=manifest_path,
                fix="Publish into a folder holding only releases this version wrote, or upgrade",
            )
        earlier = _read(manifest_path.parent, release_id, names)
        found.append((str(manifest.get("created_at", "")), earlier))
    return [earlier for _, earlier in sorted(found, key=lambda item: item[0])]


# Per release format, the names of the trend's and the areas' observed counts (population, events).
_NAMES = {
    1: ("children", "not_gld", "observed_children", "observed_not_gld"),
    2: ("population", "events", "observed_population", "observed_events"),
}


def _read(folder: Path, release_id: str, names: tuple[str, str, str, str]) -> Earlier:
    population, events, observed_population, observed_events = names
    cells: dict[Node, Published] = {}
    by_lsoa: dict[str, list[Node]] = {}
    for row in pq.read_table(folder / "trend.parquet").to_pylist():
        if row["kind"] != "observed":
            continue
        node: Node = ("cell", row["lsoa11cd"], str(row["cohort"]))
        cells[node] = (row[population], row[events])
        by_lsoa.setdefault(row["lsoa11cd"], []).append(node)
    cohorts = tuple(sorted({int(node[2]) for node in cells}))
    totals: list[tuple[Node, Published, list[Node]]] = []
    by_district: dict[str, list[Node]] = {}
    for row in pq.read_table(folder / "areas.parquet").to_pylist():
        code = row["lsoa11cd"]
        value = (row[observed_population], row[observed_events])
        lsoa_cells = by_lsoa.get(code, [])
        totals.append((("lsoa", code), value, lsoa_cells))
        by_district.setdefault(row["lad_code"], []).extend(lsoa_cells)
    county_cells: list[Node] = []
    county: tuple[Node, Published] | None = None
    for row in pq.read_table(folder / "benchmarks.parquet").to_pylist():
        if row["measure"] != "observed_rate":
            continue
        node = (row["level"], row["code"])
        value = (row["denominator"], _implied(row["value"], row["denominator"]))
        if row["level"] == "district":
            members = by_district.get(row["code"], [])
            totals.append((node, value, members))
            county_cells += members
        else:
            county = (node, value)
    if county is not None:
        totals.append((county[0], county[1], county_cells))
    return Earlier(release_id, cohorts, cells, totals)


def _implied(rate: float | None, denominator: int | None) -> int | None:
    """The numerator a benchmark's published rate and denominator imply."""
    if rate is None or denominator is None:
        return None
    return round(rate * denominator)
