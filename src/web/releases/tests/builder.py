"""Writes small, valid releases for tests: real Basildon LSOAs and boundaries, made-up
area-level numbers that follow the disclosure rule and pass the output checker, correct hashes,
and a manifest signed with the test settings' key (``TEST_RELEASE_SIGNING_KEY``, which the test
settings trust). Real releases come from `bakehouse publish`; this exists so the web app can be
tested without running the pipeline. Two recipes are at hand (``SCHOOL_READINESS`` and
``HOMELESSNESS``, the latter made up for tests), so tests import releases of both side by side.

``tamper``, ``rehash`` and ``write_manifest`` let a test break a release in one place and keep
the rest valid; they sign again with the trusted key unless told ``signed=False`` (a forger,
who has no key).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from bakehouse.geography import load_area
from bakehouse.release.signing import SIGNATURE, SigningKey
from web.releases import contract

DISTRICT = ("E07000066", "Basildon")
COUNTY = ("E10000012", "Essex")
OBSERVED_COHORTS = (2019, 2022, 2023, 2024, 2025)
EXPECTED_COHORTS = (2026, 2027, 2028)
THRESHOLD, ROUNDING = 7, 5
# The positions of the areas whose coming cohorts are withheld, and of those whose observed
# counts of events are (two of each: one alone could be recovered from the
# district's total).
WITHHELD_FUTURE = (7, 8)
SMALL_OBSERVED = (3, 5)
SCHOOL_DRIVERS = (
    (
        "income_deprivation",
        "Families on low incomes",
        "Many young children here live in families on low incomes.",
    ),
    (
        "early_education_takeup",
        "Fewer children in funded early education",
        "Fewer two-year-olds here take up their free early education place.",
    ),
    (
        "domestic_abuse",
        "Domestic abuse reported at home",
        "More families here have had the police called about domestic abuse.",
    ),
    (
        "housing_instability",
        "Moving home often or temporary housing",
        "More families here have moved home often or lived in temporary housing.",
    ),
    (
        "health_visitor_review",
        "Concerns at the two-year health review",
        "More children here had a concern noted at their two-year health visitor review.",
    ),
)

SCHEMAS: dict[str, pa.Schema] = {
    contract.AREAS: pa.schema(
        [
            *[
                (name, pa.string())
                for name in ("lsoa11cd", "lsoa11nm", "msoa11cd", "msoa11nm", "lad_code")
            ],
            ("lad_name", pa.string()),
            ("imd_decile", pa.int8()),
            ("observed_population", pa.int32()),
            ("observed_events", pa.int32()),
            ("observed_rate", pa.float64()),
            ("observed_low", pa.float64()),
            ("observed_high", pa.float64()),
            ("observed_suppressed", pa.bool_()),
            ("future_population", pa.int32()),
            ("future_suppressed", pa.bool_()),
            *[
                (name, pa.float64())
                for name in (
                    "expected_events",
                    "expected_low",
                    "expected_high",
                    "expected_rate",
                    "expected_rate_low",
                    "expected_rate_high",
                    "shrunken_rate",
                    "shrunken_low",
                    "shrunken_high",
                )
            ],
            ("rank", pa.int32()),
            ("rank_low", pa.int32()),
            ("rank_high", pa.int32()),
            ("vs_district", pa.string()),
            ("vs_county", pa.string()),
            ("hotspot", pa.string()),
            ("hotspot_p", pa.float64()),
            ("flagged", pa.bool_()),
            ("flag_reasons", pa.string()),
            ("summary", pa.string()),
        ]
    ),
    contract.TREND: pa.schema(
        [
            ("lsoa11cd", pa.string()),
            ("cohort", pa.int16()),
            ("population", pa.int32()),
            ("events", pa.int32()),
            ("rate", pa.float64()),
            ("low", pa.float64()),
            ("high", pa.float64()),
            ("suppressed", pa.bool_()),
            ("kind", pa.string()),
        ]
    ),
    contract.BENCHMARKS: pa.schema(
        [
            ("level", pa.string()),
            ("code", pa.string()),
            ("name", pa.string()),
            ("measure", pa.string()),
            ("value", pa.float64()),
            ("low", pa.float64()),
            ("high", pa.float64()),
            ("denominator", pa.int32()),
        ]
    ),
    contract.DRIVERS: pa.schema(
        [
            ("lsoa11cd", pa.string()),
            ("position", pa.int32()),
            ("feature", pa.string()),
            ("label", pa.string()),
            ("contribution", pa.float64()),
            ("text", pa.string()),
        ]
    ),
}


@dataclass(frozen=True)
class RecipeSpec:
    """The manifest's ``recipe`` beside its id: title, question, unit and words."""

    id: str
    title: str
    question: str
    unit: str
    words: dict[str, str]
    drivers: tuple[tuple[str, str, str], ...]


