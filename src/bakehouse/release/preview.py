"""The areas stage of a recipe: the release's area tables built from the latest model run and
written into the workspace, for analysts to read before anything is published.

`bakehouse areas` writes them under ``areas/<recipe id>/<model run>/``; `bakehouse publish` and
`bakehouse run` build the same tables into a release. The settings come from the recipe: its
``areas:`` section and its ``publication:`` rule, made stricter by any agreement of the
workspace's sources. It sits in the release package, above the estimates (``bakehouse.areas``),
because it protects them as a release does: the estimates never import the release.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bakehouse.areas.config import area_settings
from bakehouse.custody.workspace import AREAS, LATEST, MODELS
from bakehouse.errors import ConfigError
from bakehouse.ingest.progress import Reporter, SilentReporter
from bakehouse.recipes.areas_section import AreasConfig
from bakehouse.recipes.loader import LoadedRecipe
from bakehouse.recipes.schema import Words
from bakehouse.release.disclosure import DisclosureRules
from bakehouse.release.publish import build_tables, strictest_rules
from bakehouse.release.tables import AreaTables

TABLES = ("areas", "trend", "benchmarks", "drivers")


def latest_model_run(workspace: Path, recipe_id: str) -> tuple[str, Path]:
    """The id and folder of the model run the areas stage should read."""
    pointer = workspace / MODELS / recipe_id / LATEST
    if not pointer.is_file():
        raise ConfigError(
            "No model run in the workspace",
            file=pointer,
            fix=f"Run `bakehouse train --recipe {recipe_id}` first",
        )
    latest = json.loads(pointer.read_text(encoding="utf-8"))
    return str(latest["run_id"]), workspace / latest["folder"]


@dataclass(frozen=True)
class AreasResult:
    folder: Path
    model_run_id: str
    tables: AreaTables
    settings: AreasConfig
    rules: DisclosureRules
    words: Words


def estimate_areas(
    workspace: Path,
    loaded: LoadedRecipe,
    area: str = "basildon",
    iod_dir: Path | None = None,
    reporter: Reporter | None = None,
) -> AreasResult:
    """Build the area tables from the latest model run and write them into the workspace."""
    reporter = reporter or SilentReporter()
    settings = area_settings(loaded, area, iod_dir, reporter)
    rules = strictest_rules(workspace, loaded.recipe)
    run_id, run_folder = latest_model_run(workspace, loaded.recipe.id)
    reporter.start("small-area estimates, intervals, shrinkage, ranks and hotspots", 1)
    tables = build_tables(
        run_folder / "predictions.parquet",
        area,
        settings,
        rules,
        loaded.recipe.words,
        iod_dir,
        drivers=run_folder / "area_contributions.parquet",
    ).tables
    outside = tables.methods["units_outside_area"]
    if outside["count"] or outside["suppressed"]:
        shown = "a few" if outside["suppressed"] else f"about {outside['count']}"
        units = loaded.recipe.words.units
        reporter.note(f"{shown} {units} lived outside {area} at the prediction point: left out")
    folder = workspace / AREAS / loaded.recipe.id / run_id[:16]
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        table: pa.Table = getattr(tables, name)
        pq.write_table(table, folder / f"{name}.parquet")
    methods: dict[str, Any] = {"model_run": run_id, "area": area, **tables.methods}
    (folder / "methods.json").write_text(json.dumps(methods, indent=1) + "\n", "utf-8")
    reporter.finish()
    return AreasResult(folder, run_id, tables, settings, rules, loaded.recipe.words)
