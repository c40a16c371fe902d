"""An append-only, hash-chained audit log (JSON lines).

Each entry carries the hash of the one before it and its own hash over its canonical JSON, so
changing, removing or reordering any entry breaks the chain from that entry on, and
:meth:`AuditLog.verify` says where. Entries hold who, what, when, which source and agreement, and
counts: never a person's identifiers or values.

The chain shows tampering inside the log; cutting entries off its end leaves a shorter valid chain,
so the head hash that ``verify`` returns should also be recorded elsewhere (the workspace manifest
keeps the head at each run).
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from bakehouse.errors import AuditChainBroken

GENESIS = "0" * 64
ENV_ACTOR = "BAKEHOUSE_ACTOR"


def current_actor() -> str:
    """Who is acting: ``$BAKEHOUSE_ACTOR`` if set (a named custodian), else the login name."""
    return os.environ.get(ENV_ACTOR) or getpass.getuser()


class AuditEvent(BaseModel):
    """What happened. ``counts`` and ``details`` must not hold identifiers or record values."""

    action: str
    outcome: str = "ok"
    actor: str = Field(default_factory=current_actor)
    source: str | None = None
    agreement: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class AuditVerification:
    entries: int
    head: str


def _entry_hash(entry: Mapping[str, Any]) -> str:
    body = {key: value for key, value in entry.items() if key != "hash"}
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


class AuditLog:
    """``AuditLog(path).append(event)`` and ``.verify()``; see the module docstring."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def append(self, event: AuditEvent | Mapping[str, Any]) -> dict[str, Any]:
        """Append one event, chained to the last entry; returns the entry written."""
        record = event if isinstance(event, AuditEvent) else AuditEvent.model_validate(event)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                last = _last_line(handle)
                seq, prev = 1, GENESIS
                if last is not None:
                    try:
                        previous = json.loads(last)
                        seq, prev = int(previous["seq"]) + 1, str(previous["hash"])
                    except (ValueError, KeyError, TypeError) as error:
                        raise AuditChainBroken(
                            "The audit log's last entry cannot be read, so nothing more can be "
                            "chained to it",
                            file=self.path,
                            fix="Run `bakehouse audit verify` and restore the log from a copy",
                        ) from error
                entry: dict[str, Any] = {
                    "seq": seq,
                    "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    **record.model_dump(),
                    "prev": prev,
                }
                entry["hash"] = _entry_hash(entry)
                line = json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n"
                handle.seek(0, os.SEEK_END)
                handle.write(line.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return entry

    def entries(self) -> Iterator[dict[str, Any]]:
        """Entries in order, without checking the chain."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)

    def verify(self) -> AuditVerification:
        """Check every entry's hash and link. Raises :class:`AuditChainBroken` naming the line of
        the first entry that does not fit; returns the count and the head hash."""
        prev, count = GENESIS, 0
        if not self.path.exists():
            return AuditVerification(0, GENESIS)
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    entry = json.loads(line)
                    stated = entry["hash"]
                    linked = entry["prev"]
                    seq = entry["seq"]
                except (ValueError, KeyError, TypeError) as error:
                    raise self._broken(number, "is not a readable entry") from error
                if linked != prev:
                    raise self._broken(number, "does not follow the entry before it")
                if seq != count + 1:
                    raise self._broken(number, f"has sequence {seq}, expected {count + 1}")
                if _entry_hash(entry) != stated:
                    raise self._broken(number, "has been altered (its hash does not match)")
                prev, count = stated, count + 1
        return AuditVerification(count, prev)

    def _broken(self, line: int, what: str) -> AuditChainBroken:
        return AuditChainBroken(
            f"The audit chain breaks: entry at line {line} {what}",
            file=self.path,
            row=line,
            fix="Entries from this line on cannot be trusted; restore the log from a copy and "
            "tell the data protection officer",
        )
