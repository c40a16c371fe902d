"""An append-only, tamper-evident audit log (JSON lines), sealed with the custodian's key and
anchored outside the workspace.

Each entry carries the SHA-256 hash of the one before it and its own hash over its canonical JSON,
so changing, removing or reordering any entry breaks the chain from that entry on. A chain alone
can be recomputed by anyone who can write the file, so an entry written by a command holding the
custodian key is also *sealed*: ``mac`` is HMAC-SHA-256 (RFC 2104) of its hash under the audit
key, a sub-key of the custodian key for this purpose only. A seal vouches for its entry and, through
the chain, for every entry before it: rewriting any of them and recomputing the chain leaves a
seal that no longer matches, and only the key can make a new one.

Cutting entries off the end leaves a shorter chain that is still valid, so after each sealed entry
the log's head (its first entry's hash, which names the log, and the sequence and hash of that
entry) is written to an *anchor* beside the key, in the custodian's private folder, which whoever
can write the workspace cannot. :meth:`AuditLog.verify` with the key checks every seal and that
the log still holds the anchored entry, naming the entries missing if not. This is the shape of
the append-only logs of Certificate Transparency (RFC 6962) and Crosby and Wallach's tamper-evident
logging: a hash-chained log plus a head held by someone else.

After a rotation of the custodian key, new seals are made under the active version's audit
sub-key; ``sealed_by`` names the sub-key of each seal, and verification checks it under that
version, which the key file keeps retired. A seal by a version older than one already seen
higher up the log is refused: a retired version seals nothing, so only a copy of it could.

Commands without the key (an analyst training a model) still append; their entries are chained
but unsealed until the next sealed entry, and ``verify`` says how many are at the end. A log
written before logs were sealed is the same: the first sealed append seals it and records that it
did so (``audit.sealed``).

Entries hold who, what, when, which source and agreement, and counts: never a person's identifiers
or values.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from bakehouse.custody.keys import CustodianKey
from bakehouse.errors import AuditChainBroken

GENESIS = "0" * 64
ENV_ACTOR = "BAKEHOUSE_ACTOR"
AUDIT_PURPOSE = "audit log"
ANCHORS = "audit-anchors"
_SEAL_FIELDS = ("hash", "mac", "sealed_by")


def current_actor() -> str:
    """Who is acting: ``$BAKEHOUSE_ACTOR`` if set (a named custodian), else the login name."""
    return os.environ.get(ENV_ACTOR) or getpass.getuser()


class AuditEvent(BaseModel):
    """What happened. ``counts`` and ``details`` must not hold identifiers or record values.
    ``id`` lets a change's events, recorded before it commits, be appended exactly once."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    action: str
    outcome: str = "ok"
    actor: str = Field(default_factory=current_actor)
    source: str | None = None
    agreement: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class AuditVerification:
    """``entries`` in the chain ending at ``head``; ``sealed``: the sequence number of the last
    sealed entry (0: none), ``unsealed`` entries after it; ``anchored``: whether the anchor beside
    the key was found and matched (False when verified without the key)."""

    entries: int
    head: str
    sealed: int = 0
    anchored: bool = False

    @property
    def unsealed(self) -> int:
        return self.entries - self.sealed


@dataclass(frozen=True)
class _Seal:
    """The audit sub-key of every version of the custodian key: new seals under the active
    version's; a seal is checked under the version its ``sealed_by`` names."""

    secret: bytes
    key_id: str
    anchors: Path
    versions: dict[str, tuple[int, bytes]]

    @classmethod
    def of(cls, key: CustodianKey) -> _Seal:
        subkeys = [version.derive(AUDIT_PURPOSE) for version in key.versions]
        active = subkeys[-1]
        versions = {sub.key_id: (sub.version, sub.secret) for sub in subkeys}
        return cls(active.secret, active.key_id, key.folder / ANCHORS, versions)

    def mac(self, entry_hash: str, secret: bytes | None = None) -> str:
        return hmac.new(
            secret or self.secret, entry_hash.encode("ascii"), hashlib.sha256
        ).hexdigest()


def _entry_hash(entry: Mapping[str, Any]) -> str:
    body = {key: value for key, value in entry.items() if key not in _SEAL_FIELDS}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _last_line(handle: Any) -> bytes | None:
    handle.seek(0, os.SEEK_END)
    end = handle.tell()
    if end == 0:
        return None
    position = end
    chunk = b""
    while position > 0:
        step = min(4096, position)
        position -= step
        handle.seek(position)
        chunk = handle.read(step) + chunk
        stripped = chunk.rstrip(b"\n")
        if b"\n" in stripped:
            return stripped.rsplit(b"\n", 1)[1]
    return chunk.rstrip(b"\n")