SCHOOL_READINESS = RecipeSpec(
    "school-readiness",
    "School readiness",
    "Where are children least likely to be ready for school when they start Reception?",
    "child",
    {
        "unit": "child",
        "units": "children",
        "outcome": "not reaching a Good Level of Development at the end of Reception",
        "events": "children not ready for school",
        "event_rate": "share of children not ready for school",
        "population": "children aged 2 years 6 months living in the area",
        "coming": "the cohorts still to start school",
    },
    SCHOOL_DRIVERS,
)
HOMELESSNESS = RecipeSpec(
    "homelessness-prevention",
    "Homelessness prevention",
    "Where are households most likely to approach the council as homeless in the next year?",
    "household",
    {
        "unit": "household",
        "units": "households",
        "outcome": "approaching the council as homeless within a year",
        "events": "approaches to the council as homeless",
        "event_rate": "share of households approaching the council as homeless",
        "population": "households renting in the area",
        "coming": "the year ahead",
    },
    (
        ("rent_arrears", "Rent arrears", "More tenancies here have fallen into arrears."),
        ("evictions", "Notices to quit", "More households here have had a notice to quit."),
        ("overcrowding", "Overcrowded homes", "More homes here are overcrowded."),
        ("benefit_changes", "Benefit changes", "More households here had their benefits cut."),
    ),
)


@dataclass(frozen=True)
class ReleaseSpec:
    """What to build. ``lsoas`` None takes every Basildon LSOA (110)."""

    run_id: str = "3f2a9c1d" + "7e" * 28
    created: str = "20251001"
    title: str = ""  # default: the recipe's title, in Basildon
    recipe: RecipeSpec = SCHOOL_READINESS
    lsoas: int | None = 10
    seed: int = 1
    not_produced: frozenset[str] = frozenset()
    previous_release: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def release_id(self) -> str:
        return f"{self.recipe.id}-{self.created}-{self.run_id[:8]}"

    @property
    def release_title(self) -> str:
        return self.title or f"{self.recipe.title} in Basildon"


def write_release(parent: Path, spec: ReleaseSpec | None = None) -> Path:
    """Writes the release into ``parent/<release id>/`` and returns that folder."""
    spec = spec or ReleaseSpec()
    folder = parent / spec.release_id
    folder.mkdir(parents=True)
    rng = random.Random(spec.seed)
    lsoas, boundaries = _geography(spec.lsoas)
    truths = [_truth(index, rng) for index in range(len(lsoas))]
    areas = _areas(lsoas, truths, rng, spec.recipe.words)
    tables = {
        contract.AREAS: areas,
        contract.TREND: _trend(areas, truths),
        contract.BENCHMARKS: _benchmarks(areas, truths),
        contract.DRIVERS: _drivers(areas, rng, spec.recipe.drivers),
    }
    for name, rows in tables.items():
        write_table(folder, name, rows)
    (folder / contract.GEOMETRY).write_text(json.dumps(boundaries), encoding="utf-8")
    for name, (content, markdown) in _documents(spec).items():
        document = next(item for item in contract.DOCUMENTS if item.name == name)
        (folder / document.json_file).write_text(json.dumps(content, indent=2), encoding="utf-8")
        if document.markdown_file:
            (folder / document.markdown_file).write_text(markdown, encoding="utf-8")
    _write_manifest(folder, spec)
    return folder


