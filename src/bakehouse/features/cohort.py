"""The cohort: every child living in the area at their prediction date, with that date.

Only the month and year of birth reach the analysis zone, so a child's prediction date is the
first day of the month in which they reach the recipe's age (2 years 6 months by default): the
latest date that is never after their real birthday at that age, so nothing dated after it is
ever read. A child's cohort is the summer they finish Reception (born September Y-1 to August Y:
cohort Y + 5). A child is in the cohort when linkage places their household at an address with an
LSOA on that date.

Tables made (temporary, in the connection): ``fx_cohort`` (child_id, birth_date,
prediction_date, cohort, household_id, lsoa11cd) and ``fx_stays`` (the cohort's stays).
"""

from __future__ import annotations

from datetime import date

import duckdb

from bakehouse.features.asof import LeakageError, columns, name


def birth_months(con: duckdb.DuckDBPyConnection, schema: str, sources: list[str]) -> None:
    """``fx_births``: each person's month of birth, the most frequent across their records."""
    zone = name(schema)
    parts = []
    for source in sources:
        found = columns(con, schema, source)
        if "birth_year" not in found or "birth_month" not in found:
            raise LeakageError(
                f"Source '{source}' carries no month and year of birth",
                field="cohort.birth_sources",
                fix="List only sources whose specification releases the date of birth as "
                "year_month",
            )
        parts.append(
            f"SELECT token, birth_year, birth_month FROM {zone}.{name(source)}"  # noqa: S608
        )
    # The most frequent month; a tie goes to the earlier month, whose prediction date is earlier.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fx_births AS
        WITH months AS (
          SELECT l.person_id AS child_id, make_date(b.birth_year, b.birth_month, 1) AS birth_date,
                 count(*) AS n
          FROM {zone}.person_links l JOIN ({" UNION ALL ".join(parts)}) b USING (token)
          WHERE b.birth_year IS NOT NULL AND b.birth_month BETWEEN 1 AND 12
          GROUP BY ALL)
        SELECT child_id, arg_min(birth_date, (-n, birth_date)) AS birth_date
        FROM months GROUP BY 1"""  # noqa: S608
    )


def build_cohort(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    *,
    birth_sources: list[str],
    age_months: int,
    first_cohort: int,
    school_year_starts: int,
    as_at: date,
) -> dict[str, int]:
    """Make ``fx_cohort`` and ``fx_stays``; return counts (children born, in the cohort)."""
    zone = name(schema)
    birth_months(con, schema, birth_sources)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fx_cohort AS
        WITH kids AS (
          SELECT child_id, birth_date,
                 CAST(birth_date + to_months($age) AS DATE) AS prediction_date,
                 year(birth_date) + 5 + CAST(month(birth_date) >= $start AS INTEGER) AS cohort
          FROM fx_births)
        SELECT k.child_id, k.birth_date, k.prediction_date, CAST(k.cohort AS INTEGER) AS cohort,
               arg_max(e.household_id, (e.start_date, e.household_id)) AS household_id,
               arg_max(e.lsoa11cd, (e.start_date, e.household_id)) AS lsoa11cd
        FROM kids k JOIN {zone}.household_episodes e
          ON e.person_id = k.child_id AND e.start_date <= k.prediction_date
         AND e.end_date >= k.prediction_date AND e.lsoa11cd IS NOT NULL
        WHERE k.cohort >= $first AND k.prediction_date <= $as_at
        GROUP BY ALL""",  # noqa: S608
        {"age": age_months, "start": school_year_starts, "first": first_cohort, "as_at": as_at},
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fx_stays AS
        SELECT e.person_id AS child_id, e.household_id, e.address_id, e.lsoa11cd,
               e.start_date, e.end_date
        FROM {zone}.household_episodes e JOIN fx_cohort c ON c.child_id = e.person_id"""  # noqa: S608
    )
    born, kept = con.execute(
        "SELECT (SELECT count(*) FROM fx_births), (SELECT count(*) FROM fx_cohort)"
    ).fetchall()[0]
    return {"children_with_birth_month": int(born), "cohort_children": int(kept)}


def latest_event(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    event_dates: dict[str, str],
    today: date,
    min_rows: int = 5,
) -> date:
    """The extract date as the data shows it: the latest date, not after today, by which some
    source has at least ``min_rows`` events in the week up to it. A few dates typed months ahead
    (a swapped day and month) are errors, not the extract date."""
    zone = name(schema)
    parts = " UNION ALL ".join(
        f"SELECT '{source}' AS source, CAST({name(column)} AS DATE) AS d "  # noqa: S608
        f"FROM {zone}.{name(source)} WHERE CAST({name(column)} AS DATE) <= $today"
        for source, column in event_dates.items()
    )
    found = con.execute(
        f"""WITH dates AS (SELECT source, d, count(*) AS n FROM ({parts}) WHERE d IS NOT NULL
                       GROUP BY ALL),
        weeks AS (SELECT d, sum(n) OVER (PARTITION BY source ORDER BY d RANGE BETWEEN
                        INTERVAL 6 DAYS PRECEDING AND CURRENT ROW) AS week FROM dates)
        SELECT max(d) FROM weeks WHERE week >= $min_rows""",  # noqa: S608
        {"today": today, "min_rows": min_rows},
    ).fetchall()[0][0]
    if found is None:
        raise LeakageError(
            "The analysis zone holds too few dated events to tell the extract date",
            fix="Run `bakehouse ingest` first, or give the extract date (--as-at)",
        )
    return found
