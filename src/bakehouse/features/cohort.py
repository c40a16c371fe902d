"""The cohort: who the recipe predicts for, and on which date, by the recipe's rule.

- ``age``: everyone reaching an age. Only the month and year of birth reach the analysis zone,
  so a person's prediction date is the first day of the month in which they reach the age (2
  years 6 months for school readiness): the latest date that is never after their real birthday
  at that age, so nothing dated after it is ever read. Births from the month the year starts
  form one cohort, named ``cohort_offset`` years after that year ends (born September Y-1 to
  August Y: cohort Y + 5, the summer they finish Reception). A person is in the cohort when
  linkage places their household at an address with an LSOA on that date.
- ``annual``: households living in the area on the first day of a month each year (the cohort
  is the year), known to one of the listed sources in the months before it.
- ``event``: households with an event in a source (rows matching a condition). An event is a
  prediction point when the household had none in the ``gap_months`` before it; later events in
  between belong to it. The prediction date is the day after the event, so the event itself and
  everything before it is read, nothing after. The cohort is the year of the event.

Tables made (temporary, in the connection): ``fx_cohort`` (unit_id, person_id, household_id,
birth_date, prediction_date, cohort, lsoa11cd), one row per prediction, and ``fx_stays`` (each
unit's stays at addresses). ``unit_id`` is the person for the age rule, and the household with its
prediction date for the others (a household is predicted for once a year, or once per event).
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from bakehouse.features.asof import LeakageError, columns, name, where_clause

if TYPE_CHECKING:
    from bakehouse.recipes.schema import AgeCohort, AnnualCohort, EventCohort, SourceUse


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
          SELECT l.person_id AS unit_id, make_date(b.birth_year, b.birth_month, 1) AS birth_date,
                 count(*) AS n
          FROM {zone}.person_links l JOIN ({" UNION ALL ".join(parts)}) b USING (token)
          WHERE b.birth_year IS NOT NULL AND b.birth_month BETWEEN 1 AND 12
          GROUP BY ALL)
        SELECT unit_id, arg_min(birth_date, (-n, birth_date)) AS birth_date
        FROM months GROUP BY 1"""  # noqa: S608
    )


def _age_cohort(
    con: duckdb.DuckDBPyConnection, schema: str, rule: AgeCohort, age_months: int, as_at: date
) -> None:
    zone = name(schema)
    birth_months(con, schema, rule.birth_sources)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fx_cohort AS
        WITH kids AS (
          SELECT unit_id, birth_date,
                 CAST(birth_date + to_months($age) AS DATE) AS prediction_date,
                 year(birth_date) + $offset + CAST(month(birth_date) >= $start AND $start > 1
                                                   AS INTEGER) AS cohort
          FROM fx_births)
        SELECT k.unit_id, k.unit_id AS person_id,
               arg_max(e.household_id, (e.start_date, e.household_id)) AS household_id,
               k.birth_date, k.prediction_date, CAST(k.cohort AS INTEGER) AS cohort,
               arg_max(e.lsoa11cd, (e.start_date, e.household_id)) AS lsoa11cd
        FROM kids k JOIN {zone}.household_episodes e
          ON e.person_id = k.unit_id AND e.start_date <= k.prediction_date
         AND e.end_date >= k.prediction_date AND e.lsoa11cd IS NOT NULL
        WHERE k.cohort >= $first AND k.prediction_date <= $as_at
        GROUP BY ALL""",  # noqa: S608
        {
            "age": age_months,
            "start": rule.school_year_starts,
            "offset": rule.cohort_offset,
            "first": rule.first_cohort,
            "as_at": as_at,
        },
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fx_stays AS
        SELECT c.unit_id, e.household_id, e.address_id, e.lsoa11cd, e.start_date, e.end_date
        FROM {zone}.household_episodes e JOIN fx_cohort c ON c.person_id = e.person_id"""  # noqa: S608
    )


def _households_on(con: duckdb.DuckDBPyConnection, schema: str, *, carried: bool) -> None:
    """``fx_cohort`` from ``fx_dates`` (household_id, prediction_date, cohort): each household's
    LSOA on its date, from its members' stays; a household living nowhere in the area then is
    left out. Linkage ends a stay some time after its last record, so near the extract date a
    household still there has often no stay reaching the date: with ``carried``, a household is
    where its latest stay begun before the date placed it (the same for every year, so the
    latest year is not thinned). Then ``fx_stays``: the household's addresses."""
    zone = name(schema)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fx_cohort AS
        WITH latest AS (
          SELECT d.household_id, d.prediction_date, d.cohort,
                 arg_max(coalesce(e.lsoa11cd, ''), (e.start_date, e.address_id)) AS lsoa11cd,
                 max(e.end_date) AS last_end
          FROM fx_dates d JOIN {zone}.household_episodes e
            ON e.household_id = d.household_id AND e.start_date < d.prediction_date
          GROUP BY ALL)
        SELECT household_id || '@' || strftime(prediction_date, '%Y-%m-%d') AS unit_id,
               CAST(NULL AS VARCHAR) AS person_id, household_id,
               CAST(NULL AS DATE) AS birth_date, prediction_date,
               CAST(cohort AS INTEGER) AS cohort, lsoa11cd
        FROM latest
        WHERE lsoa11cd <> '' AND ($carried OR last_end >= prediction_date - INTERVAL 1 DAY)""",  # noqa: S608
        {"carried": carried},
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fx_stays AS
        SELECT c.unit_id, e.household_id, e.address_id, any_value(e.lsoa11cd) AS lsoa11cd,
               min(e.start_date) AS start_date, max(e.end_date) AS end_date
        FROM {zone}.household_episodes e JOIN fx_cohort c USING (household_id)
        GROUP BY ALL"""  # noqa: S608
    )


