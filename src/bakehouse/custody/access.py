"""The subject access export: everything the workspace holds about one person, labelled by where
it is held and how it was found."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from bakehouse.custody.reach import Reach, Row
from bakehouse.custody.withdraw import model_runs
from bakehouse.custody.zones import source_table

NOTE = (
    "Records found in the custodian zone by exact match on standardised identifiers (and every "
    "record sharing an identifier with them), and records that linkage joined to the same "
    "person ('found_by': 'linkage'). The analysis zone holds attributes and linkage under "
    "pseudonymous tokens and ids only. Area-level publications hold no person's data."
)
MODEL_NOTE = (
    "Model runs keep each child's prediction with no identifier of any kind (area, cohort, "
    "probabilities, outcome), so no row can be attributed to this person. The runs below "
    "(recipe/run) were fitted on the analysis zone as it stood when each was made."
)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _source_records(
    con: duckdb.DuckDBPyConnection, source: str, tokens: list[str], reach: Reach
) -> list[dict[str, Any]]:
    linked = {token for token, _, _ in reach.linked} - {token for token, _, _ in reach.exact}
    roles = {(token, role) for token, _, role in reach.rows}
    records = _rows(
        con,
        "SELECT token, file, row_number, status FROM records "
        "WHERE token IN (SELECT unnest(?)) ORDER BY file, row_number",
        [tokens],
    )
    by_token: dict[str, dict[str, Any]] = {
        r["token"]: {
            **r,
            "found_by": "linkage" if r["token"] in linked else "exact match",
            "identifiers": [],
        }
        for r in records
    }
    for table in ("identifiers", "quarantine_identifiers"):
        people = _rows(
            con,
            f"SELECT token, person_role, raw FROM {table} "  # noqa: S608
            "WHERE token IN (SELECT unnest(?))",
            [tokens],
        )
        for person in people:  # the person's own rows; others named on the record stay out
            if (person["token"], person["person_role"]) in roles:
                by_token[person["token"]]["identifiers"].append(
                    {
                        "person_role": person["person_role"],
                        "as_received": json.loads(person["raw"]),
                    }
                )
    attributes = _rows(
        con,
        f"SELECT * FROM analysis.main.{source_table(source)} "  # noqa: S608
        "WHERE token IN (SELECT unnest(?))",
        [tokens],
    )
    for row in attributes:
        by_token[row["token"]]["attributes"] = {k: v for k, v in row.items() if k != "token"}
    quarantined = _rows(
        con,
        "SELECT token, reasons, record, raw_line FROM quarantine WHERE token IN (SELECT unnest(?))",
        [tokens],
    )
    for row in quarantined:
        by_token[row["token"]]["quarantined_as_received"] = (
            json.loads(row["record"]) if row["record"] else row["raw_line"]
        )
        by_token[row["token"]]["quarantine_reasons"] = row["reasons"]
    for entry in by_token.values():
        entry.pop("token")
    return list(by_token.values())


def _linkage(con: duckdb.DuckDBPyConnection, reach: Reach) -> dict[str, Any] | None:
    if not reach.person_ids:
        return None
    own: set[Row] = set(reach.rows)
    links = [
        row
        for row in _rows(
            con,
            "SELECT token, source, person_role, person_id, household_id "
            "FROM analysis.main.person_links WHERE person_id IN (SELECT unnest(?)) "
            "ORDER BY source, token, person_role",
            [reach.person_ids],
        )
        if (row["token"], row["source"], row["person_role"]) in own
    ]
    episodes = _rows(
        con,
        "SELECT person_id, household_id, address_id, lsoa11cd, start_date, end_date, records "
        "FROM analysis.main.household_episodes WHERE person_id IN (SELECT unnest(?)) "
        "ORDER BY start_date, household_id",
        [reach.person_ids],
    )
    return {
        "note": "Pseudonymous person and household ids that linkage gave this person's records, "
        "and the households and small areas (LSOA) it placed them in over time.",
        "person_ids": reach.person_ids,
        "records": [{k: v for k, v in row.items() if k != "token"} for row in links],
        "household_episodes": episodes,
    }


def document(
    con: duckdb.DuckDBPyConnection, reach: Reach, reference: str, workspace: Path
) -> dict[str, Any]:
    held = []
    for source, tokens in reach.tokens_by_source().items():
        terms = _rows(con, "SELECT * FROM sources WHERE source = ?", [source])
        held.append(
            {
                "source": source,
                "held_under": terms[0] if terms else None,
                "records": _source_records(con, source, tokens, reach),
            }
        )
    return {
        "reference": reference,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": NOTE,
        "sources": held,
        "linkage": _linkage(con, reach),
        "model_runs": {"note": MODEL_NOTE, "runs": model_runs(workspace)},
    }
