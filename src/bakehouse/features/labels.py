"""What the model learns and is audited by, which may be recorded after the prediction date:
the outcome, and the group attributes of the fairness audit. Neither is ever a feature.

- ``fx_outcome`` (child_id, outcome): the recipe's outcome from the child's own records, taken
  only from the row for the child's own cohort (a row for another year is a linkage or date of
  birth error, and is counted, not used).
- ``fx_groups`` (child_id, sex, ethnicity, eal, sen, linkage_completeness,
  deprivation_quintile): the groups of the fairness audit, from records of any date.
"""

from __future__ import annotations

import duckdb

from bakehouse.features.asof import columns, name

GROUP_ATTRIBUTES: dict[str, str] = {
    "sex": "Sex as recorded by services (any record)",
    "ethnicity": "Ethnicity (DfE major group) from the school census",
    "eal": "English as an additional language, from the school census",
    "sen": "Special educational needs (SEN support or an EHC plan) at any school census",
    "deprivation_quintile": "Quintile of the area's share of young children in households "
    "claiming housing benefit or council tax reduction (1 = most deprived)",
    "linkage_completeness": "How many services' records were linked to the child before the "
    "prediction date (none, one, two or more)",
}


def build_outcome(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    *,
    source: str,
    column: str,
    positive_when: bool,
    year_column: str | None,
) -> dict[str, int]:
    """Make ``fx_outcome``; count results kept and results from another year (dropped)."""
    zone = name(schema)
    found = columns(con, schema, source)
    same_year = f"CAST(s.{name(year_column)} AS INTEGER) = c.cohort" if year_column else "TRUE"
    if year_column is not None and year_column not in found:
        same_year = "TRUE"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fx_outcome_rows AS
        SELECT c.child_id, s.{name(column)} = $positive AS outcome, {same_year} AS same_year
        FROM fx_cohort c JOIN {zone}.person_links l ON l.person_id = c.child_id
        JOIN {zone}.{name(source)} s ON s.token = l.token
        WHERE l.source = $source AND s.{name(column)} IS NOT NULL""",  # noqa: S608
        {"positive": positive_when, "source": source},
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE fx_outcome AS
        WITH counted AS (SELECT child_id, outcome, count(*) AS n FROM fx_outcome_rows
                         WHERE same_year GROUP BY ALL)
        SELECT child_id, arg_min(outcome, (-n, outcome)) AS outcome FROM counted GROUP BY 1"""
    )
    kept, other = con.execute(
        "SELECT (SELECT count(*) FROM fx_outcome), (SELECT count(DISTINCT child_id) FROM "
        "fx_outcome_rows WHERE NOT same_year AND child_id NOT IN (SELECT child_id FROM "
        "fx_outcome))"
    ).fetchall()[0]
    return {"outcomes": int(kept), "outcomes_other_year": int(other)}


def _mode_of(con: duckdb.DuckDBPyConnection, schema: str, sources: list[str], column: str) -> str:
    """SQL for each cohort child's most frequent value of ``column`` across ``sources`` (a tie
    goes to the first value in sort order, so that reruns agree)."""
    zone = name(schema)
    parts = [
        f"SELECT token, CAST({name(column)} AS VARCHAR) AS value "  # noqa: S608
        f"FROM {zone}.{name(source)}"
        for source in sources
        if column in columns(con, schema, source)
    ]
    if not parts:
        return "SELECT child_id, NULL AS value FROM fx_cohort"
    return f"""SELECT child_id, arg_min(value, (-n, value)) AS value FROM (
          SELECT l.person_id AS child_id, v.value, count(*) AS n
          FROM {zone}.person_links l JOIN ({" UNION ALL ".join(parts)}) v USING (token)
          WHERE v.value IS NOT NULL AND l.person_id IN (SELECT child_id FROM fx_cohort)
          GROUP BY ALL) GROUP BY 1"""  # noqa: S608


def build_groups(con: duckdb.DuckDBPyConnection, schema: str, sources: list[str]) -> None:
    """Make ``fx_groups`` for every attribute of :data:`GROUP_ATTRIBUTES`. An attribute no source
    carries is ``unknown`` for everyone."""
    zone = name(schema)
    education = "education" in sources and bool(columns(con, schema, "education"))
    census = f"{zone}.education" if education else None
    sen = (
        f"""SELECT l.person_id AS child_id,
              CASE WHEN bool_or(e.sen_provision IN ('K', 'E')) THEN 'yes' ELSE 'no' END AS value
            FROM {zone}.person_links l JOIN {census} e USING (token)
            WHERE e.sen_provision IS NOT NULL GROUP BY 1"""  # noqa: S608
        if census
        else "SELECT child_id, NULL AS value FROM fx_cohort"
    )
    benefit_view = "asof_benefits_home" if "benefits" in sources else None
    deprivation = (
        f"""WITH kids AS (
              SELECT c.child_id, c.lsoa11cd,
                     EXISTS (SELECT 1 FROM {benefit_view} b WHERE b.child_id = c.child_id
                             AND (b.claim_end IS NULL OR b.claim_end >= b.prediction_date))
                       AS claiming
              FROM fx_cohort c),
            areas AS (SELECT lsoa11cd, avg(CAST(claiming AS DOUBLE)) AS share, count(*) AS n
                      FROM kids GROUP BY 1),
            ranked AS (SELECT lsoa11cd, 1 + CAST(floor(5 * (sum(n) OVER (ORDER BY share DESC,
                              lsoa11cd) - n) / sum(n) OVER ()) AS INTEGER) AS quintile
                       FROM areas)
            SELECT k.child_id, CAST(r.quintile AS VARCHAR) AS value
            FROM kids k JOIN ranked r USING (lsoa11cd)"""  # noqa: S608
        if benefit_view
        else "SELECT child_id, NULL AS value FROM fx_cohort"
    )
    own_sources = " UNION ".join(
        f"SELECT child_id, '{source}' AS source FROM asof_{source}_child"  # noqa: S608
        for source in sources
    )
    completeness = f"""SELECT c.child_id,
          CASE WHEN count(DISTINCT o.source) = 0 THEN '0'
               WHEN count(DISTINCT o.source) = 1 THEN '1' ELSE '2+' END AS value
        FROM fx_cohort c LEFT JOIN ({own_sources}) o USING (child_id) GROUP BY 1"""  # noqa: S608
    parts = {
        "sex": _mode_of(con, schema, sources, "sex"),
        "ethnicity": _mode_of(con, schema, ["education"] if education else [], "ethnicity"),
        "eal": _mode_of(con, schema, ["education"] if education else [], "first_language"),
        "sen": sen,
        "deprivation_quintile": deprivation,
        "linkage_completeness": completeness,
    }
    selects = []
    joins = []
    for index, (attribute, sql) in enumerate(parts.items()):
        alias = f"g{index}"
        value = f"{alias}.value"
        if attribute == "eal":
            value = (
                f"CASE WHEN {value} IS NULL THEN NULL WHEN {value} = 'ENG' THEN 'no' ELSE 'yes' END"
            )
        selects.append(f"coalesce({value}, 'unknown') AS {name(attribute)}")
        joins.append(f"LEFT JOIN ({sql}) {alias} USING (child_id)")
    sql = f"SELECT c.child_id, {', '.join(selects)} FROM fx_cohort c {' '.join(joins)}"  # noqa: S608
    con.execute(f"CREATE OR REPLACE TEMP TABLE fx_groups AS {sql}")
