"""The opt-out and erasure registers, and the person searches that feed them and subject access.

A register entry holds keyed hashes of the person's standardised identifiers (NHS number, UPN,
NINO, surname + first forename + date of birth), never the identifiers: the register itself
identifies no one without the custodian key. Ingestion withholds every record whose person
matches an entry (opt-outs: every source; erasures: the sources erased from).

An entry's keys are made under the active version of the custodian key, and the entry records
which (``key_id``). They cannot be re-made under a later version, since the identifiers they
hash are not kept, so after a rotation ingestion matches each entry under the version that made
it: the key file keeps retired versions for this.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from bakehouse.custody import identifiers
from bakehouse.custody.audit import current_actor
from bakehouse.custody.keys import CustodianKey
from bakehouse.custody.workspace import write_atomic
from bakehouse.errors import CustodyError

MatchKind = Literal["nhs", "upn", "nino", "nsd"]


class PersonQuery(BaseModel):
    """Who to look for. At least one strong identifier, or surname, forename and date of birth."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nhs_number: str | None = None
    upn: str | None = None
    nino: str | None = None
    forename: str | None = None
    surname: str | None = None
    dob: date | None = None

    def check(self) -> None:
        strong = self.nhs_number or self.upn or self.nino
        named = self.forename and self.surname and self.dob
        if not (strong or named):
            raise CustodyError(
                "Not enough to identify a person",
                fix="Give an NHS number, a UPN, a National Insurance number, or forename, "
                "surname and date of birth together",
            )


class StandardQuery(BaseModel):
    """A query in the custodian zone's standard forms."""

    nhs_number: str | None
    upn: str | None
    nino: str | None
    forename: str | None
    surname: str | None
    dob: date | None


def standardise(con: duckdb.DuckDBPyConnection, query: PersonQuery) -> StandardQuery:
    """Standardise with the same macros as ingestion; refuse identifiers that fail their checks
    (the message names the field, never the value)."""
    query.check()
    row = con.execute(
        """SELECT bh_nhs($nhs), bh_upn($upn), bh_nino($nino), bh_first_name($forename),
                  bh_name($surname)""",
        {
            "nhs": query.nhs_number,
            "upn": query.upn,
            "nino": query.nino,
            "forename": query.forename,
            "surname": query.surname,
        },
    ).fetchone()
    assert row is not None
    for given, standard, field in (
        (query.nhs_number, row[0], "nhs_number"),
        (query.upn, row[1], "upn"),
        (query.nino, row[2], "nino"),
    ):
        if given and standard is None:
            raise CustodyError(
                f"The {field} given fails its format or check digit",
                field=field,
                fix="Check the number against the request",
            )
    return StandardQuery(
        nhs_number=row[0], upn=row[1], nino=row[2], forename=row[3], surname=row[4], dob=query.dob
    )


def match_keys(con: duckdb.DuckDBPyConnection, query: StandardQuery) -> list[str]:
    row = con.execute(
        "SELECT bh_match_keys($forename, $surname, $dob, $nhs, $upn, $nino)",
        {
            "forename": query.forename,
            "surname": query.surname,
            "dob": query.dob,
            "nhs": query.nhs_number,
            "upn": query.upn,
            "nino": query.nino,
        },
    ).fetchone()
    assert row is not None
    return list(row[0])


class RegisterEntry(BaseModel):
    id: str
    kind: Literal["optout", "erasure"]
    keys: list[str]
    sources: list[str] | None = None  # None: every source
    reference: str
    basis: str
    added_at: str
    added_by: str
    key_id: str


class RegisterFile(BaseModel):
    entries: list[RegisterEntry] = Field(default_factory=list)


class Registers:
    """The registers file of a workspace (written atomically, mode 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[RegisterEntry]:
        if not self.path.exists():
            return []
        return RegisterFile.model_validate_json(self.path.read_text(encoding="utf-8")).entries

    def fingerprint(self) -> str:
        if not self.path.exists():
            return "none"
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def save(self, entries: list[RegisterEntry], path: Path | None = None) -> None:
        text = RegisterFile(entries=entries).model_dump_json(indent=2)
        write_atomic(path or self.path, text)

    def check_key(self, key: CustodianKey) -> None:
        """Every entry must have been made by a version the key file holds (the active one or
        one retired by a rotation): an entry no version can match would withhold no one."""
        for entry in self.load():
            if key.version_with(entry.key_id) is None:
                raise CustodyError(
                    f"Register entry {entry.id} was made with another custodian key",
                    file=self.path,
                    fix="Use the key file this workspace was built with, with all its versions",
                )

    def new_entry(
        self,
        kind: Literal["optout", "erasure"],
        keys: list[str],
        key: CustodianKey,
        reference: str,
        basis: str,
        sources: list[str] | None = None,
    ) -> RegisterEntry:
        return RegisterEntry(
            id=f"{kind}-{uuid.uuid4().hex[:12]}",
            kind=kind,
            keys=sorted(keys),
            sources=sources,
            reference=reference,
            basis=basis,
            added_at=datetime.now(UTC).isoformat(timespec="seconds"),
            added_by=current_actor(),
            key_id=key.key_id,
        )

    def as_table(self) -> pa.Table:
        """One row per (key, kind, source, key version); source null for every source. A match
        key is only meaningful under the version that made it (``key_id``)."""
        keys: list[str] = []
        kinds: list[str] = []
        sources: list[str | None] = []
        key_ids: list[str] = []
        for entry in self.load():
            for match in entry.keys:
                every: list[str | None] = [None]
                for source in entry.sources or every:
                    keys.append(match)
                    kinds.append(entry.kind)
                    sources.append(source)
                    key_ids.append(entry.key_id)
        return pa.table(
            {
                "key": pa.array(keys, pa.string()),
                "kind": pa.array(kinds, pa.string()),
                "source": pa.array(sources, pa.string()),
                "key_id": pa.array(key_ids, pa.string()),
            }
        )


def connect_for_keys(key: CustodianKey) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    identifiers.install(con, key)
    return con


def summary(entry: RegisterEntry) -> dict[str, object]:
    """What may be shown about an entry: never the keys."""
    kinds = sorted({match.split(":", 1)[0] for match in entry.keys})
    return {
        "id": entry.id,
        "kind": entry.kind,
        "matches_on": kinds,
        "sources": entry.sources or "all",
        "reference": entry.reference,
        "basis": entry.basis,
        "added_at": entry.added_at,
        "added_by": entry.added_by,
    }


def dumps(entries: list[RegisterEntry]) -> str:
    return json.dumps([summary(entry) for entry in entries], indent=2)
