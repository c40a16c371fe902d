"""The leakage guard: the only code that reads source tables for features, and the checks on it.

For each source a recipe uses, :func:`create_views` makes as-of views that hold, per child, only the
rows dated before the child's prediction date (and, where the recipe asks, recorded before it):

- ``asof_<source>_child``: rows linked to the child;
- ``asof_<source>_household``: rows linked to a household the child lived in before the prediction
  date, dated on or after the child's month of birth;
- ``asof_<source>_home``: rows linked to the child's household at the prediction date;
- ``asof_stays``: the child's stays (linkage's household episodes) begun before the prediction date;
- ``asof_cohort``: one row per child (month of birth and prediction date only);
- ``asof_outcomes_area``: per child, counts of earlier cohorts' results in the child's area and in
  the whole area, by year, for years whose results were published before the prediction date.

Features are aggregates over one view each (:mod:`bakehouse.features.catalogue`).
:func:`check_query` parses a compiled feature query with DuckDB's own parser and refuses one that
reads any relation but its view, a subquery or a table function; :func:`check_views` counts the
rows of every view dated on or after the prediction date, which must be none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb

from bakehouse.errors import BakehouseError

if TYPE_CHECKING:
    from bakehouse.recipes.schema import Condition

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_DATE_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS")
SCOPES = ("child", "household", "home")
# The views a unit has: a person's own records, their households' since birth and their home's;
# a household's own records are its home's.
UNIT_SCOPES: dict[str, tuple[str, ...]] = {
    "child": SCOPES,
    "person": SCOPES,
    "household": ("home",),
}


class LeakageError(BakehouseError):
    """A feature could read something dated on or after the prediction date."""


@dataclass(frozen=True)
class OutcomeHistory:
    """Where earlier cohorts' results are, and when a year's results become known."""

    source: str
    column: str
    positive_when: bool
    year_column: str
    known_month: int  # results of year Y are known from the end of this month of Y


@dataclass(frozen=True)
class SourceDates:
    """Which columns of a source's analysis table date its rows."""

    source: str
    event_date: str
    recorded_date: str | None = None


def name(text: str) -> str:
    """A checked, quoted SQL identifier (source and column names come from the analysis zone)."""
    if not _NAME.match(text):
        raise LeakageError(f"'{text}' is not a plain lower-case name", field=text)
    return f'"{text}"'


def columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = ? AND table_name = ? ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    return {str(column): str(kind) for column, kind in rows}


def _source_columns(
    con: duckdb.DuckDBPyConnection, schema: str, dates: SourceDates
) -> dict[str, str]:
    found = columns(con, schema, dates.source)
    if not found:
        raise LeakageError(
            f"The analysis zone has no table for source '{dates.source}'",
            field=f"sources.{dates.source}",
            fix="Ingest the source, or remove it and the features that need it from the recipe",
        )
    for role, column in (("event_date", dates.event_date), ("recorded_date", dates.recorded_date)):
        if column is None:
            continue
        if column not in found:
            raise LeakageError(
                f"Source '{dates.source}' has no column '{column}'",
                field=f"sources.{dates.source}.{role}",
                fix=f"Use one of its date columns: {_date_columns(found)}",
            )
        if found[column] not in _DATE_TYPES:
            raise LeakageError(
                f"Column '{column}' of source '{dates.source}' is {found[column]}, not a date",
                field=f"sources.{dates.source}.{role}",
                fix=f"Use one of its date columns: {_date_columns(found)}",
            )
    return found


def _date_columns(found: dict[str, str]) -> str:
    return ", ".join(column for column, kind in found.items() if kind in _DATE_TYPES) or "none"


def where_clause(alias: str, condition: Condition | None) -> tuple[str, dict[str, str]]:
    """SQL and parameters for rows whose column holds one of the condition's values (compared
    as text); ``TRUE`` without a condition."""
    if condition is None:
        return "TRUE", {}
    params = {f"where_{index}": value for index, value in enumerate(condition.values)}
    listed = ", ".join(f"${key}" for key in params)
    return f"CAST({alias}.{name(condition.column)} AS VARCHAR) IN ({listed})", params


def _filters(alias: str, dates: SourceDates, require_recorded: bool) -> str:
    """The as-of condition. This is the one place it is written."""
    event = f"CAST({alias}.{name(dates.event_date)} AS DATE)"
    condition = f"{event} < c.prediction_date"
    if require_recorded and dates.recorded_date is not None:
        recorded = f"CAST({alias}.{name(dates.recorded_date)} AS DATE)"
        condition += f" AND ({recorded} IS NULL OR {recorded} < c.prediction_date)"
    return condition