def _source_rows(schema: str, source: str, use: SourceUse, where_sql: str = "TRUE") -> str:
    """SQL for (household_id, person_id, event_date) of a source's rows."""
    zone = name(schema)
    return f"""SELECT l.household_id, l.person_id,
               CAST(s.{name(use.event_date)} AS DATE) AS event_date
        FROM {zone}.person_links l JOIN {zone}.{name(source)} s ON s.token = l.token
        WHERE l.source = '{source}' AND s.{name(use.event_date)} IS NOT NULL
          AND {where_sql}"""  # noqa: S608


def _annual_cohort(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    rule: AnnualCohort,
    sources: dict[str, SourceUse],
    as_at: date,
) -> None:
    seen = " UNION ALL ".join(_source_rows(schema, s, sources[s]) for s in rule.seen_in)
    # A household is counted on the date only if someone still lives in it: someone whose latest
    # record before the date is the household's. One whose people have all been recorded in
    # other households since (a partner who left, then the children who moved in with a
    # grandparent) is no longer anyone's home, and counted it would be theirs a second time.
    # And only households linkage placed at an address before the date: a "household" placed by
    # a postcode alone is one person linkage could not place with their family (a baby known to
    # health visiting only, whose surname matched no one at the postcode).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fx_dates AS
        WITH dates AS (
          SELECT make_date(CAST(y AS INTEGER), $month, 1) AS prediction_date, y AS cohort
          FROM range($first, year($as_at) + 1) t(y)
          WHERE make_date(CAST(y AS INTEGER), $month, 1) <= $as_at),
        seen AS ({seen}),
        homes AS (
          SELECT d.prediction_date, s.person_id,
                 arg_max(s.household_id, (s.event_date, s.household_id)) AS household_id
          FROM dates d JOIN seen s ON s.event_date < d.prediction_date
          GROUP BY ALL)
        SELECT DISTINCT s.household_id, d.prediction_date, d.cohort
        FROM dates d JOIN seen s
          ON s.event_date < d.prediction_date
         AND s.event_date >= d.prediction_date - to_months($within)
        SEMI JOIN homes h
          ON h.household_id = s.household_id AND h.prediction_date = d.prediction_date
        WHERE EXISTS (SELECT 1 FROM {name(schema)}.household_episodes e
                      WHERE e.household_id = s.household_id AND e.address_id IS NOT NULL
                        AND e.start_date < d.prediction_date)""",  # noqa: S608
        {
            "month": rule.month,
            "first": rule.first_cohort,
            "as_at": as_at,
            "within": rule.seen_within_months,
        },
    )
    _households_on(con, schema, carried=True)


def _event_cohort(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    rule: EventCohort,
    sources: dict[str, SourceUse],
    as_at: date,
) -> None:
    condition, values = where_clause("s", rule.where)
    rows = _source_rows(schema, rule.source, sources[rule.source], condition)
    events = con.execute(
        f"SELECT DISTINCT household_id, event_date FROM ({rows}) "  # noqa: S608
        "WHERE event_date < $as_at AND year(event_date) >= $first ORDER BY 1, 2",
        {**values, "as_at": as_at, "first": rule.first_cohort},
    ).fetchall()
    kept: list[tuple[str, date]] = []
    last: dict[str, date] = {}
    for household, day in events:
        previous = last.get(household)
        if previous is None or _months_later(previous, rule.gap_months) <= day:
            kept.append((household, day))
            last[household] = day
    con.execute("CREATE OR REPLACE TEMP TABLE fx_events (household_id VARCHAR, event_date DATE)")
    if kept:
        con.executemany("INSERT INTO fx_events VALUES (?, ?)", kept)
    # The day after the event: the event and all before it are known, nothing after.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE fx_dates AS
        SELECT household_id, CAST(event_date + INTERVAL 1 DAY AS DATE) AS prediction_date,
               year(event_date) AS cohort
        FROM fx_events"""
    )
    _households_on(con, schema, carried=False)