def _write_anchor(path: Path, anchor: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(anchor, sort_keys=True))
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    descriptor = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class AuditLog:
    """``AuditLog(path, key).append(event)`` and ``.verify()``; see the module docstring. Without
    a key, entries are appended unsealed and ``verify`` checks the chain only."""

    def __init__(self, path: Path, key: CustodianKey | None = None) -> None:
        self.path = Path(path)
        self._seal = _Seal.of(key) if key is not None else None

    def append(self, event: AuditEvent | Mapping[str, Any]) -> dict[str, Any]:
        """Append one event, chained to the last entry (and sealed, given the key); returns the
        entry written. A sealed append first verifies the whole log against its anchor and
        refuses to seal a log that has been altered."""
        return self.append_all([event])[-1]

    def append_all(self, events: list[AuditEvent | Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Append several events in order, under one lock."""
        records = [e if isinstance(e, AuditEvent) else AuditEvent.model_validate(e) for e in events]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                return self._append_locked(handle, records)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _append_locked(self, handle: Any, records: list[AuditEvent]) -> list[dict[str, Any]]:
        if self._seal is None:
            seq, prev = self._tail(handle)
            return self._write(handle, records, seq, prev)
        checked = self.verify(acknowledge=True)
        first = self._first_hash()
        notes = []
        if not checked.anchored:
            notes = [self._replaced_note(anchor) for anchor in self._stale_anchors(first)]
            if checked.entries:
                notes.append(self._sealing_note(checked))
        written = self._write(handle, [*notes, *records], checked.entries, checked.head)
        first = first or written[0]["hash"]
        if not checked.anchored:
            for anchor in self._stale_anchors(first):
                path = self._seal.anchors / f"{anchor['log']}.json"
                path.replace(path.with_name(f"{path.name}.retired"))
        self._set_anchor(first, written[-1]["seq"], written[-1]["hash"])
        return written

    def _tail(self, handle: Any) -> tuple[int, str]:
        last = _last_line(handle)
        if last is None:
            return 0, GENESIS
        try:
            previous = json.loads(last)
            return int(previous["seq"]), str(previous["hash"])
        except (ValueError, KeyError, TypeError) as error:
            raise AuditChainBroken(
                "The audit log's last entry cannot be read, so nothing more can be chained to it",
                file=self.path,
                fix="Run `bakehouse audit verify` and restore the log from a copy",
            ) from error

    def _write(
        self, handle: Any, records: list[AuditEvent], seq: int, prev: str
    ) -> list[dict[str, Any]]:
        before = (seq, prev)
        written = []
        for record in records:
            seq += 1
            entry: dict[str, Any] = {
                "seq": seq,
                "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                **record.model_dump(),
                "prev": prev,
            }
            entry["hash"] = prev = _entry_hash(entry)
            if self._seal is not None:
                entry["mac"] = self._seal.mac(entry["hash"])
                entry["sealed_by"] = self._seal.key_id
            written.append(entry)
        if self._seal is not None:
            first = self._first_hash() or written[0]["hash"]
            if self._anchor(first) is None:
                # Anchor the state before this batch first: a crash while the lines are written
                # then leaves an anchor that lags the log, never one that is missing.
                self._set_anchor(first, *before)
        text = "".join(json.dumps(e, sort_keys=True, ensure_ascii=False) + "\n" for e in written)
        handle.seek(0, os.SEEK_END)
        handle.write(text.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
        return written

    def _set_anchor(self, first: str, seq: int, head: str) -> None:
        assert self._seal is not None
        anchor = {"log": first, "workspace": self._workspace(), "seq": seq, "head": head}
        _write_anchor(self._seal.anchors / f"{first}.json", anchor)

    def _workspace(self) -> str:
        return str(self.path.parent.resolve())

    def _replaced_note(self, anchor: dict[str, Any]) -> AuditEvent:
        return AuditEvent(
            action="audit.log_replaced",
            outcome="warning",
            details={
                "previous_log": anchor["log"],
                "previous_entries": anchor["seq"],
                "why": "the audit log anchored for this workspace was not found; this log "
                "starts again (the workspace was removed and rebuilt, or the log replaced)",
            },
        )

    def _sealing_note(self, checked: AuditVerification) -> AuditEvent:
        return AuditEvent(
            action="audit.sealed",
            details={
                "entries_before": checked.entries,
                "unsealed_before": checked.unsealed,
                "why": "the first entry sealed with the custodian key; the entries before it "
                "were written without a seal or an anchor, and are vouched for from here on",
            },
        )

    def _first_hash(self) -> str | None:
        for entry in self.entries():
            return str(entry["hash"])
        return None

    def entries(self) -> Iterator[dict[str, Any]]:
        """Entries in order, without checking the chain."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)

    def event_ids(self) -> set[str]:
        return {str(entry["id"]) for entry in self.entries() if "id" in entry}

    def verify(self, *, acknowledge: bool = False) -> AuditVerification:
        """Check every entry's hash and link, and with the key every seal and the anchor. Raises
        :class:`AuditChainBroken` naming the line of the first entry that does not fit, or the
        entries missing from the end; returns the count, head and how much is sealed.
        ``acknowledge``: a sealed append about to record that the log was replaced."""
        prev, count, sealed, first, version = GENESIS, 0, 0, None, 0
        if self.path.exists():
            with self.path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    entry = self._checked(number, line, prev, count)
                    version = self._checked_seal(number, entry, version)
                    prev, count = entry["hash"], count + 1
                    first = first or prev
                    if "mac" in entry:
                        sealed = count
        result = AuditVerification(count, prev, sealed)
        if self._seal is None:
            return result
        return self._check_anchor(result, first, acknowledge)

    def _checked(self, number: int, line: str, prev: str, count: int) -> dict[str, Any]:
        try:
            entry: dict[str, Any] = json.loads(line)
            stated, linked, seq = entry["hash"], entry["prev"], entry["seq"]
        except (ValueError, KeyError, TypeError) as error:
            raise self._broken(number, "is not a readable entry") from error
        if linked != prev:
            raise self._broken(number, "does not follow the entry before it")
        if seq != count + 1:
            raise self._broken(number, f"has sequence {seq}, expected {count + 1}")
        if _entry_hash(entry) != stated:
            raise self._broken(number, "has been altered (its hash does not match)")
        return entry

    def _checked_seal(self, number: int, entry: dict[str, Any], newest: int) -> int:
        """Check an entry's seal under the key version that made it; returns the newest version
        seen so far. A seal by a version older than one already seen is refused: once a version
        is retired nothing is sealed with it, so such a seal was made with a retired key after
        its retirement."""
        if self._seal is None or "mac" not in entry:
            return newest
        found = self._seal.versions.get(str(entry.get("sealed_by")))
        if found is None:
            raise self._broken(number, f"is sealed with another key ({entry.get('sealed_by')})")
        version, secret = found
        if not hmac.compare_digest(str(entry["mac"]), self._seal.mac(entry["hash"], secret)):
            raise self._broken(
                number,
                "has a seal that does not match its contents: it, or an entry before it, was "
                "rewritten without the custodian key",
            )
        if version < newest:
            raise self._broken(
                number,
                f"is sealed with key version {version}, retired before an earlier entry was "
                f"sealed with version {newest}",
            )
        return version

    def _check_anchor(
        self, result: AuditVerification, first: str | None, acknowledge: bool
    ) -> AuditVerification:
        assert self._seal is not None
        anchor = self._anchor(first)
        if anchor is None:
            if result.sealed:
                raise AuditChainBroken(
                    "The audit log has sealed entries but no anchor beside the custodian key: "
                    "it was moved from another key's custody, or replaced",
                    file=self.path,
                    fix=f"Look for its anchor (named {first}.json) under {self._seal.anchors}; "
                    "otherwise restore the log from a copy and tell the data protection officer",
                )
            stale = self._stale_anchors(first)
            if stale and not acknowledge:
                raise AuditChainBroken(
                    f"This is not the audit log anchored for this workspace: that log had "
                    f"{stale[0]['seq']} entries and is missing",
                    file=self.path,
                    fix="Restore that log from a copy; if the workspace was removed and rebuilt "
                    "on purpose, the next command run with the custodian key records it and "
                    "starts the new log",
                )
            return result
        seq, head = int(anchor["seq"]), str(anchor["head"])
        if result.entries < seq:
            missing = (
                f"entry {seq} is"
                if result.entries + 1 == seq
                else f"entries {result.entries + 1} to {seq} are"
            )
            raise AuditChainBroken(
                f"The audit log has been cut short: it ends at entry {result.entries}, but the "
                f"anchor beside the custodian key records entry {seq}; {missing} missing",
                file=self.path,
                fix="Restore the log from a copy and tell the data protection officer",
            )
        if seq:
            anchored = next(e for e in self.entries() if e["seq"] == seq)
            if anchored["hash"] != head:
                raise self._broken(
                    seq, "is not the entry the anchor beside the custodian key records"
                )
        return AuditVerification(result.entries, result.head, result.sealed, anchored=True)

    def _anchor(self, first: str | None) -> dict[str, Any] | None:
        assert self._seal is not None
        if first is None:
            return None
        path = self._seal.anchors / f"{first}.json"
        if not path.exists():
            return None
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return loaded

    def _stale_anchors(self, first: str | None) -> list[dict[str, Any]]:
        """Anchors of other logs that stood at this workspace's location."""
        assert self._seal is not None
        if not self._seal.anchors.is_dir():
            return []
        here = self._workspace()
        found = []
        for path in sorted(self._seal.anchors.glob("*.json")):
            anchor = json.loads(path.read_text(encoding="utf-8"))
            if anchor.get("workspace") == here and anchor.get("log") != first:
                found.append(anchor)
        return found

    def _broken(self, line: int, what: str) -> AuditChainBroken:
        return AuditChainBroken(
            f"The audit chain breaks: entry at line {line} {what}",
            file=self.path,
            row=line,
            fix="Entries from this line on cannot be trusted; restore the log from a copy and "
            "tell the data protection officer",
        )
