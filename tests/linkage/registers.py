"""Two agencies' registers of the same town, as a partnership without national identifiers holds
them: forename, surname, date of birth, street address and postcode, nothing else.

People and their homes come from a small synthetic world's truth (so names have realistic
frequencies and families share a surname and an address). Register A lists residents on one
date, register B residents three years earlier (people who moved since are at another address),
each a sample, each with the errors registers have: typing errors in names, nicknames, names
entered the wrong way round, day and month swapped, a missing date of birth, a mistyped postcode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np

from bakehouse.world.noise import one_edit

from .conftest import Person, Zone

NICKNAMES = {"WILLIAM": "BILL", "ROBERT": "BOB", "MARGARET": "MAGGIE", "ELIZABETH": "LIZ"}


@dataclass(frozen=True)
class Registers:
    truth: dict[str, int]  # token -> true person


def _residents(truth: Path, on: date) -> list[tuple[object, ...]]:
    con = duckdb.connect()
    rows = con.execute(
        """SELECT p.person_id, upper(p.forename), upper(p.surname), p.dob, p.sex,
                  a.house_number || ' ' || upper(a.street) || ' ' || upper(a.town), a.postcode
           FROM read_parquet($residence) r JOIN read_parquet($people) p USING (person_id)
           JOIN read_parquet($addresses) a USING (address_id)
           WHERE r.start <= $on AND (r."end" IS NULL OR r."end" > $on)
           ORDER BY p.person_id""",
        {
            "residence": str(truth / "residence.parquet"),
            "people": str(truth / "people.parquet"),
            "addresses": str(truth / "addresses.parquet"),
            "on": on,
        },
    ).fetchall()
    con.close()
    return rows


def _recorded(row: tuple[object, ...], rng: np.random.Generator) -> tuple[Person, str, str]:
    _, forename, surname, dob, sex, address, postcode = row
    assert isinstance(forename, str) and isinstance(surname, str) and isinstance(dob, date)
    assert isinstance(address, str) and isinstance(postcode, str)
    if rng.random() < 0.03:
        forename = one_edit(forename, rng)
    if rng.random() < 0.03:
        surname = one_edit(surname, rng)
    if forename in NICKNAMES and rng.random() < 0.3:
        forename = NICKNAMES[forename]
    if rng.random() < 0.01:
        forename, surname = surname, forename
    if rng.random() < 0.01 and dob.day <= 12 and dob.day != dob.month:
        dob = dob.replace(day=dob.month, month=dob.day)
    if rng.random() < 0.02:
        postcode = postcode[:-1] + ("A" if postcode[-1] != "A" else "B")
    person = Person(forename.upper(), surname.upper(), dob, sex=str(sex))
    return person, address, postcode


def two_registers(
    truth: Path, zone: Zone, as_at: date, *, seed: int = 7, share: float = 0.8
) -> Registers:
    """Write registers A and B into ``zone``, each holding ``share`` of the residents on its
    date; return who each record truly is."""
    rng = np.random.default_rng(seed)
    tokens: dict[str, int] = {}
    for source, on in (("register_a", as_at), ("register_b", as_at - timedelta(days=3 * 365))):
        for row in _residents(truth, on):
            if rng.random() > share:
                continue
            person, address, postcode = _recorded(row, rng)
            token = zone.record(
                source, person, address, postcode, on, with_dob=rng.random() >= 0.02
            )
            person_id = row[0]
            assert isinstance(person_id, int)
            tokens[token] = person_id
    return Registers(tokens)


def pairwise_scores(predicted: dict[str, str], truth: dict[str, int]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of ``predicted`` (token -> person) against ``truth``."""

    def pairs(groups: dict[object, int]) -> int:
        return sum(n * (n - 1) // 2 for n in groups.values())

    def counts(keys: list[object]) -> dict[object, int]:
        out: dict[object, int] = {}
        for key in keys:
            out[key] = out.get(key, 0) + 1
        return out

    tokens = sorted(truth)
    both = pairs(counts([(predicted[t], truth[t]) for t in tokens]))
    linked = pairs(counts([predicted[t] for t in tokens]))
    true = pairs(counts([truth[t] for t in tokens]))
    precision, recall = both / linked, both / true
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall),
    }
