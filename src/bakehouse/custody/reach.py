"""Finding a person in the workspace, for subject access, erasure and objection.

A person is reached in two ways, and the result says which:

- exactly: the request's standardised identifiers, widened through every record that shares one
  of them (an NHS number given reaches the school records carrying the same name and date of
  birth, and every key those records carry), until nothing new is found;
- through linkage: every record that linkage joined to the same pseudonymous person as a record
  found exactly (a record with a typo in the forename), and again every record sharing a key
  with those, until nothing new is found.

Only the person's own rows count: a benefit claim found for the partner does not bring in the
claimant's other records.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from bakehouse.custody.registers import StandardQuery, match_keys

Row = tuple[str, str, str]  # token, source, person_role


@dataclass(frozen=True)
class Reach:
    """The person's rows, split by how they were found, and every key they carry."""

    exact: list[Row]
    linked: list[Row]
    person_ids: list[str]
    keys: list[str]

    @property
    def rows(self) -> list[Row]:
        return sorted({*self.exact, *self.linked})

    def tokens_by_source(self) -> dict[str, list[str]]:
        """Each source's records naming the person (a record goes whole, whoever else it names)."""
        found: dict[str, set[str]] = {}
        for token, source, _ in self.rows:
            found.setdefault(source, set()).add(token)
        return {source: sorted(tokens) for source, tokens in sorted(found.items())}

    @property
    def exact_records(self) -> int:
        return len({(token, source) for token, source, _ in self.exact})

    @property
    def linked_records(self) -> int:
        """Records reached only through linkage."""
        exact = {(token, source) for token, source, _ in self.exact}
        return len({(token, source) for token, source, _ in self.linked} - exact)


def _key_table(con: duckdb.DuckDBPyConnection) -> None:
    """Every row's keys, made once per connection (the zones are opened read-only)."""
    con.execute(
        """CREATE TEMP TABLE IF NOT EXISTS person_keys AS
           SELECT token, source, person_role,
                  unnest(bh_match_keys(forename, surname, dob, nhs_number, upn, nino)) AS key
           FROM (SELECT * FROM identifiers UNION ALL SELECT * FROM quarantine_identifiers)"""
    )


def _has_linkage(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'analysis' "
        "AND table_name = 'person_links'"
    ).fetchone()
    return bool(row and row[0])


def _expand(con: duckdb.DuckDBPyConnection, keys: set[str]) -> set[str]:
    """Every key of every row sharing a key with ``keys``, until nothing new is found."""
    found = set(keys)
    while True:
        rows = con.execute(
            """SELECT DISTINCT k.key FROM person_keys k JOIN (
                 SELECT DISTINCT token, person_role FROM person_keys
                 WHERE key IN (SELECT unnest($keys))) m USING (token, person_role)""",
            {"keys": sorted(found)},
        ).fetchall()
        grown = found | {str(row[0]) for row in rows}
        if grown == found:
            return found
        found = grown


def _rows_with_keys(con: duckdb.DuckDBPyConnection, keys: set[str]) -> set[Row]:
    rows = con.execute(
        "SELECT DISTINCT token, source, person_role FROM person_keys "
        "WHERE key IN (SELECT unnest($keys))",
        {"keys": sorted(keys)},
    ).fetchall()
    return {(str(t), str(s), str(r)) for t, s, r in rows}


def _load_rows(con: duckdb.DuckDBPyConnection, rows: set[Row]) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE reach_rows AS SELECT unnest($tokens::VARCHAR[]) AS token, "
        "unnest($roles::VARCHAR[]) AS person_role",
        {"tokens": [token for token, _, _ in rows], "roles": [role for _, _, role in rows]},
    )


def _linked(con: duckdb.DuckDBPyConnection, rows: set[Row]) -> tuple[set[str], set[Row]]:
    """The pseudonymous persons of ``rows`` and every row linked to them."""
    _load_rows(con, rows)
    persons = {
        str(row[0])
        for row in con.execute(
            "SELECT DISTINCT person_id FROM analysis.main.person_links "
            "JOIN reach_rows USING (token, person_role)"
        ).fetchall()
    }
    linked = con.execute(
        "SELECT DISTINCT token, source, person_role FROM analysis.main.person_links "
        "WHERE person_id IN (SELECT unnest($persons))",
        {"persons": sorted(persons)},
    ).fetchall()
    return persons, {(str(t), str(s), str(r)) for t, s, r in linked}


def _keys_of(con: duckdb.DuckDBPyConnection, rows: set[Row]) -> set[str]:
    _load_rows(con, rows)
    found = con.execute(
        "SELECT DISTINCT key FROM person_keys JOIN reach_rows USING (token, person_role)"
    ).fetchall()
    return {str(row[0]) for row in found}


def find(con: duckdb.DuckDBPyConnection, query: StandardQuery) -> Reach:
    """The person's rows in a connection to the custodian zone with the analysis zone attached
    as ``analysis`` and the identifier macros installed."""
    _key_table(con)
    keys = _expand(con, set(match_keys(con, query)))
    exact = _rows_with_keys(con, keys)
    persons: set[str] = set()
    reached = set(exact)
    if _has_linkage(con):
        while True:
            persons, linked = _linked(con, reached)
            grown = reached | linked
            keys = _expand(con, keys | _keys_of(con, grown))
            grown |= _rows_with_keys(con, keys)
            if grown == reached:
                break
            reached = grown
    return Reach(
        exact=sorted(exact),
        linked=sorted(reached - exact),
        person_ids=sorted(persons),
        keys=sorted(keys),
    )


def keys_only(con: duckdb.DuckDBPyConnection, query: StandardQuery) -> Reach:
    """For an objection registered before any ingestion: the request's own keys."""
    return Reach(exact=[], linked=[], person_ids=[], keys=sorted(match_keys(con, query)))
