"""What the model learns and is audited by, which may be recorded after the prediction date:
the outcome, and the group attributes of the fairness audit. Neither is ever a feature.

- ``fx_outcome`` (unit_id, outcome, window_open): the recipe's outcome. A recorded ``value`` is
  taken only from the row for the unit's own cohort (a row for another year is a linkage or
  date of birth error, and is counted, not used). An ``event`` counts when one of the unit's
  rows of the source is dated in the window after the prediction date; a unit whose window has
  not closed by the extract date has no outcome yet (``window_open``).
- ``fx_groups`` (unit_id, one column per group of the recipe): the groups of the fairness audit,
  from records of any date.

A unit's rows are those linked to the person (the age rule) or to the household (the others).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import duckdb

from bakehouse.features.asof import columns, name, where_clause

if TYPE_CHECKING:
    from bakehouse.recipes.schema import EventOutcome, GroupSpec, SourceUse, ValueOutcome

DERIVED_DESCRIPTIONS: dict[str, str] = {
    "sex": "Sex as recorded by services (any record)",
    "ethnicity": "Ethnicity (DfE major group) from the school census",
    "eal": "English as an additional language, from the school census",
    "sen": "Special educational needs (SEN support or an EHC plan) at any school census",
    "deprivation_quintile": "Quintile of the area's share of the cohort in households "
    "claiming housing benefit or council tax reduction (1 = most deprived)",
    "linkage_completeness": "How many services' records were linked to the unit before the "
    "prediction date (none, one, two or more)",
}


def _link(household: bool) -> str:
    """The join condition from a person_links row ``l`` to a cohort row ``c``."""
    return "l.household_id = c.household_id" if household else "l.person_id = c.person_id"


def build_value_outcome(
    con: duckdb.DuckDBPyConnection, schema: str, outcome: ValueOutcome, *, household: bool
) -> dict[str, int]:
    """Make ``fx_outcome``; count results kept and results from another year (dropped)."""
    zone = name(schema)
    found = columns(con, schema, outcome.source)
    year = outcome.year_column
    same_year = "TRUE"
    if year is not None and year in found:
        same_year = f"CAST(s.{name(year)} AS INTEGER) = c.cohort"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fx_outcome_rows AS
        SELECT c.unit_id, s.{name(outcome.column)} = $positive AS outcome, {same_year} AS same_year
        FROM fx_cohort c JOIN {zone}.person_links l ON {_link(household)}
        JOIN {zone}.{name(outcome.source)} s ON s.token = l.token
        WHERE l.source = $source AND s.{name(outcome.column)} IS NOT NULL""",  # noqa: S608
        {"positive": outcome.positive_when, "source": outcome.source},
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE fx_outcome AS
        WITH counted AS (SELECT unit_id, outcome, count(*) AS n FROM fx_outcome_rows
                         WHERE same_year GROUP BY ALL)
        SELECT unit_id, arg_min(outcome, (-n, outcome)) AS outcome, false AS window_open
        FROM counted GROUP BY 1"""
    )
    kept, other = con.execute(
        "SELECT (SELECT count(*) FROM fx_outcome), (SELECT count(DISTINCT unit_id) FROM "
        "fx_outcome_rows WHERE NOT same_year AND unit_id NOT IN (SELECT unit_id FROM "
        "fx_outcome))"
    ).fetchall()[0]
    return {"outcomes": int(kept), "outcomes_other_year": int(other)}


def build_event_outcome(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    outcome: EventOutcome,
    use: SourceUse,
    as_at: date,
    *,
    household: bool,
) -> dict[str, int]:
    """Make ``fx_outcome``: an event in the window [prediction date, + ``within_months``)."""
    zone = name(schema)
    condition, values = where_clause("s", outcome.where)
    event = f"CAST(s.{name(use.event_date)} AS DATE)"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fx_outcome AS
        WITH windows AS (
          SELECT unit_id, household_id, person_id, prediction_date,
                 CAST(prediction_date + to_months($within) AS DATE) AS closes
          FROM fx_cohort),
        hits AS (
          SELECT DISTINCT c.unit_id FROM windows c
          JOIN {zone}.person_links l ON {_link(household)} AND l.source = $source
          JOIN {zone}.{name(outcome.source)} s ON s.token = l.token
          WHERE {event} >= c.prediction_date AND {event} < c.closes AND {event} <= $as_at
            AND {condition})
        SELECT w.unit_id,
               CASE WHEN h.unit_id IS NOT NULL THEN true
                    WHEN w.closes <= $as_at THEN false END AS outcome,
               w.closes > $as_at AS window_open
        FROM windows w LEFT JOIN hits h USING (unit_id)""",  # noqa: S608
        {
            **values,
            "within": outcome.within_months,
            "source": outcome.source,
            "as_at": as_at,
        },
    )
    known, positive, waiting = con.execute(
        "SELECT count(outcome), count(*) FILTER (WHERE outcome), count(*) FILTER (WHERE "
        "window_open) FROM fx_outcome"
    ).fetchall()[0]
    return {"outcomes": int(known), "events": int(positive), "windows_open": int(waiting)}


