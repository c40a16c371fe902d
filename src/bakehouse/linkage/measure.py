"""Linkage measured against the truth of a synthetic world (``bakehouse link --truth``).

Only this module reads the truth, and only when asked; linkage itself never does. Measures:

- **Persons** and **households**, over pairs of records (a pair is right when both records are
  the same true person, or in the same true household at their dates): pairwise precision,
  recall and F1; and over clusters: the share of predicted clusters that are exactly a true one
  (precision) and of true ones found exactly (recall).
- **Children at the prediction date** (the date the school readiness model predicts at, or the
  world's as-at date if that is later): the household we give the child is their true household
  (*household correct*: the true household holding most of the records that carry our household
  id), with no one from another household placed with them (*no wrong members*), with exactly
  the true members who appear in the data (*exact members*).
- **Errors by group** (sex, ethnicity, English as an additional language): the share of persons
  whose records are split over several persons (missed links) or share a person with someone
  else's (false links), and the share of children whose household is wrong. Missed links fall
  unevenly and bias what follows, so they are shown per group.

The truth names each person on each extract row by source, file and row, as the custodian zone
records them (a source sent as several files numbers its rows from 1 in each). A truth from a
world written before it named files is refused: build the world again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from bakehouse.areas.intervals import wilson
from bakehouse.errors import ConfigError
from bakehouse.world.truth import check_records

TRUTH_FILES = ("records", "people", "residence", "children")
# The true person of each (token, person role) of the custodian zone attached as ``c``.
_WHO = """SELECT r.token, t.person_role, t.person_id FROM c.records r
          JOIN read_parquet($truth) t
            ON t.source = r.source AND t.file = r.file AND t.row_number = r.row_number"""


def _check(truth: Path) -> None:
    missing = [name for name in TRUTH_FILES if not (truth / f"{name}.parquet").is_file()]
    if missing:
        raise ConfigError(
            f"The truth folder lacks {', '.join(f'{m}.parquet' for m in missing)}",
            file=truth,
            fix="Point --truth at a synthetic world's truth/ folder",
        )
    check_records(truth)


def _as_at(truth: Path, con: duckdb.DuckDBPyConnection) -> str:
    manifest = truth.parent / "world.json"
    if manifest.is_file():
        config = json.loads(manifest.read_text(encoding="utf-8")).get("config", {})
        if config.get("as_at"):
            return str(config["as_at"])
    return str(con.execute("SELECT max(start) FROM t_residence").fetchall()[0][0])


def _score(tp: float, predicted: float, true: float) -> dict[str, float | None]:
    precision = tp / predicted if predicted else None
    recall = tp / true if true else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    return {
        "precision": round(precision, 5) if precision is not None else None,
        "recall": round(recall, 5) if recall is not None else None,
        "f1": round(f1, 5) if f1 is not None else None,
    }


def _pairwise(con: duckdb.DuckDBPyConnection, predicted: str, true: str) -> dict[str, Any]:
    def pairs(group: str) -> float:
        value = con.execute(
            f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n "  # noqa: S608
            f"FROM m_eval GROUP BY {group})"
        ).fetchall()[0][0]
        return float(value)

    return _score(pairs(f"{predicted}, {true}"), pairs(predicted), pairs(true))


def _clusters(con: duckdb.DuckDBPyConnection, predicted: str, true: str) -> dict[str, Any]:
    row = con.execute(
        f"""WITH p AS (SELECT {predicted} AS c, min({true}) AS lo, max({true}) AS hi,
                              count(*) AS n FROM m_eval GROUP BY 1),
                 t AS (SELECT {true} AS c, count(*) AS n FROM m_eval GROUP BY 1)
            SELECT (SELECT count(*) FROM p JOIN t ON p.lo = p.hi AND t.c = p.lo AND t.n = p.n),
                   (SELECT count(*) FROM p), (SELECT count(*) FROM t)"""  # noqa: S608
    ).fetchall()[0]
    exact, predicted_n, true_n = (float(v) for v in row)
    return _score(exact, predicted_n, true_n)


def _load(con: duckdb.DuckDBPyConnection, truth: Path) -> None:
    for name in TRUTH_FILES:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE t_{name} AS SELECT * FROM read_parquet($path)",  # noqa: S608
            {"path": str(truth / f"{name}.parquet")},
        )


def _evaluated_records(con: duckdb.DuckDBPyConnection, households: bool = True) -> int:
    """``m_eval``: one row per measured record with predicted and true person and household
    (the household columns are NULL when only persons are measured)."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE m_eval AS
        SELECT r.rid, r.event_date, p.person, {"h.household" if households else "NULL"}
               AS household, t.person_id AS tp, t.household_id AS th
        FROM lk_records r JOIN c.records cr USING (token)
        JOIN lk_record_person p USING (rid)
        {"JOIN lk_record_household h USING (rid)" if households else ""}
        JOIN t_records t ON t.source = cr.source AND t.file = cr.file
          AND t.row_number = cr.row_number AND t.person_role = r.person_role
        WHERE t.person_id IS NOT NULL"""  # noqa: S608
    )
    row = con.execute("SELECT (SELECT count(*) FROM lk_records) - count(*) FROM m_eval")
    return int(row.fetchall()[0][0])


def _children(con: duckdb.DuckDBPyConnection, as_at: str) -> dict[str, Any]:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE m_person_truth AS SELECT person, arg_max(tp, (n, -tp)) AS tp
        FROM (SELECT person, tp, count(*) AS n FROM m_eval GROUP BY ALL) GROUP BY 1"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE m_truth_person AS
        SELECT tp, arg_max(person, (n, -person)) AS person
        FROM (SELECT person, tp, count(*) AS n FROM m_eval GROUP BY ALL) GROUP BY 1"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE m_household_truth AS
        SELECT household, arg_max(th, (n, -th)) AS th
        FROM (SELECT household, th, count(*) AS n FROM m_eval GROUP BY ALL) GROUP BY 1"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE m_kids AS
        WITH k AS (
          SELECT c.person_id AS tp, least(c.prediction_date, CAST($as_at AS DATE)) AS d, c.eal,
                 m.person
          FROM t_children c JOIN m_truth_person m ON m.tp = c.person_id
          WHERE c.lsoa_at_prediction IS NOT NULL),
        truth_home AS (
          SELECT k.tp, min(r.household_id) AS th FROM k JOIN t_residence r
            ON r.person_id = k.tp AND r.start <= k.d AND (r."end" IS NULL OR r."end" > k.d)
          GROUP BY 1),
        ours AS (
          SELECT k.tp, arg_min(m.household, (
                   CASE WHEN k.d BETWEEN m.start_date AND m.end_date THEN 0
                        ELSE least(abs(date_diff('day', k.d, m.start_date)),
                                   abs(date_diff('day', k.d, m.end_date))) END,
                   m.start_date, m.household)) AS household
          FROM k JOIN lk_memberships m ON m.person = k.person GROUP BY 1)
        SELECT k.*, h.th, coalesce(o.household, 'person:' || CAST(k.person AS VARCHAR))
               AS household
        FROM k LEFT JOIN truth_home h USING (tp) LEFT JOIN ours o USING (tp)""",
        {"as_at": as_at},
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE m_kid_members AS
        WITH ours AS (
          SELECT k.tp, list_sort(list(DISTINCT pt.tp)) AS members FROM m_kids k
          JOIN lk_memberships m ON m.household = k.household AND k.d BETWEEN m.start_date
            AND m.end_date
          JOIN m_person_truth pt ON pt.person = m.person GROUP BY 1),
        theirs AS (
          SELECT k.tp, list_sort(list(DISTINCT r.person_id)) AS members FROM m_kids k
          JOIN t_residence r ON r.household_id = k.th AND r.start <= k.d
            AND (r."end" IS NULL OR r."end" > k.d)
          WHERE r.person_id IN (SELECT tp FROM m_person_truth) GROUP BY 1)
        SELECT k.tp, k.household, (h.th IS NOT DISTINCT FROM k.th) AS household_correct,
               coalesce(o.members, [k.tp]) AS ours, coalesce(t.members, [k.tp]) AS theirs
        FROM m_kids k LEFT JOIN m_household_truth h USING (household)
        LEFT JOIN ours o USING (tp) LEFT JOIN theirs t USING (tp)"""
    )
    row = con.execute(
        """SELECT count(*), count_if(household_correct),
                  count_if(household_correct AND list_has_all(theirs, ours)),
                  count_if(household_correct AND ours = theirs),
                  count_if(household LIKE 'person:%')
           FROM m_kid_members"""
    ).fetchall()[0]
    return {
        "children": int(row[0]),
        "evaluated_at": f"prediction date, or {as_at} if later",
        "correct": {
            "household correct": int(row[1]),
            "household correct, no wrong members": int(row[2]),
            "household correct, exact members": int(row[3]),
        },
        "placed_alone": int(row[4]),
    }


def _by_group(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict[str, Any]]]:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE m_person_errors AS
        WITH main AS (SELECT tp, arg_max(person, (n, -person)) AS person, count(*) AS persons,
                             sum(n) AS n
                      FROM (SELECT tp, person, count(*) AS n FROM m_eval GROUP BY ALL)
                      GROUP BY tp),
             shared AS (SELECT person, count(DISTINCT tp) AS people FROM m_eval GROUP BY 1)
        SELECT m.tp, m.n, m.persons > 1 AS missed, s.people > 1 AS falsely_linked,
               p.sex, p.ethnicity, coalesce(p.first_language <> 'ENG', false) AS eal
        FROM main m JOIN shared s USING (person) JOIN t_people p ON p.person_id = m.tp"""
    )
    groups: dict[str, list[dict[str, Any]]] = {}
    for name, column, kid_column in (
        ("sex", "sex", "p.sex"),
        ("ethnicity", "ethnicity", "p.ethnicity"),
        ("English as an additional language", "eal", "coalesce(k.eal, false)"),
    ):
        rows = con.execute(
            f"""WITH persons AS (
                  SELECT CAST({column} AS VARCHAR) AS g, count(*) AS persons,
                         count(*) FILTER (WHERE n > 1) AS several,
                         count(*) FILTER (WHERE n > 1 AND missed) AS missed,
                         count(*) FILTER (WHERE falsely_linked) AS falsely
                  FROM m_person_errors GROUP BY 1),
                kids AS (
                  SELECT CAST({kid_column} AS VARCHAR) AS g, count(*) AS children,
                         count(*) FILTER (WHERE NOT km.household_correct) AS wrong
                  FROM m_kid_members km JOIN m_kids k USING (tp)
                  JOIN t_people p ON p.person_id = km.tp GROUP BY 1)
                SELECT coalesce(p.g, k.g), coalesce(p.persons, 0), coalesce(p.several, 0),
                       coalesce(p.missed, 0), coalesce(p.falsely, 0), coalesce(k.children, 0),
                       coalesce(k.wrong, 0)
                FROM persons p FULL JOIN kids k USING (g) ORDER BY 1"""  # noqa: S608
        ).fetchall()
        groups[name] = [
            {
                "group": g,
                "persons": int(persons),
                "persons_with_several_records": int(several),
                "children": int(children),
                **_rate("missed_link", int(missed), int(several)),
                **_rate("false_link", int(falsely), int(persons)),
                **_rate("household_error", int(wrong), int(children)),
            }
            for g, persons, several, missed, falsely, children, wrong in rows
        ]
    return groups


