"""Build a recipe's feature matrix from the analysis zone, as of each child's prediction date."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from bakehouse.errors import WorkspaceError
from bakehouse.features import asof, cohort, labels
from bakehouse.features.catalogue import Feature

if TYPE_CHECKING:
    from bakehouse.recipes import LoadedRecipe

SCHEMA = "az"
REQUIRED_TABLES = ("person_links", "household_episodes")


@dataclass
class FeatureSet:
    """One row per child of the cohort: ids and dates (kept in the analysis zone), features,
    the outcome where known, and the fairness groups."""

    table: pa.Table
    features: list[Feature]
    as_at: date
    counts: dict[str, int]
    view_rows: dict[str, int]
    queries: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    # Per cohort, whether every unit's prediction date has passed by the extract date.
    complete: dict[int, bool] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [feature.name for feature in self.features]


def connect(analysis_db: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the analysis zone attached read-only as ``az``."""
    if not analysis_db.exists():
        raise WorkspaceError(
            "The workspace has no analysis zone", file=analysis_db, fix="Run `bakehouse ingest`"
        )
    con = duckdb.connect()
    con.execute(f"ATTACH ? AS {SCHEMA} (READ_ONLY)", [str(analysis_db)])
    tables = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ?", [SCHEMA]
        ).fetchall()
    }
    missing = [table for table in REQUIRED_TABLES if table not in tables]
    if missing:
        raise WorkspaceError(
            f"The analysis zone has no {', '.join(missing)}",
            file=analysis_db,
            fix="Run `bakehouse link` first: features need person and household ids",
        )
    return con


def feature_queries(features: list[Feature]) -> dict[str, str]:
    """One aggregate query per as-of view, computing every requested feature it serves."""
    by_view: dict[str, list[Feature]] = {}
    for feature in features:
        by_view.setdefault(feature.view, []).append(feature)
    queries = {}
    for view, items in by_view.items():
        columns = ", ".join(f"{item.sql} AS {asof.name(item.name)}" for item in items)
        queries[view] = f"SELECT unit_id, {columns} FROM {asof.name(view)} GROUP BY unit_id"  # noqa: S608
    return queries


def build_features(
    con: duckdb.DuckDBPyConnection, loaded: LoadedRecipe, *, as_at: date | None = None
) -> FeatureSet:
    """Cohort, as-of views, features, outcome and groups, in one connection (see
    :func:`connect`). ``as_at`` defaults to the latest event date in the recipe's sources."""
    started = time.perf_counter()
    recipe = loaded.recipe
    sources = recipe.sources
    household = recipe.unit == "household"
    event_dates = {source: use.event_date for source, use in sources.items()}
    if as_at is None:
        as_at = cohort.latest_event(con, SCHEMA, event_dates, date.today())
    rule = recipe.cohort
    counts = cohort.build_cohort(
        con,
        SCHEMA,
        rule=rule,
        sources=dict(sources),
        age_months=recipe.prediction_point.age_months,
        as_at=as_at,
    )
    views = asof.create_views(
        con,
        SCHEMA,
        [
            asof.SourceDates(source, use.event_date, use.recorded_date)
            for source, use in sources.items()
        ],
        require_recorded=rule.known_by_prediction_date,
        scopes=asof.UNIT_SCOPES[recipe.unit],
        year_starts=rule.school_year_starts if rule.rule == "age" else 1,
    )
    features = list(loaded.features)
    outcome = recipe.outcome
    if any(feature.scope == "outcomes" for feature in features):
        if outcome.rule != "value" or outcome.year_column is None:
            raise asof.LeakageError(
                "Area results need a recorded outcome with the year of each result",
                field="outcome.year_column",
                fix="Name the outcome's year column, or drop the area results feature",
            )
        views.append(
            asof.create_outcome_view(
                con,
                SCHEMA,
                asof.OutcomeHistory(
                    outcome.source,
                    outcome.column,
                    outcome.positive_when,
                    outcome.year_column,
                    outcome.known_month,
                ),
            )
        )
    queries = feature_queries(features)
    for view, sql in queries.items():
        asof.check_query(con, sql, view, feature=view)
    view_rows = asof.check_views(con, views)
    joins, selects = [], []
    for index, (view, sql) in enumerate(queries.items()):
        table = f"fx_v{index}"
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {sql}")
        except duckdb.Error as error:
            names = [feature.name for feature in features if feature.view == view]
            empty = f"SELECT * FROM {asof.name(view)} LIMIT 0"  # noqa: S608
            held = ", ".join(con.sql(empty).columns)
            # A binder or parser error names columns and functions; any other may quote a value.
            told = isinstance(error, duckdb.BinderException | duckdb.ParserException)
            reason = str(error).splitlines()[0] if told else type(error).__name__
            raise asof.LeakageError(
                f"The feature(s) {', '.join(names)} over {view} do not run: {reason}",
                field=f"features.{names[0]}",
                fix=f"Use only the columns the view holds: {held}",
            ) from None
        joins.append(f"LEFT JOIN {table} USING (unit_id)")
        for feature in features:
            if feature.view == view:
                column = f"{table}.{asof.name(feature.name)}"
                value = column if feature.fill is None else f"coalesce({column}, {feature.fill})"
                selects.append(f"CAST({value} AS DOUBLE) AS {asof.name(feature.name)}")
    if outcome.rule == "value":
        counts |= labels.build_value_outcome(con, SCHEMA, outcome, household=household)
    else:
        use = sources[outcome.source]
        counts |= labels.build_event_outcome(con, SCHEMA, outcome, use, as_at, household=household)
    labels.build_groups(
        con, SCHEMA, dict(recipe.fairness.groups), list(sources), household=household
    )
    group_columns = ", ".join(f"g.{asof.name(group)}" for group in recipe.fairness.groups)
    table = con.sql(
        f"""SELECT c.unit_id, c.cohort, c.lsoa11cd, c.prediction_date, {", ".join(selects)},
               o.outcome, coalesce(o.window_open, false) AS window_open, {group_columns}
        FROM fx_cohort c {" ".join(joins)}
        LEFT JOIN fx_outcome o USING (unit_id) LEFT JOIN fx_groups g USING (unit_id)
        ORDER BY c.cohort, c.unit_id"""  # noqa: S608
    ).to_arrow_table()
    return FeatureSet(
        table=table,
        features=features,
        as_at=as_at,
        counts=counts,
        view_rows=view_rows,
        queries=queries,
        seconds=time.perf_counter() - started,
        complete=cohort.complete_cohorts(rule, recipe.prediction_point.age_months, as_at, table),
    )
