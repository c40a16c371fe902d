"""People's rights over pseudonymised data: objection (opt-out), access and erasure.

All three go through the custodian zone, the only place where a person can be found: the
request's identifiers are standardised with the ingestion macros and matched exactly, widened to
every record sharing an identifier with a match, and then, where linkage has run, to every record
linked to the same pseudonymous person (:mod:`.reach`). Erasure and objection take the person's
records out of both zones, the linkage tables and every model run, and rewrite the zone files
so nothing deleted stays in their bytes (:mod:`.withdraw`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from bakehouse.custody import access, identifiers, reach, withdraw
from bakehouse.custody.audit import AuditEvent
from bakehouse.custody.keys import CustodianKey, _enclosing_git_work_tree
from bakehouse.custody.registers import (
    PersonQuery,
    RegisterEntry,
    Registers,
    StandardQuery,
    connect_for_keys,
    standardise,
)
from bakehouse.custody.workspace import (
    ANALYSIS,
    CUSTODIAN,
    REGISTERS,
    REVIEW_PAIRS,
    Staging,
    Workspace,
)
from bakehouse.errors import CustodyError

_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-/\.]{0,63}$")


def _check_reference(reference: str) -> None:
    if not _REFERENCE.match(reference):
        raise CustodyError(
            "The request reference must be 1-64 letters, digits, '-', '_', '/' or '.'",
            field="reference",
            fix="Use the case reference of the request, never the person's name",
        )


def _open_zones(workspace: Workspace, key: CustodianKey) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(workspace.custodian_db), read_only=True)
    con.execute("ATTACH ? AS analysis (READ_ONLY)", [str(workspace.analysis_db)])
    identifiers.install(con, key)
    return con


@dataclass(frozen=True)
class SarResult:
    path: Path
    records: int
    sources: dict[str, int]
    through_linkage: int


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


def _reached_counts(found: reach.Reach) -> dict[str, int]:
    return {"exact_match": found.exact_records, "through_linkage": found.linked_records}


def subject_access(
    workspace: Workspace, key: CustodianKey, query: PersonQuery, reference: str, out: Path
) -> SarResult:
    """Export everything held about a person: identifiers and quarantined rows from the
    custodian zone, attributes and linkage from the analysis zone, the terms each source is
    held under, and the model runs fitted on the zone. The export (mode 0600) contains
    personal data, for the requester only."""
    _check_reference(reference)
    _refuse_export_path(out, workspace)
    workspace.use_key(key)
    with workspace.locked():
        workspace.require_zones()
        con = _open_zones(workspace, key)
        try:
            standard = standardise(con, query)
            found = reach.find(con, standard)
            document = access.document(con, found, reference, workspace.root)
        finally:
            con.close()
        out.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, default=_jsonable, ensure_ascii=False)
        per_source = {source: len(t) for source, t in found.tokens_by_source().items()}
        records = sum(per_source.values())
        workspace.audit.append(
            AuditEvent(
                action="custodian.sar",
                counts={"records": records, **_reached_counts(found), **per_source},
                details={"reference": reference, "matched_on": _matched_on(standard)},
            )
        )
    return SarResult(out, records, per_source, found.linked_records)


def _matched_on(query: StandardQuery) -> list[str]:
    kinds = [kind for kind in ("nhs_number", "upn", "nino") if getattr(query, kind)]
    if query.surname and query.forename and query.dob:
        kinds.append("name_and_dob")
    return kinds


@dataclass(frozen=True)
class Withdrawal:
    """What left the workspace with a person's records."""

    person_links: int
    household_episodes: int
    model_runs: list[str]
    review_pairs: int = 0
    review_exports: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "person_links": self.person_links,
            "household_episodes": self.household_episodes,
            "model_runs_purged": len(self.model_runs),
            "review_pairs": self.review_pairs,
            "review_exports_deleted": self.review_exports,
        }


def _withdraw(
    workspace: Workspace, staging: Staging, tokens_by_source: dict[str, list[str]], column: str
) -> Withdrawal:
    """Stage both zones without the records, each rewritten into a fresh file, and purge the
    model runs fitted on them. The runs go before the commit: if the change then fails, a run
    is fitted again, whereas a run kept after the change would keep the person."""
    custodian = workspace.copy_into(staging, CUSTODIAN)
    analysis = workspace.copy_into(staging, ANALYSIS)
    linkage = withdraw.withhold(custodian.parent, tokens_by_source, column)
    withdraw.compact(custodian)
    withdraw.compact(analysis)
    tokens = [token for found in tokens_by_source.values() for token in found]
    exports = withdraw.review_files(workspace.root, staging.path(REVIEW_PAIRS), tokens)
    runs = withdraw.purge_model_runs(workspace.root)
    return Withdrawal(
        linkage["person_links"],
        linkage["household_episodes"],
        runs,
        linkage["review_pairs"],
        exports,
    )