def _mode_of(
    con: duckdb.DuckDBPyConnection, schema: str, sources: list[str], column: str, household: bool
) -> str:
    """SQL for each unit's most frequent value of ``column`` across ``sources`` (a tie goes to
    the first value in sort order, so that reruns agree)."""
    zone = name(schema)
    parts = [
        f"SELECT token, CAST({name(column)} AS VARCHAR) AS value "  # noqa: S608
        f"FROM {zone}.{name(source)}"
        for source in sources
        if column in columns(con, schema, source)
    ]
    if not parts:
        return "SELECT unit_id, NULL AS value FROM fx_cohort"
    return f"""SELECT unit_id, arg_min(value, (-n, value)) AS value FROM (
          SELECT c.unit_id, v.value, count(*) AS n
          FROM fx_cohort c JOIN {zone}.person_links l ON {_link(household)}
          JOIN ({" UNION ALL ".join(parts)}) v USING (token)
          WHERE v.value IS NOT NULL GROUP BY ALL) GROUP BY 1"""  # noqa: S608


def _derived(
    con: duckdb.DuckDBPyConnection, schema: str, group: str, sources: list[str], household: bool
) -> str:
    """SQL (unit_id, value) for a group Bakehouse derives."""
    zone = name(schema)
    education = (
        ["education"] if "education" in sources and columns(con, schema, "education") else []
    )
    if group == "sex":
        return _mode_of(con, schema, sources, "sex", household)
    if group == "ethnicity":
        return _mode_of(con, schema, education, "ethnicity", household)
    if group == "eal":
        mode = _mode_of(con, schema, education, "first_language", household)
        return f"""SELECT unit_id, CASE WHEN value IS NULL THEN NULL WHEN value = 'ENG' THEN 'no'
                   ELSE 'yes' END AS value FROM ({mode})"""  # noqa: S608
    if group == "sen":
        if not education:
            return "SELECT unit_id, NULL AS value FROM fx_cohort"
        return f"""SELECT c.unit_id,
              CASE WHEN bool_or(e.sen_provision IN ('K', 'E')) THEN 'yes' ELSE 'no' END AS value
            FROM fx_cohort c JOIN {zone}.person_links l ON {_link(household)}
            JOIN {zone}.education e USING (token)
            WHERE e.sen_provision IS NOT NULL GROUP BY 1"""  # noqa: S608
    if group == "deprivation_quintile":
        if "benefits" not in sources:
            return "SELECT unit_id, NULL AS value FROM fx_cohort"
        return """WITH units AS (
              SELECT c.unit_id, c.lsoa11cd,
                     EXISTS (SELECT 1 FROM asof_benefits_home b WHERE b.unit_id = c.unit_id
                             AND (b.claim_end IS NULL OR b.claim_end >= b.prediction_date))
                       AS claiming
              FROM fx_cohort c),
            areas AS (SELECT lsoa11cd, avg(CAST(claiming AS DOUBLE)) AS share, count(*) AS n
                      FROM units GROUP BY 1),
            ranked AS (SELECT lsoa11cd, 1 + CAST(floor(5 * (sum(n) OVER (ORDER BY share DESC,
                              lsoa11cd) - n) / sum(n) OVER ()) AS INTEGER) AS quintile
                       FROM areas)
            SELECT u.unit_id, CAST(r.quintile AS VARCHAR) AS value
            FROM units u JOIN ranked r USING (lsoa11cd)"""
    # linkage_completeness: the services whose records were linked to the unit before the date
    scope = "home" if household else "child"
    own = " UNION ".join(
        f"SELECT unit_id, '{source}' AS source FROM asof_{source}_{scope}"  # noqa: S608
        for source in sources
    )
    return f"""SELECT c.unit_id,
          CASE WHEN count(DISTINCT o.source) = 0 THEN '0'
               WHEN count(DISTINCT o.source) = 1 THEN '1' ELSE '2+' END AS value
        FROM fx_cohort c LEFT JOIN ({own}) o USING (unit_id) GROUP BY 1"""  # noqa: S608


def build_groups(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    groups: dict[str, GroupSpec],
    sources: list[str],
    *,
    household: bool,
) -> None:
    """Make ``fx_groups``, one column per group of the recipe. A group no record carries is
    ``unknown``."""
    selects, joins = [], []
    for index, (group, spec) in enumerate(groups.items()):
        if spec.source is not None and spec.column is not None:
            sql = _mode_of(con, schema, [spec.source], spec.column, household)
        else:
            sql = _derived(con, schema, group, sources, household)
        alias = f"g{index}"
        selects.append(f"coalesce({alias}.value, 'unknown') AS {name(group)}")
        joins.append(f"LEFT JOIN ({sql}) {alias} USING (unit_id)")
    sql = f"SELECT c.unit_id, {', '.join(selects)} FROM fx_cohort c {' '.join(joins)}"  # noqa: S608
    con.execute(f"CREATE OR REPLACE TEMP TABLE fx_groups AS {sql}")


def describe_group(group: str, spec: GroupSpec) -> str:
    """The group attribute in words, for the model card."""
    if spec.description:
        return spec.description
    if spec.source is not None:
        return f"The most frequent {spec.column} on the {spec.source} records (any date)"
    return DERIVED_DESCRIPTIONS[group]