def _months_later(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def build_cohort(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    *,
    rule: AgeCohort | AnnualCohort | EventCohort,
    sources: dict[str, SourceUse],
    age_months: int | None,
    as_at: date,
) -> dict[str, int]:
    """Make ``fx_cohort`` and ``fx_stays`` by the recipe's rule; return counts."""
    if rule.rule == "age":
        if age_months is None:
            raise LeakageError("The age rule needs an age", field="prediction_point.age_months")
        _age_cohort(con, schema, rule, age_months, as_at)
        born = con.execute("SELECT count(*) FROM fx_births").fetchall()[0][0]
        counts = {"people_with_birth_month": int(born)}
    elif rule.rule == "annual":
        _annual_cohort(con, schema, rule, sources, as_at)
        counts = {"household_dates_seen": _count(con, "fx_dates")}
    else:
        _event_cohort(con, schema, rule, sources, as_at)
        counts = {"events_as_prediction_points": _count(con, "fx_dates")}
    return counts | {"cohort_units": _count(con, "fx_cohort")}


def complete_cohorts(
    rule: AgeCohort | AnnualCohort | EventCohort,
    age_months: int | None,
    as_at: date,
    table: pa.Table,
) -> dict[int, bool]:
    """Per cohort of ``table``, whether every member's prediction date has passed by ``as_at``
    (a cohort still filling up would make area totals too low)."""
    found = sorted({int(c) for c in table.column("cohort").to_pylist()})
    if rule.rule == "annual":  # one date a year, made only once it has passed
        return dict.fromkeys(found, True)
    if rule.rule == "event":  # every event of the year has happened
        return {c: date(c, 12, 31) < as_at for c in found}
    return {c: last_prediction_date(rule, c, age_months or 0) <= as_at for c in found}


def last_prediction_date(rule: AgeCohort, cohort: int, age_months: int) -> date:
    """The prediction date of a cohort's youngest member (born in its year's last month)."""
    year = cohort - rule.cohort_offset
    month = 12 if rule.school_year_starts == 1 else rule.school_year_starts - 1
    months = year * 12 + (month - 1) + age_months
    return date(months // 12, months % 12 + 1, 1)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {name(table)}").fetchall()[0][0])  # noqa: S608


def latest_event(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    event_dates: dict[str, str],
    today: date,
    min_rows: int = 5,
    min_share: float = 0.1,
) -> date:
    """The extract date as the data shows it: the latest date, not after today, on which some
    source has events that are at least ``min_share`` of its typical day, in a week up to it of
    at least ``min_rows`` events and ``min_share`` of its typical week (typical: the median over
    the source's dated rows of their day's, or week's, count). Dates typed months ahead (a
    swapped day and month, a mistyped year) are errors, not the extract date: in a large
    extract they are many, but each day and week holds only a few of them, where a real day of
    a large source holds tens and a week hundreds; and a stray day just after the extract date
    would otherwise borrow the real days in its week."""
    zone = name(schema)
    parts = " UNION ALL ".join(
        f"SELECT '{source}' AS source, CAST({name(column)} AS DATE) AS d "  # noqa: S608
        f"FROM {zone}.{name(source)} WHERE CAST({name(column)} AS DATE) <= $today"
        for source, column in event_dates.items()
    )
    found = con.execute(
        f"""WITH dates AS (SELECT source, d, count(*) AS n FROM ({parts}) WHERE d IS NOT NULL
                       GROUP BY ALL),
        weeks AS (SELECT source, d, n, sum(n) OVER (PARTITION BY source ORDER BY d RANGE
                        BETWEEN INTERVAL 6 DAYS PRECEDING AND CURRENT ROW) AS week FROM dates),
        -- the median over rows (not dates), so that a source's many scattered stray dates
        -- do not make its typical week small
        by_week AS (SELECT source, week, sum(n) OVER (PARTITION BY source ORDER BY week, d)
                           AS below, sum(n) OVER (PARTITION BY source) AS total FROM weeks),
        by_day AS (SELECT source, n, sum(n) OVER (PARTITION BY source ORDER BY n, d) AS below,
                          sum(n) OVER (PARTITION BY source) AS total FROM weeks),
        typical AS (SELECT w.source, w.week, d.day
                    FROM (SELECT source, min(week) AS week FROM by_week WHERE 2 * below >= total
                          GROUP BY 1) w
                    JOIN (SELECT source, min(n) AS day FROM by_day WHERE 2 * below >= total
                          GROUP BY 1) d USING (source))
        SELECT max(w.d) FROM weeks w JOIN typical t USING (source)
        WHERE w.week >= $min_rows AND w.week >= $min_share * t.week
          AND w.n >= $min_share * t.day""",  # noqa: S608
        {"today": today, "min_rows": min_rows, "min_share": min_share},
    ).fetchall()[0][0]
    if found is None:
        raise LeakageError(
            "The analysis zone holds too few dated events to tell the extract date",
            fix="Run `bakehouse ingest` first, or give the extract date (--as-at)",
        )
    return found
