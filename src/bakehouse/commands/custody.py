"""The custodian's commands: the key, subject access, erasure, opt-outs and the audit log."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from bakehouse.commands.options import WORKSPACE, WORKSPACE_ENV
from bakehouse.custody import (
    PersonQuery,
    Registers,
    Workspace,
    add_optout,
    init_key,
    load_key,
    remove_optout,
    subject_access,
)
from bakehouse.custody import (
    erase as erase_person,
)
from bakehouse.custody.audit import AuditEvent, AuditLog
from bakehouse.custody.registers import summary
from bakehouse.errors import ConfigError

console = Console()


KEY_FILE = typer.Option(
    None, help="Custodian key file (default: environment, then ~/.config/bakehouse/custodian.key)."
)
NHS = typer.Option(None, help="NHS number.")
UPN = typer.Option(None, help="Unique Pupil Number.")
NINO = typer.Option(None, help="National Insurance number.")
FORENAME = typer.Option(None, help="Forename (with surname and date of birth).")
SURNAME = typer.Option(None, help="Surname (with forename and date of birth).")
DOB = typer.Option(None, help="Date of birth, YYYY-MM-DD (with forename and surname).")
REFERENCE = typer.Option(..., help="The request's case reference (never the person's name).")


def _query(
    nhs_number: str | None,
    upn: str | None,
    nino: str | None,
    forename: str | None,
    surname: str | None,
    dob: str | None,
) -> PersonQuery:
    born = date.fromisoformat(dob) if dob else None
    return PersonQuery(
        nhs_number=nhs_number, upn=upn, nino=nino, forename=forename, surname=surname, dob=born
    )


def init(
    key_file: Path | None = typer.Option(
        None, help="Where to write the key (default ~/.config/bakehouse/custodian.key)."
    ),
    workspace: Path = WORKSPACE,
) -> None:
    """Create the custodian key: 256 random bits, mode 0600, outside any git work tree."""
    path = init_key(key_file, guarded=[workspace])
    AuditLog(Workspace(workspace).root / "audit.jsonl").append(
        AuditEvent(action="custodian.init", details={"key_id": load_key(path).key_id})
    )
    console.print(
        f"Custodian key written to {path}. Keep it secret and backed up: without it "
        "no token can be recomputed."
    )


def sar(
    reference: str = REFERENCE,
    out: Path = typer.Option(..., help="JSON file to write (outside the repository)."),
    nhs_number: str | None = NHS,
    upn: str | None = UPN,
    nino: str | None = NINO,
    forename: str | None = FORENAME,
    surname: str | None = SURNAME,
    dob: str | None = DOB,
    workspace: Path = WORKSPACE,
    key_file: Path | None = KEY_FILE,
) -> None:
    """Subject access request: export everything held about a person, across sources."""
    ws = Workspace(workspace)
    key = load_key(key_file, guarded=[ws.root])
    result = subject_access(
        ws, key, _query(nhs_number, upn, nino, forename, surname, dob), reference, out
    )
    console.print(
        f"{result.records} record(s) found in {len(result.sources)} source(s); "
        f"export written to {result.path}"
    )


def erase(
    reference: str = REFERENCE,
    basis: str = typer.Option(
        ..., help="Why erasure applies, e.g. 'Art. 17(1)(c) after objection'."
    ),
    nhs_number: str | None = NHS,
    upn: str | None = UPN,
    nino: str | None = NINO,
    forename: str | None = FORENAME,
    surname: str | None = SURNAME,
    dob: str | None = DOB,
    workspace: Path = WORKSPACE,
    key_file: Path | None = KEY_FILE,
) -> None:
    """Erase a person's records from both zones where the agreement allows it."""
    ws = Workspace(workspace)
    key = load_key(key_file, guarded=[ws.root])
    result = erase_person(
        ws, key, _query(nhs_number, upn, nino, forename, surname, dob), reference, basis
    )
    console.print(
        f"Erased: {result.erased or 'nothing'}. Kept (agreement does not allow "
        f"erasure): {result.retained or 'nothing'}."
    )


def optout_add(
    reference: str = REFERENCE,
    basis: str = typer.Option("Art. 21 objection", help="The objection's basis."),
    nhs_number: str | None = NHS,
    upn: str | None = UPN,
    nino: str | None = NINO,
    forename: str | None = FORENAME,
    surname: str | None = SURNAME,
    dob: str | None = DOB,
    workspace: Path = WORKSPACE,
    key_file: Path | None = KEY_FILE,
) -> None:
    """Register an objection: the person's records leave both zones now and at every run."""
    ws = Workspace(workspace)
    key = load_key(key_file, guarded=[ws.root])
    entry = add_optout(
        ws, key, _query(nhs_number, upn, nino, forename, surname, dob), reference, basis
    )
    console.print(f"Opt-out {entry.id} registered.")


def optout_list(workspace: Path = WORKSPACE) -> None:
    """List opt-outs and erasures (references and dates; no identifiers are stored)."""
    for entry in Registers(Workspace(workspace).registers).load():
        console.print(summary(entry))


def optout_remove(
    entry_id: str = typer.Argument(..., help="The entry id, e.g. optout-1a2b3c4d5e6f."),
    reason: str = typer.Option(..., help="Why the objection is withdrawn."),
    workspace: Path = WORKSPACE,
) -> None:
    """Withdraw an opt-out; the person's records return at the next ingestion run."""
    remove_optout(Workspace(workspace), entry_id, reason)
    console.print(f"Opt-out {entry_id} removed.")


def audit_verify(
    workspace: Path | None = typer.Option(None, envvar=WORKSPACE_ENV, help="Workspace folder."),
    log: Path | None = typer.Option(None, help="An audit log file (default: the workspace's)."),
) -> None:
    """Check the audit log's hash chain; says where it breaks."""
    if log is not None:
        path = log
    elif workspace is not None:
        path = Workspace(workspace).root / "audit.jsonl"
    else:
        raise ConfigError("Name the audit log to check", fix="Give --workspace or --log")
    result = AuditLog(path).verify()
    console.print(f"Audit chain intact: {result.entries} entries, head {result.head}.")
