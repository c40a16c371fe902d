"""The workspace: where the two zones, the reports, the registers and the audit log live, and how
they change all at once or not at all.

A change (an ingestion run, an erasure) is built in a staging folder beside the live files. When
it is complete, a commit record listing the files to move is written atomically; then each file is
renamed into place, and the audit events the record also holds are appended to the log. A run that
dies before the commit record leaves the last good state untouched (its staging folder is removed
next time); one that dies after it is rolled forward next time, files and audit events, as the
record lists them complete. Only one change runs at a time (an exclusive lock), and taking
the lock first clears what a killed run left behind.

Layout::

    <workspace>/custodian.duckdb   identifiers, quarantine, record register (custodian only)
    <workspace>/analysis.duckdb    attributes keyed by token, LSOA (analysts)
    <workspace>/reports/           data quality report, HTML and JSON
    <workspace>/registers.json     opt-out and erasure registers (keyed hashes, no identifiers)
    <workspace>/manifest.json      what the current state was built from
    <workspace>/audit.jsonl        the audit log: hash-chained, sealed and anchored beside the key
    <workspace>/.scratch/<run>/    a run's private working files (spills), removed after it
    <workspace>/models/            model runs per recipe, and latest.json naming the current one
    <workspace>/areas/             area tables built from a model run (`bakehouse areas`)
    <workspace>/evaluations/       evaluations kept for publication, per recipe and plan
                                   (`bakehouse evaluate --publish`; the release carries them)
    <workspace>/review/            clerical review (custodian only): the linkage run's scored
                                   pairs (tokens), and samples exported side by side to label
    <workspace>/recipes/<id>/      recipes installed from a pack: `--recipe ID` finds them first
    <workspace>/packs/<id>/        the pack each was installed from, as received and verified
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bakehouse.custody.audit import AuditEvent, AuditLog
from bakehouse.custody.keys import CustodianKey
from bakehouse.errors import CustodyError, WorkspaceError

CUSTODIAN = "custodian.duckdb"
ANALYSIS = "analysis.duckdb"
MANIFEST = "manifest.json"
REGISTERS = "registers.json"
REPORTS = "reports"
AUDIT = "audit.jsonl"
REVIEW = "review"
MODELS = "models"  # models/<recipe id>/<run id (16 hex)>/ and models/<recipe id>/latest.json
AREAS = "areas"  # areas/<recipe id>/<run id (16 hex)>/: area tables built from a model run
EVALUATIONS = "evaluations"  # evaluations/<recipe id>/<first 12 hex of the plan hash>/
LATEST = "latest.json"
RECIPES = "recipes"  # recipes/<recipe id>/: a recipe folder installed from a pack
PACKS = "packs"  # packs/<recipe id>/: the verified pack it came from, templates included
REVIEW_PAIRS = f"{REVIEW}/candidate_pairs.parquet"
_STAGING = ".staging"
_SCRATCH = ".scratch"
# Earlier versions kept linkage's scratch here; a crashed run's copy is removed like any other.
_OLD_SCRATCH = ".linkage-scratch"
_COMMIT = ".commit.json"
_LOCK = ".lock"


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomic(path: Path, text: str, mode: int = 0o600) -> None:
    """Write a small text file so readers see the old or the new content, never a mixture."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    _fsync_dir(path.parent)


@dataclass(frozen=True)
class Staging:
    """A change being built: write the new versions of files under ``folder`` using the same
    relative paths as in the workspace, and :meth:`record` the audit events that say what the
    change did; they are logged as part of it (see :meth:`Workspace.change`)."""

    run_id: str
    folder: Path
    events: list[AuditEvent] = field(default_factory=list)

    def path(self, relative: str) -> Path:
        target = self.folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def record(self, event: AuditEvent) -> None:
        self.events.append(event)