def _rate(name: str, events: int, total: int) -> dict[str, Any]:
    """``events`` of ``total`` as a rate with its 95% Wilson interval (None when total is 0)."""
    if total == 0:
        return {f"{name}s": events, f"{name}_rate": None, f"{name}_interval": None}
    low, high = wilson(events, total)
    return {
        f"{name}s": events,
        f"{name}_rate": round(events / total, 5),
        f"{name}_interval": [round(float(low), 5), round(float(high), 5)],
    }


_NOTE = "Every record measured against the person the truth names on it."


def measure_persons(con: duckdb.DuckDBPyConnection, truth: Path) -> dict[str, Any]:
    """Person scores only, from ``lk_records`` and ``lk_record_person`` (for the baseline)."""
    _check(truth)
    _load(con, truth)
    excluded = _evaluated_records(con, households=False)
    return {
        "note": _NOTE,
        "excluded_rows": excluded,
        "scores": {
            "persons, pairwise": _pairwise(con, "person", "tp"),
            "persons, clusters": _clusters(con, "person", "tp"),
        },
    }


def measure(con: duckdb.DuckDBPyConnection, truth: Path) -> dict[str, Any]:
    """Measure the linkage tables on ``con`` against ``truth`` (a world's ``truth/`` folder).
    Needs the custodian zone attached as ``c``."""
    _check(truth)
    _load(con, truth)
    excluded = _evaluated_records(con)
    as_at = _as_at(truth, con)
    return {
        "note": _NOTE,
        "excluded_rows": excluded,
        "scores": {
            "persons, pairwise": _pairwise(con, "person", "tp"),
            "persons, clusters": _clusters(con, "person", "tp"),
            "households, pairwise": _pairwise(con, "household", "th"),
            "households, clusters": _clusters(con, "household", "th"),
        },
        "children": _children(con, as_at),
        "by_group": _by_group(con),
    }


