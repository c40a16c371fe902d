"""Publish: from a predictions table to a checked, versioned release folder.

The run id is the SHA-256 of everything that determines the release's content (code version,
recipe settings, disclosure rules, area, as-at date, and the bytes of every input file and of
every evaluation kept for publication), so the same inputs give the same id, and the release
id carries its first 8 characters.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bakehouse import __version__
from bakehouse.areas.counts import Geography, geography_of
from bakehouse.areas.predictions import Recalibrations, read_predictions
from bakehouse.custody.workspace import ANALYSIS
from bakehouse.errors import ConfigError, SchemaError
from bakehouse.geography import Area, load_area, official_deprivation
from bakehouse.recipes.areas_section import AreasConfig
from bakehouse.recipes.schema import Recipe, Words
from bakehouse.release.added_value import added_value_table, flagged_not_most_deprived
from bakehouse.release.differencing import Earlier, earlier_releases
from bakehouse.release.disclosure import DisclosureRules
from bakehouse.release.evaluations import KeptEvaluation, kept_evaluations
from bakehouse.release.signing import SigningKey
from bakehouse.release.summaries import LINKAGE_REPORT, QUALITY_REPORT, workspace_summaries
from bakehouse.release.tables import AreaTables, build_area_tables
from bakehouse.release.writer import (
    Documents,
    RecipeText,
    ReleaseContent,
    ReleaseInfo,
    latest_release,
    release_geometry,
    write_release,
)


@dataclass(frozen=True)
class PublishOptions:
    predictions: Path
    # The release carries the recipe's id, version, title, question, unit and words; its area
    # settings and rule come in ``config`` and ``rules``.
    recipe: Recipe
    area: str = "basildon"
    out: Path = Path("data/releases")
    as_at: date | None = None
    config: AreasConfig = field(default_factory=AreasConfig)
    rules: DisclosureRules = field(default_factory=DisclosureRules)
    iod_dir: Path | None = None
    drivers: Path | None = None
    recalibrations: Path | None = None
    documents: Path | None = None
    # A workspace whose ingest and linkage reports give the quality and linkage summaries
    # (when the documents folder holds none).
    workspace: Path | None = None
    created_at: datetime | None = None
    replace: bool = False
    # An identical release (same id: same inputs, same day) already written is kept and
    # returned, instead of refused.
    reuse: bool = False
    # Signs the manifest; the web app imports only a release signed by a key it trusts.
    signing_key: SigningKey | None = None


@dataclass(frozen=True)
class PublishResult:
    path: Path
    release_id: str
    areas: int
    flagged: int
    withheld_counts: int
    checks_passed: int
    reused: bool = False


@dataclass(frozen=True)
class BuiltTables:
    """The area tables and what they were built on: the area, its geography and boundaries."""

    area: Area
    geography: Geography
    boundaries: dict[str, Any]
    tables: AreaTables


def build_tables(
    predictions: Path,
    area_name: str,
    config: AreasConfig,
    rules: DisclosureRules,
    words: Words,
    iod_dir: Path | None = None,
    drivers: Path | None = None,
    recalibrations: Path | None = None,
    earlier: Sequence[Earlier] = (),
) -> BuiltTables:
    """Read the model's files and build the area tables under ``config`` and ``rules``: what
    `bakehouse publish` releases and `bakehouse areas` shows. ``earlier``: the releases of the
    same recipe and area already published, read beside the new one."""
    area = load_area(area_name)
    deprivation = official_deprivation(area.lsoa_codes, iod_dir)
    geography = geography_of(area, deprivation)
    boundaries = area.boundaries()
    tables = build_area_tables(
        read_predictions(predictions, _recalibrations(recalibrations)),
        geography,
        boundaries,
        config,
        rules,
        words,
        pq.read_table(drivers) if drivers is not None else None,
        earlier,
    )
    return BuiltTables(area, geography, boundaries, tables)


def publish(options: PublishOptions) -> PublishResult:
    """Build the tables, check them, and write the release; returns where it is."""
    documents = (
        Documents.from_folder(options.documents) if options.documents is not None else Documents()
    )
    if options.workspace is not None:
        linkage, quality = workspace_summaries(options.workspace, options.rules)
        documents = replace(
            documents,
            linkage_summary=documents.linkage_summary or linkage,
            quality_summary=documents.quality_summary or quality,
        )
    recipe = _recipe_settings(options)
    recipe_sha = hashlib.sha256(_canonical(recipe)).hexdigest()
    evaluations = (
        kept_evaluations(options.workspace, options.recipe.id)
        if options.workspace is not None
        else []
    )
    run_id = _run_id(options, recipe_sha, evaluations)
    built = build_tables(
        options.predictions,
        options.area,
        options.config,
        options.rules,
        options.recipe.words,
        options.iod_dir,
        options.drivers,
        options.recalibrations,
        _earlier(options, run_id),
    )
    area, geography, tables = built.area, built.geography, built.tables
    created = options.created_at or datetime.now(UTC).replace(microsecond=0)
    recipe_id = options.recipe.id
    title = f"{recipe_id.replace('-', ' ').capitalize()} in {geography.title}"
    info = ReleaseInfo(
        recipe_id=recipe_id,
        recipe_version=options.recipe.version,
        recipe_sha256=recipe_sha,
        recipe_text=RecipeText.of(options.recipe),
        run_id=run_id,
        title=title,
        area_name=area.name,
        district_codes=list(area.district_codes),
        as_at=options.as_at or created.date(),
        created_at=created,
        observed_cohorts=tables.counts.observed_cohorts,
        predicted_cohorts=tables.counts.predicted_cohorts,
        methods=tables.methods,
        previous_release=latest_release(options.out, recipe_id, area.name),
        added_value=_added_value_summary(documents.added_value),
    )
    existing = options.out / info.release_id
    if options.reuse and not options.replace and (existing / "manifest.json").is_file():
        if options.signing_key is not None:
            options.signing_key.sign_manifest(existing)
        return _existing(existing, info.release_id, tables)
    content = ReleaseContent(
        areas=tables.areas,
        trend=tables.trend,
        benchmarks=tables.benchmarks,
        drivers=tables.drivers,
        geometry=release_geometry(built.boundaries, geography.codes),
        added_value=_added_value(documents.added_value, built),
        evaluations=tuple(evaluations),
    )
    path = write_release(
        options.out,
        content,
        documents,
        info,
        options.rules,
        options.config.confidence,
        options.replace,
        signer=options.signing_key,
    )
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    withheld = len(tables.observed.reasons) + len(tables.future.reasons)
    return PublishResult(
        path=path,
        release_id=info.release_id,
        areas=tables.areas.num_rows,
        flagged=sum(bool(v) for v in tables.areas.column("flagged").to_pylist()),
        withheld_counts=withheld,
        checks_passed=sum(1 for check in manifest["checks"] if check["passed"]),
    )


def _added_value_summary(document: dict[str, Any] | None) -> dict[str, Any] | None:
    if document is None:
        return None
    return {
        "made": bool(document.get("made")),
        "model_better": document.get("model_better"),
        "sentence": str(document.get("sentence", "")),
    }


def _added_value(document: dict[str, Any] | None, built: BuiltTables) -> pa.Table | None:
    """The table of added value: the run's published comparison, and the flagged areas a
    ranking by deprivation would have missed (when deprivation was given)."""
    if document is None:
        return None
    areas = built.tables.areas
    figure = flagged_not_most_deprived(
        built.geography,
        areas.column("lsoa11cd").to_pylist(),
        areas.column("flagged").to_pylist(),
    )
    return added_value_table(document if document.get("made") else None, figure)


def _earlier(options: PublishOptions, run_id: str) -> list[Earlier]:
    """Every release of the recipe and area already in the output folder: the new one is
    protected against all of them side by side. A release of the same run (which ``--replace``
    swaps out, or reuse returns) holds the same counts and is left out."""
    return [
        release
        for release in earlier_releases(
            options.out, options.recipe.id, load_area(options.area).name
        )
        if not release.release_id.endswith(run_id[:8])
    ]


def _existing(path: Path, release_id: str, tables: AreaTables) -> PublishResult:
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    flags = pq.read_table(path / "areas.parquet", columns=["flagged"]).column("flagged")
    return PublishResult(
        path=path,
        release_id=release_id,
        areas=len(flags),
        flagged=sum(bool(v) for v in flags.to_pylist()),
        withheld_counts=len(tables.observed.reasons) + len(tables.future.reasons),
        checks_passed=sum(1 for check in manifest["checks"] if check["passed"]),
        reused=True,
    )


def strictest_rules(workspace: Path | None, recipe: Recipe) -> DisclosureRules:
    """The agreements' disclosure rule (the default rule without a workspace) or the recipe's
    publication rule, whichever is stricter on each count."""
    agreed = rules_from_workspace(workspace) if workspace is not None else DisclosureRules()
    publication = recipe.publication
    return DisclosureRules(
        threshold=max(agreed.threshold, publication.disclosure_threshold),
        rounding=max(agreed.rounding, publication.rounding),
        protection=agreed.protection,
    )


def rules_from_workspace(workspace: Path, protection: int = 3) -> DisclosureRules:
    """The strictest disclosure rule among the agreements of the sources a workspace holds."""
    database = workspace / ANALYSIS
    if not database.is_file():
        raise ConfigError(
            "No analysis zone in the workspace",
            file=database,
            fix="Run `bakehouse ingest` first, or leave out --workspace",
        )
    with duckdb.connect(str(database), read_only=True) as con:
        row = con.execute(
            "select max(disclosure_threshold), max(disclosure_rounding) from sources"
        ).fetchall()[0]
    if row[0] is None:
        raise ConfigError("The workspace lists no sources", file=database)
    return DisclosureRules(threshold=int(row[0]), rounding=int(row[1]), protection=protection)


def _recalibrations(path: Path | None) -> Recalibrations | None:
    if path is None:
        return None
    table = pq.read_table(path)
    for name in ("intercept", "slope"):
        if name not in table.column_names:
            raise SchemaError(
                "Recalibrations need columns intercept and slope", file=path, field=name
            )
    return Recalibrations(
        intercept=np.asarray(table.column("intercept").to_numpy(), dtype=np.float64),
        slope=np.asarray(table.column("slope").to_numpy(), dtype=np.float64),
    )


def _recipe_settings(options: PublishOptions) -> dict[str, Any]:
    rules = options.rules
    recipe = options.recipe
    return {
        "id": recipe.id,
        "version": recipe.version,
        **RecipeText.of(recipe).as_dict(),
        "areas": options.config.as_dict(),
        "disclosure": {
            "threshold": rules.threshold,
            "rounding": rules.rounding,
            "protection": rules.protection,
        },
    }


def _run_id(
    options: PublishOptions, recipe_sha: str, evaluations: Sequence[KeptEvaluation] = ()
) -> str:
    digest = hashlib.sha256()
    digest.update(_canonical({"code": __version__, "recipe": recipe_sha, "area": options.area}))
    digest.update(_canonical({"as_at": options.as_at.isoformat() if options.as_at else None}))
    for path in (options.predictions, options.drivers, options.recalibrations):
        digest.update(_file_digest(path))
    if options.documents is not None:
        for path in sorted(options.documents.iterdir()):
            if path.is_file():
                digest.update(path.name.encode() + _file_digest(path))
    if options.workspace is not None:
        for relative in (LINKAGE_REPORT, QUALITY_REPORT):
            path = options.workspace / relative
            digest.update(_file_digest(path if path.is_file() else None))
    # A release without evaluations keeps the id it had before they could be carried.
    for evaluation in evaluations:
        for kind, name in evaluation.release_names().items():
            digest.update(name.encode() + _file_digest(evaluation.path(kind)))
    return digest.hexdigest()


def _file_digest(path: Path | None) -> bytes:
    if path is None:
        return b"-"
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
