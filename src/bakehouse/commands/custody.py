"""The custodian's commands: the key and its rotation, subject access, erasure, opt-outs and the
audit log."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from bakehouse.commands.options import WORKSPACE, WORKSPACE_ENV
from bakehouse.custody import (
    Registers,
    Workspace,
    add_optout,
    init_key,
    load_key,
    load_request,
    remove_optout,
    subject_access,
)
from bakehouse.custody import (
    erase as erase_person,
)
from bakehouse.custody.audit import ANCHORS, AuditEvent, AuditLog
from bakehouse.custody.keys import key_available, rotate_key
from bakehouse.custody.registers import summary
from bakehouse.errors import ConfigError

console = Console()


KEY_FILE = typer.Option(
    None, help="Custodian key file (default: environment, then ~/.config/bakehouse/custodian.key)."
)
REQUEST = typer.Option(
    ...,
    "--request",
    help="YAML or JSON file with the case reference, the basis and the person's identifiers "
    "(see docs/guides/custodian.md); identifiers are never given on the command line.",
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


def rotate(
    key_file: Path | None = KEY_FILE,
    workspace: Path | None = typer.Option(
        None,
        envvar=WORKSPACE_ENV,
        exists=True,
        file_okay=False,
        help="A workspace whose audit log records the rotation (key ids only).",
    ),
) -> None:
    """Add a new key version and make it active. Earlier versions stay in the file, retired:
    used only to match register entries and verify audit seals made before, never to make
    anything new."""
    guarded = [workspace] if workspace is not None else []
    if workspace is not None:
        # a log that does not verify is refused before the key changes, not after
        Workspace(workspace, load_key(key_file, guarded=guarded)).audit.verify()
    rotation = rotate_key(key_file, guarded=guarded)
    retired, active = rotation.retired, rotation.active
    if workspace is not None:
        Workspace(workspace, active).audit.append(
            AuditEvent(
                action="custodian.rotate",
                details={
                    "retired_version": retired.version,
                    "retired_key_id": retired.key_id,
                    "active_version": active.version,
                    "active_key_id": active.key_id,
                    "key_file": str(rotation.path),
                },
            )
        )
    # not wrapped: the paths must stay whole for copying
    console.print(
        f"Key version {active.version} (key id {active.key_id}) is now active; version "
        f"{retired.version} (key id {retired.key_id}) is retired, kept in {rotation.path} only "
        "to match register entries and verify audit seals made under it.\n"
        "Next:\n"
        f"  1. Back up {rotation.path} and {active.folder / ANCHORS} now: older backups lack "
        "the new version.\n"
        "  2. Re-run `bakehouse ingest` for every workspace: each is rebuilt with tokens and ids "
        "under the new version; until then linkage and people's requests on it refuse.\n"
        "  3. Run linkage and the model again on each.",
        soft_wrap=True,
    )


def sar(
    request: Path = REQUEST,
    out: Path = typer.Option(..., help="JSON file to write (outside the repository)."),
    workspace: Path = WORKSPACE,
    key_file: Path | None = KEY_FILE,
) -> None:
    """Subject access request: export everything held about a person, across sources."""
    ws = Workspace(workspace)
    loaded = load_request(request)
    key = load_key(key_file, guarded=[ws.root])
    result = subject_access(ws, key, loaded.person, loaded.reference, out)
    console.print(
        f"{result.records} record(s) found in {len(result.sources)} source(s), "
        f"{result.through_linkage} of them through linkage; export written to {result.path}"
    )


def erase(
    request: Path = REQUEST,
    workspace: Path = WORKSPACE,
    key_file: Path | None = KEY_FILE,
) -> None:
    """Erase a person's records from both zones, linkage and model runs where the agreement
    allows it. The request file gives the basis, e.g. 'Art. 17(1)(c) after objection'."""
    ws = Workspace(workspace)
    loaded = load_request(request, basis_required=True)
    key = load_key(key_file, guarded=[ws.root])
    result = erase_person(ws, key, loaded.person, loaded.reference, loaded.basis or "")
    console.print(
        f"Erased: {result.erased or 'nothing'} ({result.exact_match} record(s) by exact match, "
        f"{result.through_linkage} through linkage). Kept (agreement does not allow "
        f"erasure): {result.retained or 'nothing'}."
    )
    if result.withdrawal and result.withdrawal.model_runs:
        console.print(
            f"{len(result.withdrawal.model_runs)} model run(s) purged; train again before "
            "the next areas or publish."
        )


def optout_add(
    request: Path = REQUEST,
    workspace: Path = WORKSPACE,
    key_file: Path | None = KEY_FILE,
) -> None:
    """Register an objection: the person's records leave both zones, linkage and model runs
    now and at every run. The basis defaults to 'Art. 21 objection'."""
    ws = Workspace(workspace)
    loaded = load_request(request)
    key = load_key(key_file, guarded=[ws.root])
    result = add_optout(
        ws, key, loaded.person, loaded.reference, loaded.basis or "Art. 21 objection"
    )
    console.print(
        f"Opt-out {result.entry.id} registered; {sum(result.withdrawn.values())} record(s) "
        f"withdrawn ({result.through_linkage} through linkage)."
    )
    if result.withdrawal and result.withdrawal.model_runs:
        console.print(
            f"{len(result.withdrawal.model_runs)} model run(s) purged; train again before "
            "the next areas or publish."
        )


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
    key_file: Path | None = KEY_FILE,
) -> None:
    """Check the audit log's hash chain and, with the custodian key, its seals and the anchor
    kept beside the key; says where it breaks or which entries are missing."""
    if log is not None:
        path = log
    elif workspace is not None:
        path = Workspace(workspace).audit.path
    else:
        raise ConfigError("Name the audit log to check", fix="Give --workspace or --log")
    guarded = [workspace] if workspace is not None else []
    key = load_key(key_file, guarded=guarded) if key_file or key_available() else None
    result = AuditLog(path, key).verify()
    console.print(f"Audit chain intact: {result.entries} entries, head {result.head}.")
    if key is None:
        console.print(
            "Seals and anchor not checked: no custodian key found (give --key-file). Without "
            "them, a log rewritten or cut short by someone who can write the workspace could "
            "still pass."
        )
        return
    console.print(
        f"Sealed with the custodian key up to entry {result.sealed}"
        + (f"; {result.unsealed} later entries not sealed yet" if result.unsealed else "")
        + (
            "; the log holds the head anchored beside the key."
            if result.anchored
            else "; no anchor yet (nothing has been sealed)."
        )
    )
