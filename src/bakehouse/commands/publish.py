"""`bakehouse publish`: a disclosure-checked release from the model's predictions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from bakehouse.commands.release import SIGNING_KEY
from bakehouse.errors import ConfigError
from bakehouse.geography import AREAS

console = Console()


def publish(
    predictions: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        help="Predictions Parquet: lsoa11cd, cohort, p_outcome, observed_outcome and optionally "
        "p_outcome_draws or p_outcome_logit_se (see src/bakehouse/areas/README.md).",
    ),
    area: str = typer.Option("basildon", help=f"The area: {', '.join(sorted(AREAS))}."),
    out: Path = typer.Option(Path("data/releases"), help="Folder that holds the releases."),
    recipe: str | None = typer.Option(
        None,
        help="A recipe (name or YAML file). Its id, version and words name the release, and its "
        "area settings and publication rule apply in place of --config; the stricter of its "
        "rule and the agreements' (with --workspace) is used on each count.",
    ),
    recipe_id: str = typer.Option(
        "school-readiness",
        help="Without --recipe: the built-in recipe whose id, version and words name the "
        "release (its settings and rule do not apply).",
    ),
    as_at: str | None = typer.Option(
        None, help="The date the data were taken (YYYY-MM-DD); default today."
    ),
    iod: Path | None = typer.Option(
        None,
        exists=True,
        file_okay=False,
        help="Folder with the official IoD 2019 files (File 2 and File 6), for an area outside "
        "Essex: deprivation deciles and the shrinkage prior. Essex needs none (shipped).",
    ),
    drivers: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="Per-LSOA drivers Parquet from the model."
    ),
    recalibrations: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="Bootstrap recalibrations Parquet (intercept, slope): model uncertainty.",
    ),
    documents: Path | None = typer.Option(
        None,
        exists=True,
        file_okay=False,
        help="Folder with model_card.md/.json, transparency_record.md/.json, fairness.json, "
        "linkage_summary.json, quality_summary.json (any missing: 'not produced by this run').",
    ),
    config: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="Area settings YAML (or a recipe with areas:)."
    ),
    workspace: Path | None = typer.Option(
        None,
        exists=True,
        file_okay=False,
        help="Workspace whose agreements set the disclosure rule (the strictest applies) and "
        "whose ingest and linkage reports give the release's quality and linkage summaries.",
    ),
    replace: bool = typer.Option(False, help="Replace a release of the same id."),
    signing_key: Path | None = SIGNING_KEY,
) -> None:
    """Build a release: area estimates, disclosure control, the output checker, a manifest."""
    from bakehouse.areas.config import area_settings, load_areas_config
    from bakehouse.recipes import load_recipe
    from bakehouse.recipes.areas_section import AreasConfig
    from bakehouse.release.disclosure import DisclosureRules
    from bakehouse.release.publish import PublishOptions, rules_from_workspace, strictest_rules
    from bakehouse.release.publish import publish as run_publish
    from bakehouse.release.signing import load_signing_key

    key = load_signing_key(signing_key)  # before any work: an unsigned release is never written
    try:
        as_at_date = date.fromisoformat(as_at) if as_at else None
    except ValueError:
        raise ConfigError(
            f"'{as_at}' is not a date", field="--as-at", fix="Write it as YYYY-MM-DD"
        ) from None
    if recipe is not None:
        if config is not None:
            raise ConfigError(
                "--recipe and --config both give area settings",
                field="--config",
                fix="Leave out --config: the recipe's areas: section applies",
            )
        loaded = load_recipe(recipe, workspace)
        settings = area_settings(loaded, area, iod)
        rules = strictest_rules(workspace, loaded.recipe)
    else:
        loaded = load_recipe(recipe_id)
        settings = load_areas_config(config) if config is not None else AreasConfig()
        rules = rules_from_workspace(workspace) if workspace is not None else DisclosureRules()
    with console.status("Estimating, protecting and checking the release"):
        result = run_publish(
            PublishOptions(
                predictions=predictions,
                area=area,
                out=out,
                recipe=loaded.recipe,
                as_at=as_at_date,
                config=settings,
                rules=rules,
                iod_dir=iod,
                drivers=drivers,
                recalibrations=recalibrations,
                documents=documents,
                workspace=workspace,
                replace=replace,
                signing_key=key,
            )
        )
    console.print(
        f"Release [bold]{result.release_id}[/] written to {result.path}: {result.areas} areas, "
        f"{result.flagged} flagged, {result.withheld_counts} counts withheld, "
        f"{result.checks_passed} checks passed; signed with key {key.key_id}."
    )
