"""Linkage fixtures: small synthetic worlds, ingested and linked once per session, and tiny
hand-made custodian zones for scenarios (a family that moves, a young adult who leaves home).

Only the measurement code and these tests read a world's truth; linkage never does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from bakehouse.custody.identifiers import IDENTIFIER_COLUMNS
from bakehouse.custody.zones import create_analysis_tables, create_custodian_tables
from bakehouse.ingest import IngestOptions, ingest
from bakehouse.ingest.agreement import sources_for
from bakehouse.linkage import LinkOptions, LinkResult, link
from bakehouse.world.config import WorldConfig
from bakehouse.world.generate import generate
from bakehouse.world.noise import NoiseLevel

SMALL_SCALE = 0.05


# A fixed secret, so the tokens, and so the pairs a review samples, are the same in every run:
# a test of a 95% interval drawn afresh each run would fail one run in twenty by design.
FIXED_SECRET = "5eed" * 16


@pytest.fixture(scope="session")
def linkage_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("linkage-custodian") / "custodian.key"
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(FIXED_SECRET + "\n")
    return target


@dataclass(frozen=True)
class LinkedWorld:
    world: Path
    workspace: Path
    key_file: Path
    result: LinkResult

    @property
    def truth(self) -> Path:
        return self.world / "truth"

    def analysis(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.workspace / "analysis.duckdb"), read_only=True)


@pytest.fixture(scope="session")
def linked_world(
    tmp_path_factory: pytest.TempPathFactory, linkage_key: Path
) -> Callable[[NoiseLevel], LinkedWorld]:
    """A Basildon world at 5% scale, ingested and linked with --truth, per noise level."""
    cache: dict[NoiseLevel, LinkedWorld] = {}

    def make(noise: NoiseLevel = NoiseLevel.DEFAULT) -> LinkedWorld:
        if noise not in cache:
            root = tmp_path_factory.mktemp(f"linked-{noise.value}")
            world = root / "world"
            generate(WorldConfig(area="basildon", seed=3, scale=SMALL_SCALE, noise=noise), world)
            workspace = root / "ws"
            ingest(
                IngestOptions(
                    sources=world,
                    workspace=workspace,
                    purpose="school-readiness",
                    only=sources_for("school-readiness"),
                    key_file=linkage_key,
                )
            )
            result = link(
                LinkOptions(workspace=workspace, truth=world / "truth", key_file=linkage_key)
            )
            cache[noise] = LinkedWorld(world, workspace, linkage_key, result)
        return cache[noise]

    return make


# --- tiny hand-made zones ------------------------------------------------------------------------


@dataclass
class Person:
    forename: str
    surname: str
    dob: date
    sex: str | None = None
    nhs_number: str | None = None


@dataclass
class Zone:
    """A custodian zone written by hand: ``record`` adds one record naming one person at an
    address on a date; ``build`` writes the two zones of a workspace."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def record(
        self,
        source: str,
        person: Person,
        address: str | None,
        postcode: str | None,
        on: date,
        *,
        with_dob: bool = True,
        token: str | None = None,
        role: str = "subject",
    ) -> str:
        token = token or f"{source}-{len(self.rows):06d}"
        self.rows.append(
            {
                "token": token,
                "source": source,
                "person_role": role,
                "forename": person.forename,
                "surname": person.surname,
                "dob": person.dob if with_dob else None,
                "sex": person.sex,
                "nhs_number": person.nhs_number,
                "upn": None,
                "nino": None,
                "address": address,
                "postcode": postcode,
                "lsoa11cd": "E01021237",
                "event_date": on,
                "raw": "{}",
            }
        )
        return token

    def build(self, workspace: Path) -> Path:
        workspace.mkdir(parents=True, exist_ok=True)
        custodian = duckdb.connect(str(workspace / "custodian.duckdb"))
        create_custodian_tables(custodian)
        names = [name for name, _ in IDENTIFIER_COLUMNS]
        rows = pa.Table.from_pylist([{name: row.get(name) for name in names} for row in self.rows])
        custodian.register("zone_rows", rows)
        custodian.execute(
            f"INSERT INTO identifiers ({', '.join(names)}) SELECT {', '.join(names)} FROM zone_rows"
        )
        custodian.unregister("zone_rows")
        custodian.execute(
            "INSERT INTO records SELECT DISTINCT token, source, source || '.csv', "
            "row_number() OVER (PARTITION BY source ORDER BY token), 'accepted' "
            "FROM identifiers"
        )
        custodian.close()
        analysis = duckdb.connect(str(workspace / "analysis.duckdb"))
        create_analysis_tables(analysis, "main")
        analysis.close()
        (workspace / "manifest.json").write_text(json.dumps({"run_id": "hand-made"}))
        return workspace


@pytest.fixture
def zone() -> Zone:
    return Zone()


def person_links(workspace: Path) -> dict[str, tuple[str, str]]:
    """token -> (person_id, household_id) for subject rows."""
    con = duckdb.connect(str(workspace / "analysis.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT token, person_id, household_id FROM person_links WHERE person_role = 'subject'"
    ).fetchall()
    con.close()
    return {token: (person, household) for token, person, household in rows}
