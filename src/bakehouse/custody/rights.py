"""People's rights over pseudonymised data: objection (opt-out), access and erasure.

All three go through the custodian zone, the only place where a person can be found: the
request's identifiers are standardised with the ingestion macros and matched exactly (an NHS
number, a UPN, a NINO, or surname + first forename + date of birth). Exact matching can miss a
record with a typo; it never hands one person's records to another.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from bakehouse.custody import identifiers
from bakehouse.custody.audit import AuditEvent
from bakehouse.custody.keys import CustodianKey, _enclosing_git_work_tree
from bakehouse.custody.registers import (
    PersonQuery,
    RegisterEntry,
    Registers,
    StandardQuery,
    connect_for_keys,
    match_keys,
    standardise,
)
from bakehouse.custody.workspace import ANALYSIS, CUSTODIAN, REGISTERS, Workspace
from bakehouse.custody.zones import source_table
from bakehouse.errors import CustodyError

_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-/\.]{0,63}$")


def _check_reference(reference: str) -> None:
    if not _REFERENCE.match(reference):
        raise CustodyError(
            "The request reference must be 1-64 letters, digits, '-', '_', '/' or '.'",
            field="reference",
            fix="Use the case reference of the request, never the person's name",
        )


def _params(query: StandardQuery) -> dict[str, Any]:
    return {
        "nhs": query.nhs_number,
        "upn": query.upn,
        "nino": query.nino,
        "surname": query.surname,
        "forename": query.forename,
        "dob": query.dob,
    }


def _open_zones(
    workspace: Workspace, key: CustodianKey, folder: Path | None = None, read_only: bool = True
) -> duckdb.DuckDBPyConnection:
    base = folder or workspace.root
    con = duckdb.connect(str(base / CUSTODIAN), read_only=read_only)
    analysis = str(base / ANALYSIS).replace("'", "''")
    mode = " (READ_ONLY)" if read_only else ""
    con.execute(f"ATTACH '{analysis}' AS analysis{mode}")
    identifiers.install(con, key)
    return con


def _matched(con: duckdb.DuckDBPyConnection, query: StandardQuery) -> list[tuple[str, str]]:
    """(token, source) of every record, accepted or quarantined, naming the person."""
    rows = con.execute(
        """SELECT DISTINCT token, source FROM (
              SELECT token, source, nhs_number, upn, nino, surname, forename, dob
              FROM identifiers
              UNION ALL
              SELECT token, source, nhs_number, upn, nino, surname, forename, dob
              FROM quarantine_identifiers) i
            WHERE ($nhs IS NOT NULL AND i.nhs_number = $nhs)
               OR ($upn IS NOT NULL AND i.upn = $upn)
               OR ($nino IS NOT NULL AND left(i.nino, 8) = left($nino, 8))
               OR ($surname IS NOT NULL AND $forename IS NOT NULL AND $dob IS NOT NULL
                   AND i.surname = $surname AND split_part(i.forename, ' ', 1) = $forename
                   AND i.dob = $dob)
            ORDER BY source, token""",
        _params(query),
    ).fetchall()
    return [(str(token), str(source)) for token, source in rows]


def _key_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE person_keys AS
           SELECT token, source, unnest(bh_match_keys(forename, surname, dob, nhs_number, upn,
                                                      nino)) AS key
           FROM (SELECT * FROM identifiers UNION ALL SELECT * FROM quarantine_identifiers)"""
    )


def _expand_keys(con: duckdb.DuckDBPyConnection, keys: list[str]) -> list[str]:
    """Every key of every record that shares a key with the person, until nothing new is found:
    an objection given with an NHS number also reaches the school records that carry the same
    name and date of birth. Exact matches only; fuzzy matches come with linkage."""
    _key_table(con)
    found = set(keys)
    while True:
        rows = con.execute(
            """SELECT DISTINCT key FROM person_keys WHERE token IN (
                 SELECT token FROM person_keys WHERE key IN (SELECT unnest($keys)))""",
            {"keys": sorted(found)},
        ).fetchall()
        grown = found | {str(row[0]) for row in rows}
        if grown == found:
            return sorted(found)
        found = grown


def _matched_by_keys(con: duckdb.DuckDBPyConnection, keys: list[str]) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT DISTINCT token, source FROM person_keys WHERE key IN (SELECT unnest($keys)) "
        "ORDER BY source, token",
        {"keys": keys},
    ).fetchall()
    return [(str(token), str(source)) for token, source in rows]


@dataclass(frozen=True)
class SarResult:
    path: Path
    records: int
    sources: dict[str, int]