class Workspace:
    """A workspace folder. Given the custodian key (here or by :meth:`use_key`), the audit
    entries it writes are sealed with it; without, they are chained and sealed by the next
    command that holds the key."""

    def __init__(self, root: Path, key: CustodianKey | None = None) -> None:
        self.root = Path(root)
        self._key = key

    def use_key(self, key: CustodianKey, *, rebuilding: bool = False) -> None:
        """Seal this workspace's audit entries with ``key`` from now on. Unless the zones are
        about to be rebuilt (ingestion), refuses a key whose active version did not build them:
        ids made now would not match theirs."""
        built = (self.manifest() or {}).get("key_id") if self.custodian_db.exists() else None
        if not rebuilding and built is not None and built != key.key_id:
            older = key.version_with(str(built))
            if older is None:
                raise CustodyError(
                    "The zones were built with another custodian key",
                    file=self.manifest_path,
                    fix="Use the key file this workspace was built with",
                )
            raise CustodyError(
                f"The zones were built under custodian key version {older.version}, since "
                f"retired: re-run `bakehouse ingest` to rebuild them under version {key.version}"
            )
        self._key = key

    # paths -----------------------------------------------------------------------------------
    @property
    def custodian_db(self) -> Path:
        return self.root / CUSTODIAN

    @property
    def analysis_db(self) -> Path:
        return self.root / ANALYSIS

    @property
    def reports(self) -> Path:
        return self.root / REPORTS

    @property
    def registers(self) -> Path:
        return self.root / REGISTERS

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    @property
    def audit(self) -> AuditLog:
        return AuditLog(self.root / AUDIT, self._key)

    def manifest(self) -> dict[str, Any] | None:
        if not self.manifest_path.exists():
            return None
        loaded: dict[str, Any] = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        return loaded

    def require_zones(self) -> None:
        if not (self.custodian_db.exists() and self.analysis_db.exists()):
            raise WorkspaceError(
                "The workspace has no zones yet",
                file=self.root,
                fix="Run `bakehouse ingest` first",
            )

    # locking and recovery ----------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the workspace exclusively; recover an interrupted change first."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        with (self.root / _LOCK).open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise WorkspaceError(
                    "Another command is changing this workspace",
                    file=self.root,
                    fix="Wait for it to finish, then try again",
                ) from None
            try:
                self._recover()
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _recover(self) -> None:
        commit = self.root / _COMMIT
        if commit.exists():
            record = json.loads(commit.read_text(encoding="utf-8"))
            self._move_into_place(Path(record["staging"]), record["files"])
            recovered = AuditEvent(
                action="workspace.recovered",
                details={"run_id": record["run_id"], "rolled_forward": record["files"]},
            )
            self._log_change(record.get("events", []), recovered)
            commit.unlink()
            _fsync_dir(self.root)
        for leftover in (_STAGING, _SCRATCH, _OLD_SCRATCH):
            if (self.root / leftover).exists():
                shutil.rmtree(self.root / leftover)

    def _log_change(self, events: list[dict[str, Any]], *after: AuditEvent) -> None:
        """Append the change's events that the log does not hold yet (a run killed after its
        commit record may have appended some), then ``after``. The commit record is removed
        only once this has returned, so the log is complete however a change is interrupted."""
        logged = self.audit.event_ids()
        missing = [AuditEvent.model_validate(e) for e in events if e["id"] not in logged]
        if missing or after:
            self.audit.append_all([*missing, *after])

    def _move_into_place(self, folder: Path, files: list[str]) -> None:
        for relative in files:
            source = folder / relative
            if source.exists():  # already moved by an earlier, interrupted attempt otherwise
                target = self.root / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                source.replace(target)
                _fsync_dir(target.parent)

    # changing --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def change(self, run_id: str) -> Iterator[Staging]:
        """Stage a change; on leaving the block without an error, commit every staged file at
        once, with the audit events recorded on the staging (in the commit record first, so a
        change rolled forward after a crash is logged as fully as one that finished). On an error
        nothing in the workspace changes and nothing is logged. Call inside :meth:`locked`."""
        folder = self.root / _STAGING / run_id
        folder.mkdir(parents=True, mode=0o700)
        staging = Staging(run_id, folder)
        try:
            yield staging
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._commit(staging)

    def _commit(self, staging: Staging) -> None:
        files = sorted(
            str(path.relative_to(staging.folder))
            for path in staging.folder.rglob("*")
            if path.is_file() and not path.name.endswith(".wal")
        )
        for relative in files:
            with (staging.folder / relative).open("rb") as handle:
                os.fsync(handle.fileno())
        events = [event.model_dump() for event in staging.events]
        record = {
            "run_id": staging.run_id,
            "staging": str(staging.folder),
            "files": files,
            "events": events,
        }
        write_atomic(self.root / _COMMIT, json.dumps(record))
        self._move_into_place(staging.folder, files)
        self._log_change(events)
        (self.root / _COMMIT).unlink()
        _fsync_dir(self.root)
        shutil.rmtree(staging.folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            staging.folder.parent.rmdir()  # only when no other change is staged

    @contextlib.contextmanager
    def scratch(self, run_id: str) -> Iterator[Path]:
        """A private folder (0700) for a run's working files that may hold identifiers, such as a
        database engine's spills: inside the workspace, so they stay on the custodian's side,
        and removed when the run ends however it ends. A folder left by a run that was killed is
        removed when the next command takes the lock. Call inside :meth:`locked`."""
        parent = self.root / _SCRATCH
        folder = parent / run_id
        for private in (parent, folder):
            private.mkdir(mode=0o700, exist_ok=private is parent)
            private.chmod(0o700)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            with contextlib.suppress(OSError):
                parent.rmdir()  # only when no other run is using it

    def copy_into(self, staging: Staging, relative: str) -> Path:
        """Start a change to an existing file from a copy of it."""
        target = staging.path(relative)
        shutil.copy2(self.root / relative, target)
        return target