def create_views(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    sources: list[SourceDates],
    *,
    require_recorded: bool,
    scopes: tuple[str, ...] = SCOPES,
    year_starts: int = 9,
) -> list[str]:
    """Create the as-of views over ``fx_cohort`` (unit_id, prediction_date, birth_date,
    household_id) and ``fx_stays``; return their names."""
    zone = name(schema)
    views = ["asof_cohort", "asof_stays"]
    # The month of birth counted from the month the cohort's year starts (0 = its first).
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW asof_cohort AS
        SELECT unit_id, prediction_date, birth_date, birth_date AS event_date,
               (month(birth_date) - {int(year_starts)} + 12) % 12 AS birth_month_in_year
        FROM fx_cohort"""  # noqa: S608
    )
    con.execute(
        """CREATE OR REPLACE TEMP VIEW asof_stays AS
        SELECT c.unit_id, c.prediction_date, c.birth_date, s.start_date AS event_date,
               s.household_id, s.address_id, s.lsoa11cd, s.start_date, s.end_date
        FROM fx_cohort c JOIN fx_stays s USING (unit_id)
        WHERE s.start_date < c.prediction_date"""
    )
    for dates in sources:
        found = _source_columns(con, schema, dates)
        table = name(dates.source)
        keep = ", ".join(f"s.{name(column)}" for column in found)
        event = f"CAST(s.{name(dates.event_date)} AS DATE) AS event_date"
        condition = _filters("s", dates, require_recorded)
        # The record's role for its person (a benefit claim's claimant or partner, an incident's
        # victim or suspect), beside the source's own columns.
        head = f"SELECT c.unit_id, c.prediction_date, c.birth_date, {event}, l.person_role, {keep}"
        link = f"{zone}.person_links l JOIN {zone}.{table} s ON s.token = l.token"
        bodies = {
            "child": f"""{head} FROM fx_cohort c JOIN {link}
                ON l.person_id = c.person_id AND l.source = $source WHERE {condition}""",
            "household": f"""{head} FROM fx_cohort c
                JOIN (SELECT DISTINCT s0.unit_id, s0.household_id
                      FROM fx_stays s0 JOIN fx_cohort c0 USING (unit_id)
                      WHERE s0.start_date < c0.prediction_date) h USING (unit_id)
                JOIN {link} ON l.household_id = h.household_id AND l.source = $source
                WHERE {condition} AND CAST(s.{name(dates.event_date)} AS DATE) >= c.birth_date""",  # noqa: S608
            "home": f"""{head} FROM fx_cohort c JOIN {link}
                ON l.household_id = c.household_id AND l.source = $source WHERE {condition}""",
        }
        for scope, body in bodies.items():
            if scope not in scopes:
                continue
            view = f"asof_{dates.source}_{scope}"
            # DuckDB views cannot hold parameters: the source id is a checked name, inlined.
            sql = body.replace("$source", f"'{dates.source}'")
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name(view)} AS {sql}")
            views.append(view)
    return views


def create_outcome_view(
    con: duckdb.DuckDBPyConnection, schema: str, history: OutcomeHistory
) -> str:
    """``asof_outcomes_area``: results per year in the child's LSOA (``same_area``) and in the
    whole area, dated by when they were published, only those published before the prediction
    date."""
    zone = name(schema)
    column, year = name(history.column), name(history.year_column)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fx_outcome_history AS
        WITH rows AS (
          SELECT s.lsoa11cd, CAST(s.{year} AS INTEGER) AS year,
                 CAST(s.{column} = $positive AS INTEGER) AS positive
          FROM {zone}.{name(history.source)} s
          WHERE s.{column} IS NOT NULL AND s.{year} IS NOT NULL AND s.lsoa11cd IS NOT NULL)
        SELECT lsoa11cd,
               CAST(make_date(year, $month, 1) + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)
                 AS known_date,
               count(*) AS results, sum(positive) AS positives
        FROM rows GROUP BY GROUPING SETS ((lsoa11cd, year), (year))""",  # noqa: S608
        {"positive": history.positive_when, "month": history.known_month},
    )
    con.execute(
        """CREATE OR REPLACE TEMP VIEW asof_outcomes_area AS
        SELECT c.unit_id, c.prediction_date, c.birth_date, h.known_date AS event_date,
               h.lsoa11cd IS NOT NULL AS same_area, h.results, h.positives
        FROM fx_cohort c JOIN fx_outcome_history h
          ON (h.lsoa11cd = c.lsoa11cd OR h.lsoa11cd IS NULL)
        WHERE h.known_date < c.prediction_date"""
    )
    return "asof_outcomes_area"


def check_views(con: duckdb.DuckDBPyConnection, views: list[str]) -> dict[str, int]:
    """Rows per view, after checking that no row is dated on or after its prediction date."""
    rows = {}
    for view in views:
        total, late = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE event_date >= prediction_date) "  # noqa: S608
            f"FROM {name(view)}"
        ).fetchall()[0]
        if late:
            raise LeakageError(
                f"The as-of view {view} holds {late} row(s) dated on or after the prediction date",
                field=view,
                fix="The view's filter has been changed; restore it in bakehouse.features.asof",
            )
        rows[view] = int(total)
    return rows


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def check_query(con: duckdb.DuckDBPyConnection, sql: str, allowed: str, feature: str) -> None:
    """Refuse a feature query that reads anything but its as-of view ``allowed``."""
    serialised = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()[0][0]
    tree = json.loads(serialised)
    if tree.get("error"):
        raise LeakageError(
            f"Feature '{feature}' does not parse: {tree.get('error_message', 'unknown error')}",
            field=feature,
        )
    for node in _walk(tree["statements"]):
        kind = node.get("type")
        if kind == "BASE_TABLE" and node.get("table_name") != allowed:
            raise LeakageError(
                f"Feature '{feature}' reads '{node.get('table_name')}', not its view {allowed}",
                field=feature,
                fix="A feature may read only its own as-of view",
            )
        if kind in ("TABLE_FUNCTION", "SUBQUERY") or node.get("class") == "SUBQUERY":
            raise LeakageError(
                f"Feature '{feature}' uses a subquery or table function",
                field=feature,
                fix="Write the feature as an aggregate over its as-of view",
            )