def _refuse_export_path(path: Path, workspace: Workspace) -> None:
    resolved = path.expanduser().resolve()
    tree = _enclosing_git_work_tree(resolved.parent)
    if tree is not None:
        raise CustodyError(
            "A subject access export may not be written inside a git work tree",
            file=path,
            fix="Write it to the custodian's secure folder",
        )
    if resolved.is_relative_to(workspace.root.resolve()):
        raise CustodyError(
            "A subject access export may not be written inside the workspace",
            file=path,
            fix="Write it to the custodian's secure folder",
        )
    if resolved.exists():
        raise CustodyError(
            "The export file already exists", file=path, fix="Choose a new file name"
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def subject_access(
    workspace: Workspace, key: CustodianKey, query: PersonQuery, reference: str, out: Path
) -> SarResult:
    """Export everything held about a person: identifiers and quarantined rows from the
    custodian zone, attributes from the analysis zone, and the terms each source is held
    under. The export (mode 0600) contains personal data, for the requester only."""
    _check_reference(reference)
    _refuse_export_path(out, workspace)
    with workspace.locked():
        workspace.require_zones()
        con = _open_zones(workspace, key)
        try:
            standard = standardise(con, query)
            matched = _matched(con, standard)
            document = _sar_document(con, matched, reference)
        finally:
            con.close()
        out.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, default=_jsonable, ensure_ascii=False)
        per_source: dict[str, int] = {}
        for _, source in matched:
            per_source[source] = per_source.get(source, 0) + 1
        workspace.audit.append(
            AuditEvent(
                action="custodian.sar",
                counts={"records": len(matched), **per_source},
                details={"reference": reference, "matched_on": _matched_on(standard)},
            )
        )
    return SarResult(out, len(matched), per_source)


def _matched_on(query: StandardQuery) -> list[str]:
    kinds = [kind for kind in ("nhs_number", "upn", "nino") if getattr(query, kind)]
    if query.surname and query.forename and query.dob:
        kinds.append("name_and_dob")
    return kinds


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _sar_document(
    con: duckdb.DuckDBPyConnection, matched: list[tuple[str, str]], reference: str
) -> dict[str, Any]:
    sources: dict[str, list[str]] = {}
    for token, source in matched:
        sources.setdefault(source, []).append(token)
    held = []
    for source, tokens in sorted(sources.items()):
        terms = _rows(con, "SELECT * FROM sources WHERE source = ?", [source])
        records = _rows(
            con,
            "SELECT token, file, row_number, status FROM records "
            "WHERE token IN (SELECT unnest(?)) ORDER BY file, row_number",
            [tokens],
        )
        people = _rows(
            con,
            "SELECT token, person_role, raw FROM identifiers WHERE token IN (SELECT unnest(?))",
            [tokens],
        )
        attributes = _rows(
            con,
            f"SELECT * FROM analysis.main.{source_table(source)} "  # noqa: S608
            "WHERE token IN (SELECT unnest(?))",
            [tokens],
        )
        quarantined = _rows(
            con,
            "SELECT token, file, row_number, reasons, record, raw_line "
            "FROM quarantine WHERE token IN (SELECT unnest(?))",
            [tokens],
        )
        by_token: dict[str, dict[str, Any]] = {
            r["token"]: {**r, "identifiers": []} for r in records
        }
        for person in people:
            by_token[person["token"]]["identifiers"].append(
                {"person_role": person["person_role"], "as_received": json.loads(person["raw"])}
            )
        for row in attributes:
            by_token[row["token"]]["attributes"] = {k: v for k, v in row.items() if k != "token"}
        for row in quarantined:
            by_token[row["token"]]["quarantined_as_received"] = (
                json.loads(row["record"]) if row["record"] else row["raw_line"]
            )
            by_token[row["token"]]["quarantine_reasons"] = row["reasons"]
        for entry in by_token.values():
            entry.pop("token")
        held.append(
            {
                "source": source,
                "held_under": terms[0] if terms else None,
                "records": list(by_token.values()),
            }
        )
    return {
        "reference": reference,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": "Records found by exact match on standardised identifiers in the custodian "
        "zone. The analysis zone holds the attributes below under a pseudonymous token "
        "only. Area-level publications hold no person's data.",
        "sources": held,
    }


@dataclass(frozen=True)
class ErasureResult:
    erased: dict[str, int]
    retained: dict[str, int]
    entry_id: str | None