def measured_over_candidates(
    custodian: Path, pairs: Path, truth: Path, threshold: float
) -> dict[str, Any]:
    """Pairwise precision and recall over every candidate pair a run scored (``pairs``, see
    :mod:`.review`), each identity stood for by one record, against ``truth``: what a clerical
    review's estimate is checked against."""
    _check(truth)
    con = duckdb.connect()
    try:
        con.execute("ATTACH $p AS c (READ_ONLY)", {"p": str(custodian)})
        row = con.execute(
            f"""WITH who AS ({_WHO}),
               pairs AS (
                 SELECT p.match_probability >= $t AS linked,
                        coalesce(a.person_id = b.person_id, false) AS same
                 FROM read_parquet($pairs) p
                 LEFT JOIN who a ON a.token = p.token_a AND a.person_role = p.role_a
                 LEFT JOIN who b ON b.token = p.token_b AND b.person_role = p.role_b)
               SELECT count_if(linked AND same), count_if(linked), count_if(same) FROM pairs""",  # noqa: S608
            {"truth": str(truth / "records.parquet"), "pairs": str(pairs), "t": threshold},
        ).fetchall()[0]
    finally:
        con.close()
    found, links, true = (int(v) for v in row)
    return {
        "precision": round(found / links, 5) if links else None,
        "recall": round(found / true, 5) if true else None,
        "note": "over every candidate pair, each identity stood for by one record, as sampled",
    }


def true_labels(custodian: Path, truth: Path) -> dict[int, str]:
    """The label a reviewer who knew the truth would give each pair of the custodian zone's
    review sample (synthetic worlds only: to check the review's estimate)."""
    _check(truth)
    con = duckdb.connect()
    try:
        con.execute("ATTACH $p AS c (READ_ONLY)", {"p": str(custodian)})
        rows = con.execute(
            f"""WITH who AS ({_WHO})
               SELECT p.pair_id, coalesce(a.person_id = b.person_id, false)
               FROM c.review_pairs p
               LEFT JOIN who a ON a.token = p.token_a AND a.person_role = p.role_a
               LEFT JOIN who b ON b.token = p.token_b AND b.person_role = p.role_b""",  # noqa: S608
            {"truth": str(truth / "records.parquet")},
        ).fetchall()
    finally:
        con.close()
    return {int(pair): "match" if same else "non-match" for pair, same in rows}