def write_table(folder: Path, name: str, rows: list[dict[str, Any]]) -> None:
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[name]), folder / name)


def read_rows(folder: Path, name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(folder / name).to_pylist()
    return rows


def read_manifest(folder: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((folder / contract.MANIFEST).read_text())
    return manifest


def trusted_signing_key() -> SigningKey:
    """The private half of the key pair the test settings trust."""
    key: SigningKey = settings.TEST_RELEASE_SIGNING_KEY
    return key


def write_manifest(
    folder: Path, manifest: dict[str, Any], *, signed: bool = True, key: SigningKey | None = None
) -> None:
    """Write the manifest; sign it with ``key`` (by default the trusted test key) if ``signed``,
    else leave the old signature beside it, as a forger without the key must."""
    (folder / contract.MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    if signed:
        (key or trusted_signing_key()).sign_manifest(folder)


def rehash(folder: Path, *, signed: bool = True) -> None:
    """Recompute every file's hash in the manifest, as a careless tamperer would."""
    manifest = read_manifest(folder)
    manifest["files"] = _hashes(folder)
    write_manifest(folder, manifest, signed=signed)


def tamper(
    folder: Path,
    name: str,
    change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
    *,
    schema: pa.Schema | None = None,
    signed: bool = True,
) -> None:
    """Rewrite one table through ``change`` and fix the hashes, so only the change is wrong."""
    rows = change(read_rows(folder, name))
    pq.write_table(pa.Table.from_pylist(rows, schema=schema or SCHEMAS[name]), folder / name)
    rehash(folder, signed=signed)


def _geography(count: int | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    area = load_area("basildon")
    lsoas: list[dict[str, Any]] = area.lsoas.to_pylist()
    if count is not None:
        step = len(lsoas) // count
        lsoas = lsoas[::step][:count]
    wanted = {row["lsoa11cd"] for row in lsoas}
    boundaries = area.boundaries()
    boundaries["features"] = [
        feature for feature in boundaries["features"] if feature["properties"]["lsoa11cd"] in wanted
    ]
    return lsoas, boundaries


def published(count: float) -> int | None:
    """A count after disclosure control: 1-7 suppressed (None), others rounded to 5."""
    whole = round(count)
    if 0 < whole <= THRESHOLD:
        return None
    return ROUNDING * round(whole / ROUNDING)


def wilson(events: int, total: int) -> tuple[float, float]:
    """The 95% Wilson interval, computed as the output checker recomputes it."""
    z = NormalDist().inv_cdf(0.975)
    p = events / total
    middle = (p + z * z / (2 * total)) / (1 + z * z / total)
    spread = z / (1 + z * z / total) * math.sqrt(p * (1 - p) / total + z * z / (4 * total**2))
    low = 0.0 if events == 0 else max(0.0, middle - spread)
    high = 1.0 if events == total else min(1.0, middle + spread)
    return low, high


@dataclass(frozen=True)
class _Truth:
    """An area's true counts, before disclosure control: (cohort, population, events)
    for each observed cohort and the population of each coming cohort. Every published count, from
    the cohort up to the county, is the rounding of a sum of these, so the release is
    consistent the way a real one is and the output checker passes it."""

    observed: tuple[tuple[int, int, int], ...]
    future: tuple[tuple[int, int], ...]
    rate: float


def _truth(index: int, rng: random.Random) -> _Truth:
    decile_rate = 0.14 + 0.025 * rng.randint(0, 9) + rng.uniform(-0.04, 0.04)
    rate = min(0.6, max(0.12, decile_rate))
    observed = []
    for cohort in OBSERVED_COHORTS:
        if index in SMALL_OBSERVED:
            observed.append((cohort, rng.randint(20, 30), rng.randint(1, THRESHOLD)))
            continue
        children = rng.randint(40, 90)
        share = min(0.8, max(0.05, rate + rng.uniform(-0.08, 0.08)))
        observed.append((cohort, children, max(10, round(children * share))))
    if index in WITHHELD_FUTURE:
        future = tuple((cohort, rng.randint(1, 2)) for cohort in EXPECTED_COHORTS)
    else:
        future = tuple((cohort, rng.randint(15, 45)) for cohort in EXPECTED_COHORTS)
    return _Truth(tuple(observed), future, rate)


def _observed(events: int | None, total: int | None) -> tuple[float | None, ...]:
    if events is None or not total:
        return (None, None, None)
    return (events / total, *wilson(events, total))


def _areas(
    lsoas: list[dict[str, Any]],
    truths: list[_Truth],
    rng: random.Random,
    words: dict[str, str],
) -> list[dict[str, Any]]:
    rows = []
    for lsoa, truth in zip(lsoas, truths, strict=True):
        row: dict[str, Any] = {
            name: lsoa[name]
            for name in ("lsoa11cd", "lsoa11nm", "msoa11cd", "msoa11nm", "lad_code", "lad_name")
        }
        population = published(sum(c for _, c, _ in truth.observed))
        events = published(sum(n for _, _, n in truth.observed))
        if not all(n > THRESHOLD for _, _, n in truth.observed):
            events = None  # too few events here: withheld with every cohort's count
        rate, low, high = _observed(events, population)
        row.update(
            imd_decile=rng.randint(1, 10),
            observed_population=population,
            observed_events=events,
            observed_rate=rate,
            observed_low=low,
            observed_high=high,
            observed_suppressed=events is None,
            shrunken_rate=None if rate is None else round(rate * 0.9 + 0.03, 4),
            shrunken_low=None if rate is None else round(max(0.0, rate * 0.9 - 0.03), 4),
            shrunken_high=None if rate is None else round(min(1.0, rate * 0.9 + 0.09), 4),
        )
        future = published(sum(c for _, c in truth.future))
        if future is None:
            row.update(_withheld_future(lsoa, words))
        else:
            expected = round(future * truth.rate, 1)
            spread = 1.96 * math.sqrt(future * truth.rate * (1 - truth.rate)) + 0.05 * expected
            expected_low = round(max(0.0, expected - spread), 1)
            expected_high = round(min(float(future), expected + spread), 1)
            row.update(
                future_population=future,
                future_suppressed=False,
                expected_events=expected,
                expected_low=expected_low,
                expected_high=expected_high,
                expected_rate=expected / future,
                expected_rate_low=expected_low / future,
                expected_rate_high=expected_high / future,
                hotspot_p=round(rng.uniform(0.001, 0.9), 3),
            )
        rows.append(row)
    _rank(rows, words)
    return rows


def _withheld_future(lsoa: dict[str, Any], words: dict[str, str]) -> dict[str, Any]:
    """An area whose coming cohorts are too small to publish: every expected figure, rank,
    comparison and hotspot withheld, as docs/release.md says."""
    row: dict[str, Any] = dict(
        future_population=None,
        future_suppressed=True,
        hotspot_p=None,
        flagged=False,
        flag_reasons="",
        summary=f"Too few {words['units']} in {lsoa['lsoa11nm']} to publish what is expected.",
    )
    for name in (
        "expected_events",
        "expected_low",
        "expected_high",
        "expected_rate",
        "expected_rate_low",
        "expected_rate_high",
        "rank",
        "rank_low",
        "rank_high",
        "vs_district",
        "vs_county",
        "hotspot",
    ):
        row[name] = None
    return row


def _rank(all_rows: list[dict[str, Any]], words: dict[str, str]) -> None:
    """Ranks, comparisons, hotspots, flags and sentences, from the expected rates."""
    rows = [row for row in all_rows if not row["future_suppressed"]]
    count = len(rows)
    ordered = sorted(rows, key=lambda row: -row["expected_rate"])
    district = sum(row["expected_events"] for row in rows) / sum(
        row["future_population"] for row in rows
    )
    flagged_count = max(2, count // 4)
    for position, row in enumerate(ordered, start=1):
        width = max(1, count // 6)
        row["rank"] = position
        row["rank_low"] = max(1, position - width)
        row["rank_high"] = min(count, position + width)
        if row["expected_rate_low"] > district:
            row["vs_district"] = "higher"
        elif row["expected_rate_high"] < district:
            row["vs_district"] = "lower"
        else:
            row["vs_district"] = "similar"
        row["vs_county"] = row["vs_district"]
        row["hotspot"] = "hot" if position <= 2 else "cold" if position == count else "none"
        if row["hotspot"] == "none":
            row["hotspot_p"] = max(row["hotspot_p"], 0.2)
        else:
            row["hotspot_p"] = min(row["hotspot_p"], 0.04)
        row["flagged"] = position <= flagged_count
        name = row["lsoa11nm"]
        share = f"{row['expected_rate']:.0%}"
        if row["flagged"]:
            reasons = [
                f"Among the {flagged_count} areas of Basildon with the highest expected "
                f"{words['event_rate']} (rank {position} of {count}).",
            ]
            if row["vs_district"] == "higher":
                reasons.append("Need is clearly higher than across Basildon as a whole.")
            if row["hotspot"] == "hot":
                reasons.append("Part of a cluster of neighbouring areas with high need.")
            row["flag_reasons"] = " ".join(reasons)
        else:
            row["flag_reasons"] = ""
        row["summary"] = (
            f"In {name}, the expected {words['event_rate']} in {words['coming']} is about {share}."
        )


def _trend(areas: list[dict[str, Any]], truths: list[_Truth]) -> list[dict[str, Any]]:
    rows = []
    for area, truth in zip(areas, truths, strict=True):
        withheld = area["observed_events"] is None
        for cohort, true_population, true_events in truth.observed:
            population = published(true_population)
            events = None if withheld else published(true_events)
            rate, low, high = _observed(events, population)
            rows.append(
                {
                    "lsoa11cd": area["lsoa11cd"],
                    "cohort": cohort,
                    "population": population,
                    "events": events,
                    "rate": rate,
                    "low": low,
                    "high": high,
                    "suppressed": population is None or events is None,
                    "kind": "observed",
                }
            )
        for cohort, true_population in truth.future:
            population = None if area["future_suppressed"] else published(true_population)
            shown = population is not None
            rows.append(
                {
                    "lsoa11cd": area["lsoa11cd"],
                    "cohort": cohort,
                    "population": population,
                    "events": None,
                    "rate": area["expected_rate"] if shown else None,
                    "low": area["expected_rate_low"] if shown else None,
                    "high": area["expected_rate_high"] if shown else None,
                    "suppressed": not shown,
                    "kind": "expected",
                }
            )
    return rows


def _benchmarks(areas: list[dict[str, Any]], truths: list[_Truth]) -> list[dict[str, Any]]:
    """The district's figures; the county's are the same, as if the district were all of it."""
    shown = [row for row in areas if not row["future_suppressed"]]
    expected = sum(row["expected_events"] for row in shown) / sum(
        row["future_population"] for row in shown
    )
    future = published(sum(c for truth in truths for _, c in truth.future)) or 0
    population = published(sum(c for truth in truths for _, c, _ in truth.observed)) or 0
    events = published(sum(n for truth in truths for _, _, n in truth.observed)) or 0
    observed, observed_low, observed_high = _observed(events, population)
    rows = []
    for level, (code, name) in (("district", DISTRICT), ("county", COUNTY)):
        rows.append(
            {
                "level": level,
                "code": code,
                "name": name,
                "measure": "expected_rate",
                "value": round(expected, 4),
                "low": round(max(0.0, expected - 0.02), 4),
                "high": round(min(1.0, expected + 0.02), 4),
                "denominator": future,
            }
        )
        rows.append(
            {
                "level": level,
                "code": code,
                "name": name,
                "measure": "observed_rate",
                "value": observed,
                "low": observed_low,
                "high": observed_high,
                "denominator": population,
            }
        )
    return rows


def _drivers(
    areas: list[dict[str, Any]], rng: random.Random, pool: tuple[tuple[str, str, str], ...]
) -> list[dict[str, Any]]:
    rows = []
    for area in areas:
        if area["future_suppressed"]:
            continue  # nothing is derived from withheld figures
        chosen = rng.sample(pool, 3)
        contribution = rng.uniform(0.04, 0.08)
        for position, (feature, label, text) in enumerate(chosen, start=1):
            rows.append(
                {
                    "lsoa11cd": area["lsoa11cd"],
                    "position": position,
                    "feature": feature,
                    "label": label,
                    "contribution": round(contribution, 4),
                    "text": text,
                }
            )
            contribution *= 0.6
    return rows


def _documents(spec: ReleaseSpec) -> dict[str, tuple[dict[str, Any], str]]:
    recipe = spec.recipe
    documents: dict[str, tuple[dict[str, Any], str]] = {
        "model_card": (
            {
                "model": {
                    "name": f"{recipe.title}: the chance of {recipe.words['outcome']}",
                    "version": "1",
                    "task": f"Predict, for each {recipe.words['unit']}, the chance of "
                    f"{recipe.words['outcome']}.",
                    "output": f"Expected numbers of {recipe.words['events']} per small area, "
                    "with intervals.",
                },
                "performance": {
                    "test_auc": 0.781,
                    "baseline_auc": 0.702,
                    "best_possible_auc": 0.789,
                    "expected_calibration_error": 0.012,
                },
                "intended_use": "Finding small areas where people may need help early, to "
                "plan support with communities. Never to make decisions about a "
                f"{recipe.words['unit']}.",
                "limitations": "Rankings are uncertain: read the rank intervals.",
                "senior_responsible_owner": {"to_complete": "Name the senior responsible owner"},
            },
            f"# Model card\n\n{recipe.title} model, version 1.\n",
        ),
        "transparency_record": (
            {
                "tier_1": {
                    "name": f"Bakehouse {recipe.title.lower()}",
                    "description": recipe.question,
                    "contact": {"to_complete": "A contact email for the public"},
                },
                "tier_2": {
                    "owner_and_responsibility": {
                        "organisation": "Essex Data Partnership",
                        "senior_responsible_owner": {"to_complete": "Name and role"},
                    },
                    "decision_making_process": {
                        "human_decisions_and_review": "Staff and communities decide what "
                        "support to offer; the tool only points at areas.",
                    },
                },
            },
            f"# Algorithmic Transparency Record\n\nBakehouse {recipe.title.lower()}.\n",
        ),
        "fairness": (
            {
                "groups": [
                    _fairness_group("sex", "female", 1450, 500, 420, 345, 471.0, None),
                    _fairness_group("sex", "male", 1520, 540, 440, 370, 505.0, (500, 155)),
                    _fairness_group("summer_born", "no", 2200, 700, 560, 470, 702.0, None),
                    _fairness_group("summer_born", "yes", 770, 250, 250, 190, 240.0, (700, 230)),
                ],
                "reference": {"sex": "female", "summer_born": "no"},
                "tolerance": [0.8, 1.25],
                "intervals": "Wilson 95% from the published counts; ratios: log-scale (Katz) 95%",
            },
            "",
        ),
        "linkage_summary": (
            {
                "totals": {"records": 48210, "people": 20115, "homes": 8940},
                "sources": [
                    {"source": "Council records", "records": 9120, "linked": _share(9040, 9120)},
                    {"source": "Health visiting", "records": 7480, "linked": _share(7315, 7480)},
                ],
            },
            "",
        ),
        "quality_summary": (
            {
                "sources": [
                    {
                        "source": "Council records",
                        "rows_in": 9150,
                        "accepted": 9120,
                        "quarantined": 30,
                    },
                    {
                        "source": "Health visiting",
                        "rows_in": 7500,
                        "accepted": 7480,
                        "quarantined": 20,
                    },
                ]
            },
            "",
        ),
    }
    for name in spec.not_produced:
        documents[name] = ({contract.STATUS: contract.NOT_PRODUCED}, "Not produced by this run.\n")
    return documents


def _share(count: int, of: int) -> dict[str, Any]:
    """A share as the summaries publish it: the two published counts beside it."""
    return {"share": round(count / of, 4), "count": count, "of": of}


def _fairness_group(
    attribute: str,
    group: str,
    size: int,
    with_outcome: int,
    flagged_units: int,
    true_flags: int,
    expected: float,
    reference: tuple[int, int] | None,
) -> dict[str, Any]:
    """One group of the published fairness audit, every figure from its published counts as
    the output checker recomputes them. ``reference``: the reference group's (with the outcome,
    missed), for the missed-share ratio; None for the reference group itself."""
    missed = with_outcome - true_flags
    false_flags = flagged_units - true_flags
    without = size - with_outcome
    rates = {
        "observed_rate": (with_outcome, size),
        "fnr": (missed, with_outcome),
        "fpr": (false_flags, without),
        "precision": (true_flags, flagged_units),
    }
    row: dict[str, Any] = {
        "attribute": attribute,
        "group": group,
        "size": size,
        "with_outcome": with_outcome,
        "without_outcome": without,
        "flagged_units": flagged_units,
        "true_flags": true_flags,
        "missed": missed,
        "false_flags": false_flags,
        "size_suppressed": False,
        "counts_suppressed": [],
        "expected": expected,
    }
    for name, (events, total) in rates.items():
        row[name] = round(events / total, 4)
        row[f"{name}_interval"] = [round(bound, 4) for bound in wilson(events, total)]
    predicted = expected / size
    row["predicted_rate"] = round(predicted, 4)
    row["calibration"] = round(with_outcome / size - predicted, 4)
    low, high = wilson(with_outcome, size)
    row["calibration_interval"] = [round(low - predicted, 4), round(high - predicted, 4)]
    if reference is None:
        row["fnr_ratio"], row["fnr_ratio_interval"] = 1.0, [None, None]
    else:
        events, total = reference[1], reference[0]
        ratio = (missed / with_outcome) / (events / total)
        z = NormalDist().inv_cdf(0.975)
        spread = z * math.sqrt(1 / missed - 1 / with_outcome + 1 / events - 1 / total)
        row["fnr_ratio"] = round(ratio, 4)
        row["fnr_ratio_interval"] = [
            round(ratio * math.exp(-spread), 4),
            round(ratio * math.exp(spread), 4),
        ]
    row["flagged"] = not 0.8 <= row["fnr_ratio"] <= 1.25
    return row


def _hashes(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.name not in {contract.MANIFEST, SIGNATURE}
    }


def _write_manifest(folder: Path, spec: ReleaseSpec) -> None:
    created = spec.created
    manifest = {
        "format_version": contract.FORMAT_VERSION,
        "release_id": spec.release_id,
        "title": spec.release_title,
        "created_at": f"{created[:4]}-{created[4:6]}-{created[6:]}T09:00:00Z",
        "recipe": {
            "id": spec.recipe.id,
            "version": "1",
            "sha256": "ab" * 32,
            "title": spec.recipe.title,
            "question": spec.recipe.question,
            "unit": spec.recipe.unit,
            "words": dict(spec.recipe.words),
        },
        "run_id": spec.run_id,
        "code_version": "0.1.0",
        "area": {"name": "basildon", "district_codes": [DISTRICT[0]]},
        "as_at": f"{created[:4]}-{created[4:6]}-01",
        "cohorts": {"observed": list(OBSERVED_COHORTS), "predicted": list(EXPECTED_COHORTS)},
        "disclosure": {
            "threshold": THRESHOLD,
            "rounding": ROUNDING,
            "rule": "suppress 1-7, round others to 5",
        },
        "files": _hashes(folder),
        "checks": [
            {
                "name": "no_cell_below_threshold",
                "passed": True,
                "detail": "Every count is 0, suppressed or at least 8.",
            },
            {"name": "counts_rounded", "passed": True, "detail": "Every count is a multiple of 5."},
        ],
        "checker": {"name": "bakehouse.release.checker", "version": "1", "passed": True},
        "previous_release": spec.previous_release,
        **spec.extra,
    }
    write_manifest(folder, manifest)