def erase(
    workspace: Workspace, key: CustodianKey, query: PersonQuery, reference: str, basis: str
) -> ErasureResult:
    """Erase a person's records from both zones for every source whose agreement allows it,
    and register the erasure so later runs withhold the same records. Records of sources whose
    agreement does not allow erasure are kept and counted."""
    _check_reference(reference)
    registers = Registers(workspace.registers)
    with workspace.locked():
        workspace.require_zones()
        registers.check_key(key)
        con = _open_zones(workspace, key)
        try:
            standard = standardise(con, query)
            matched = _matched(con, standard)
            allowed = {
                str(row[0])
                for row in con.execute(
                    "SELECT source FROM sources WHERE erasure_allowed"
                ).fetchall()
            }
            keys = match_keys(con, standard)
        finally:
            con.close()
        erased: dict[str, list[str]] = {}
        retained: dict[str, int] = {}
        for token, source in matched:
            if source in allowed:
                erased.setdefault(source, []).append(token)
            else:
                retained[source] = retained.get(source, 0) + 1
        entry: RegisterEntry | None = None
        if erased:
            entry = registers.new_entry(
                "erasure", keys, key, reference, basis, sources=sorted(erased)
            )
            with workspace.change(f"erase-{entry.id}") as staging:
                custodian = workspace.copy_into(staging, CUSTODIAN)
                workspace.copy_into(staging, ANALYSIS)
                _withhold(custodian.parent, erased, "withheld_erasure")
                registers.save([*registers.load(), entry], staging.path(REGISTERS))
        counts = {source: len(tokens) for source, tokens in erased.items()}
        workspace.audit.append(
            AuditEvent(
                action="custodian.erase",
                outcome="erased" if erased else "nothing erased",
                counts={"erased": sum(counts.values()), "retained": sum(retained.values())},
                details={
                    "reference": reference,
                    "basis": basis,
                    "erased_by_source": counts,
                    "retained_by_source": retained,
                    "register_entry": entry.id if entry else None,
                },
            )
        )
    return ErasureResult(counts, retained, entry.id if entry else None)


def _withhold(folder: Path, tokens_by_source: dict[str, list[str]], column: str) -> None:
    """Delete records from both zones of a staged copy and move their count to ``column``."""
    assert column in ("withheld_erasure", "withheld_optout")
    con = duckdb.connect(str(folder / CUSTODIAN))
    try:
        analysis = str(folder / ANALYSIS).replace("'", "''")
        con.execute(f"ATTACH '{analysis}' AS analysis")
        for source, tokens in tokens_by_source.items():
            args = [tokens]
            statuses = dict(
                con.execute(
                    "SELECT file || chr(31) || status, count(*) FROM records "
                    "WHERE token IN (SELECT unnest(?)) GROUP BY ALL",
                    args,
                ).fetchall()
            )
            for table in ("records", "identifiers", "quarantine_identifiers", "quarantine"):
                con.execute(f"DELETE FROM {table} WHERE token IN (SELECT unnest(?))", args)  # noqa: S608
            con.execute(
                f"DELETE FROM analysis.main.{source_table(source)} "  # noqa: S608
                "WHERE token IN (SELECT unnest(?))",
                args,
            )
            for label, count in statuses.items():
                file, status = str(label).split(chr(31))
                was = "accepted" if status == "accepted" else "quarantined"
                for schema in ("main", "analysis.main"):
                    con.execute(
                        f"UPDATE {schema}.reconciliation SET {was} = {was} - ?, "  # noqa: S608
                        f"{column} = {column} + ? WHERE source = ? AND file = ?",
                        [count, count, source, file],
                    )
        con.execute("DETACH analysis")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def add_optout(
    workspace: Workspace, key: CustodianKey, query: PersonQuery, reference: str, basis: str
) -> RegisterEntry:
    """Register an objection. The person's records leave both zones at once (if the zones
    exist), and every later ingestion run withholds them and counts them."""
    _check_reference(reference)
    registers = Registers(workspace.registers)
    with workspace.locked():
        registers.check_key(key)
        zones = workspace.custodian_db.exists() and workspace.analysis_db.exists()
        con = _open_zones(workspace, key) if zones else connect_for_keys(key)
        try:
            standard = standardise(con, query)
            keys = match_keys(con, standard)
            if zones:
                keys = _expand_keys(con, keys)
                matched = _matched_by_keys(con, keys)
            else:
                matched = []
        finally:
            con.close()
        entry = registers.new_entry("optout", keys, key, reference, basis)
        by_source: dict[str, list[str]] = {}
        for token, source in matched:
            by_source.setdefault(source, []).append(token)
        with workspace.change(f"optout-{entry.id}") as staging:
            if by_source:
                custodian = workspace.copy_into(staging, CUSTODIAN)
                workspace.copy_into(staging, ANALYSIS)
                _withhold(custodian.parent, by_source, "withheld_optout")
            registers.save([*registers.load(), entry], staging.path(REGISTERS))
        workspace.audit.append(
            AuditEvent(
                action="optout.add",
                counts={
                    "records_withdrawn": len(matched),
                    **{s: len(t) for s, t in by_source.items()},
                },
                details={"entry": entry.id, "reference": reference, "basis": basis},
            )
        )
    return entry


def remove_optout(workspace: Workspace, entry_id: str, reason: str) -> None:
    registers = Registers(workspace.registers)
    with workspace.locked():
        entries = registers.load()
        kept = [entry for entry in entries if not (entry.id == entry_id and entry.kind == "optout")]
        if len(kept) == len(entries):
            raise CustodyError(f"No opt-out entry {entry_id}", file=registers.path)
        registers.save(kept)
        workspace.audit.append(
            AuditEvent(action="optout.remove", details={"entry": entry_id, "reason": reason})
        )
