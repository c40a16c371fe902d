"""`bakehouse recipes`: the built-in recipes, and checking a recipe folder before a run."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def list_recipes() -> None:
    """List the built-in recipes: id, version, unit, sources and question."""
    from bakehouse.recipes import builtin_recipes, load_recipe

    table = Table(title="Built-in recipes (`--recipe ID`; or `--recipe FOLDER` for your own)")
    for column in ("id", "version", "unit", "sources", "question"):
        table.add_column(column, overflow="fold")
    for name in builtin_recipes():
        recipe = load_recipe(name).recipe
        table.add_row(
            recipe.id,
            recipe.version,
            recipe.unit,
            ", ".join(recipe.sources),
            " ".join(recipe.question.split()),
        )
    console.print(table)


def check(
    path: Path = typer.Argument(
        ..., help="A recipe folder (holding recipe.yaml, and features.yaml if it has its own)."
    ),
) -> None:
    """Check a recipe folder as every stage will read it, reporting every problem at once:
    each section against its schema, features against the catalogue and the folder's own
    (their SQL against the leakage guard), sources, groups and the linkage settings."""
    import duckdb

    from bakehouse.features.asof import LeakageError, check_query
    from bakehouse.features.build import feature_queries
    from bakehouse.recipes import RecipeError, load_recipe

    loaded = load_recipe(path)
    problems = []
    con = duckdb.connect()
    for feature in loaded.features:
        if not feature.own:
            continue
        try:
            for view, sql in feature_queries([feature]).items():
                check_query(con, sql, view, feature=feature.name)
        except LeakageError as error:
            problems.append(error.message)
    if problems:
        raise RecipeError(
            f"{len(problems)} feature(s) refused by the leakage guard:\n  - "
            + "\n  - ".join(problems),
            file=loaded.folder / "features.yaml",
            fix="Write each feature as one aggregate over its own as-of view",
        )
    recipe = loaded.recipe
    own = sum(1 for feature in loaded.features if feature.own)
    console.print(
        f"[bold]{recipe.id}[/] version {recipe.version} is valid: a {recipe.unit} recipe "
        f"({recipe.cohort.rule} rule, {recipe.outcome.rule} outcome), "
        f"{len(recipe.sources)} sources, {len(loaded.features)} features ({own} its own), "
        f"{len(recipe.fairness.groups)} fairness groups.",
        highlight=False,
    )
