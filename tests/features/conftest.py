"""A tiny analysis zone written by hand: the tables ingestion and linkage leave there, with only
the rows a scenario needs. ``Zone.child`` places a child in a household; ``Zone.record`` adds one
record of a source linked to a person and a household."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bakehouse.custody.zones import create_analysis_tables

LSOA = "E01021237"

SOURCE_COLUMNS: dict[str, dict[str, str]] = {
    "health_visiting": {
        "birth_year": "SMALLINT",
        "birth_month": "SMALLINT",
        "sex": "VARCHAR",
        "contact_type": "VARCHAR",
        "contact_date": "DATE",
        "birth_weight_grams": "BIGINT",
        "gestation_weeks": "BIGINT",
        "asq_communication": "BIGINT",
        "asq_gross_motor": "BIGINT",
        "asq_fine_motor": "BIGINT",
        "asq_problem_solving": "BIGINT",
        "asq_personal_social": "BIGINT",
        "maternal_mood_concern": "BOOLEAN",
        "preferred_language": "VARCHAR",
        "recorded_date": "DATE",
    },
    "csc": {
        "child_key": "VARCHAR",
        "birth_year": "SMALLINT",
        "birth_month": "SMALLINT",
        "sex": "VARCHAR",
        "ethnicity": "VARCHAR",
        "referral_date": "DATE",
        "referral_source": "VARCHAR",
        "primary_need": "VARCHAR",
        "outcome": "VARCHAR",
        "episode_start": "DATE",
        "episode_end": "DATE",
        "recorded_date": "DATE",
    },
    "early_education": {
        "birth_year": "SMALLINT",
        "birth_month": "SMALLINT",
        "funding_type": "VARCHAR",
        "term_start": "DATE",
        "hours_per_week": "DOUBLE",
        "provider_urn": "VARCHAR",
        "eypp": "BOOLEAN",
        "return_date": "DATE",
    },
    "education": {
        "birth_year": "SMALLINT",
        "birth_month": "SMALLINT",
        "sex": "VARCHAR",
        "ethnicity": "VARCHAR",
        "first_language": "VARCHAR",
        "fsm_eligible": "BOOLEAN",
        "sen_provision": "VARCHAR",
        "census_date": "DATE",
        "nc_year": "VARCHAR",
        "eyfsp_gld": "BOOLEAN",
        "eyfsp_year": "BIGINT",
    },
    "police": {
        "incident_key": "VARCHAR",
        "incident_time": "TIMESTAMP",
        "role": "VARCHAR",
        "dash_risk": "VARCHAR",
        "recorded_at": "TIMESTAMP",
    },
    "benefits": {
        "claim_key": "VARCHAR",
        "claim_type": "VARCHAR",
        "claim_start": "DATE",
        "claim_end": "DATE",
        "dependants": "BIGINT",
        "passported": "BOOLEAN",
        "processed_date": "DATE",
    },
    "housing": {
        "case_key": "VARCHAR",
        "household_size": "BIGINT",
        "children_in_household": "BIGINT",
        "approach_date": "DATE",
        "reason": "VARCHAR",
        "duty": "VARCHAR",
        "ta_start": "DATE",
        "ta_end": "DATE",
        "recorded_date": "DATE",
    },
    "council_tax": {
        "account_key": "VARCHAR",
        "account_start": "DATE",
        "account_end": "DATE",
        "discount": "VARCHAR",
        "discount_start": "DATE",
        "discount_end": "DATE",
    },
}

AGREEMENTS = {
    "health_visiting": "DSA-NHS-HV-2026",
    "csc": "DSA-ECC-CSC-2026",
    "early_education": "DSA-ECC-EDU-2026",
    "education": "DSA-ECC-EDU-2026",
    "police": "DSA-EP-DA-2026",
    "benefits": "DSA-BBC-RB-2026",
    "housing": "DSA-BBC-HOU-2026",
    "council_tax": "DSA-BBC-CT-2026",
}


@dataclass
class Zone:
    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {source: [] for source in SOURCE_COLUMNS}
    )
    links: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    episodes: list[tuple[str, str, str | None, str | None, date, date]] = field(
        default_factory=list
    )

    def stay(
        self,
        person: str,
        household: str,
        start: date,
        end: date,
        lsoa: str = LSOA,
        address: str = "A1",
    ) -> None:
        self.episodes.append((person, household, address, lsoa, start, end))

    def record(
        self, source: str, person: str, household: str, role: str = "subject", **values: Any
    ) -> str:
        token = f"{source}-{len(self.links):05d}"
        if "role" in SOURCE_COLUMNS[source]:  # the police record the role on the row as well
            values.setdefault("role", role)
        unknown = set(values) - set(SOURCE_COLUMNS[source]) - {"lsoa11cd"}
        if unknown:
            raise ValueError(f"{source} has no column(s) {sorted(unknown)}")
        self.rows[source].append({"token": token, "lsoa11cd": LSOA, **values})
        self.links.append((token, source, role, person, household))
        return token

    def child(
        self,
        person: str,
        household: str,
        born: date,
        *,
        until: date = date(2026, 1, 1),
        weight: int = 3400,
        gestation: int = 40,
        sex: str = "F",
    ) -> None:
        """A child in ``household`` from birth, seen at the new birth visit."""
        self.stay(person, household, born, until)
        self.record(
            "health_visiting",
            person,
            household,
            birth_year=born.year,
            birth_month=born.month,
            sex=sex,
            contact_type="NBV",
            contact_date=date(born.year, born.month, 20),
            birth_weight_grams=weight,
            gestation_weeks=gestation,
            maternal_mood_concern=False,
            recorded_date=date(born.year, born.month, 25),
        )

    def build(self, workspace: Path) -> Path:
        workspace.mkdir(parents=True, exist_ok=True)
        path = workspace / "analysis.duckdb"
        if path.exists():
            path.unlink()
        con = duckdb.connect(str(path))
        create_analysis_tables(con, "main")
        for source, columns in SOURCE_COLUMNS.items():
            ddl = ", ".join(
                f"{n} {t}"
                for n, t in {"token": "VARCHAR", **columns, "lsoa11cd": "VARCHAR"}.items()
            )
            con.execute(f"CREATE TABLE {source} ({ddl})")
            names = ["token", *columns, "lsoa11cd"]
            for row in self.rows[source]:
                con.execute(
                    f"INSERT INTO {source} ({', '.join(names)}) VALUES "
                    f"({', '.join('?' for _ in names)})",
                    [row.get(name) for name in names],
                )
            con.execute(
                "INSERT INTO sources VALUES (?, ?, ?, ?, '1.0', ?, DATE '2099-01-01', 72, true, "
                "7, 5)",
                [source, source, "supplier", AGREEMENTS[source], ["school-readiness"]],
            )
        con.execute(
            "CREATE TABLE person_links (token VARCHAR, source VARCHAR, person_role VARCHAR, "
            "person_id VARCHAR, household_id VARCHAR)"
        )
        con.executemany("INSERT INTO person_links VALUES (?, ?, ?, ?, ?)", self.links)
        con.execute(
            "CREATE TABLE household_episodes (person_id VARCHAR, household_id VARCHAR, "
            "address_id VARCHAR, lsoa11cd VARCHAR, start_date DATE, end_date DATE, "
            "records HUGEINT)"
        )
        con.executemany(
            "INSERT INTO household_episodes VALUES (?, ?, ?, ?, ?, ?, 1)", self.episodes
        )
        con.execute(
            "CREATE TABLE linkage_runs (run_id VARCHAR, ingest_run_id VARCHAR, "
            "settings_fingerprint VARCHAR, backend VARCHAR, threshold DOUBLE, key_id VARCHAR, "
            "code_version VARCHAR, records BIGINT, persons BIGINT, households BIGINT, "
            "built_at TIMESTAMP)"
        )
        con.execute(
            "INSERT INTO runs VALUES ('r1', 'fingerprint', 'school-readiness', 'k', '0', now())"
        )
        con.execute(
            "INSERT INTO linkage_runs VALUES ('l1', 'r1', 's', 'duckdb', 0.9, 'k', '0', 1, 1, 1, "
            "now())"
        )
        con.close()
        return path


@pytest.fixture
def zone() -> Zone:
    return Zone()