@dataclass(frozen=True)
class ErasureResult:
    erased: dict[str, int]
    retained: dict[str, int]
    entry_id: str | None
    exact_match: int
    through_linkage: int
    withdrawal: Withdrawal | None


def erase(
    workspace: Workspace, key: CustodianKey, query: PersonQuery, reference: str, basis: str
) -> ErasureResult:
    """Erase a person's records from both zones, the linkage tables and the model store for
    every source whose agreement allows it, and register the erasure so later runs withhold
    the same records. Records of sources whose agreement does not allow erasure are kept and
    counted."""
    _check_reference(reference)
    registers = Registers(workspace.registers)
    workspace.use_key(key)
    with workspace.locked():
        workspace.require_zones()
        registers.check_key(key)
        con = _open_zones(workspace, key)
        try:
            standard = standardise(con, query)
            found = reach.find(con, standard)
            allowed = {
                str(row[0])
                for row in con.execute(
                    "SELECT source FROM sources WHERE erasure_allowed"
                ).fetchall()
            }
        finally:
            con.close()
        erased: dict[str, list[str]] = {}
        retained: dict[str, int] = {}
        for source, tokens in found.tokens_by_source().items():
            if source in allowed:
                erased[source] = tokens
            else:
                retained[source] = len(tokens)
        entry: RegisterEntry | None = None
        withdrawal: Withdrawal | None = None
        counts = {source: len(tokens) for source, tokens in erased.items()}

        def event() -> AuditEvent:
            return AuditEvent(
                action="custodian.erase",
                outcome="erased" if erased else "nothing erased",
                counts={
                    "erased": sum(counts.values()),
                    "retained": sum(retained.values()),
                    **_reached_counts(found),
                    **(withdrawal.counts() if withdrawal else {}),
                },
                details={
                    "reference": reference,
                    "basis": basis,
                    "erased_by_source": counts,
                    "retained_by_source": retained,
                    "register_entry": entry.id if entry else None,
                    "model_runs_purged": withdrawal.model_runs if withdrawal else [],
                },
            )

        if erased:
            entry = registers.new_entry(
                "erasure", found.keys, key, reference, basis, sources=sorted(erased)
            )
            with workspace.change(f"erase-{entry.id}") as staging:
                withdrawal = _withdraw(workspace, staging, erased, "withheld_erasure")
                registers.save([*registers.load(), entry], staging.path(REGISTERS))
                staging.record(event())  # logged with the change, even if it is rolled forward
        else:
            workspace.audit.append(event())
    return ErasureResult(
        counts,
        retained,
        entry.id if entry else None,
        found.exact_records,
        found.linked_records,
        withdrawal,
    )


@dataclass(frozen=True)
class OptOutResult:
    entry: RegisterEntry
    withdrawn: dict[str, int]
    exact_match: int
    through_linkage: int
    withdrawal: Withdrawal | None


def add_optout(
    workspace: Workspace, key: CustodianKey, query: PersonQuery, reference: str, basis: str
) -> OptOutResult:
    """Register an objection. The person's records leave both zones, the linkage tables and the
    model store at once (if the zones exist), and every later ingestion run withholds them and
    counts them."""
    _check_reference(reference)
    registers = Registers(workspace.registers)
    workspace.use_key(key)
    with workspace.locked():
        registers.check_key(key)
        zones = workspace.custodian_db.exists() and workspace.analysis_db.exists()
        con = _open_zones(workspace, key) if zones else connect_for_keys(key)
        try:
            standard = standardise(con, query)
            found = reach.find(con, standard) if zones else reach.keys_only(con, standard)
        finally:
            con.close()
        entry = registers.new_entry("optout", found.keys, key, reference, basis)
        by_source = found.tokens_by_source()
        withdrawal: Withdrawal | None = None
        withdrawn = {source: len(tokens) for source, tokens in by_source.items()}
        with workspace.change(f"optout-{entry.id}") as staging:
            if by_source:
                withdrawal = _withdraw(workspace, staging, by_source, "withheld_optout")
            registers.save([*registers.load(), entry], staging.path(REGISTERS))
            staging.record(
                AuditEvent(
                    action="optout.add",
                    counts={
                        "records_withdrawn": sum(withdrawn.values()),
                        **_reached_counts(found),
                        **(withdrawal.counts() if withdrawal else {}),
                        **withdrawn,
                    },
                    details={
                        "entry": entry.id,
                        "reference": reference,
                        "basis": basis,
                        "model_runs_purged": withdrawal.model_runs if withdrawal else [],
                    },
                )
            )
    return OptOutResult(entry, withdrawn, found.exact_records, found.linked_records, withdrawal)


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
