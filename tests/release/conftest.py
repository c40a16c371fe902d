"""Releases built from synthetic predictions over real geography.

Cell sizes are chosen to make disclosure control work hard: with a few children per LSOA and
cohort, most cells are small and many totals sit just above the threshold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from bakehouse.areas.counts import Geography, geography_of
from bakehouse.areas.predictions import predictions_from_table
from bakehouse.geography import load_area
from bakehouse.modelling.fairness import audit, publishable
from bakehouse.modelling.metrics import rounded
from bakehouse.recipes import load_recipe
from bakehouse.recipes.areas_section import AreasConfig
from bakehouse.release.disclosure import DisclosureRules
from bakehouse.release.summaries import linkage_summary, quality_summary
from bakehouse.release.tables import AreaTables, build_area_tables
from bakehouse.release.writer import (
    Documents,
    RecipeText,
    ReleaseContent,
    ReleaseInfo,
    release_geometry,
    write_release,
)

OBSERVED = [2017, 2018, 2019, 2022, 2023, 2024, 2025]
PREDICTED = [2026, 2027, 2028]
RULES = DisclosureRules()
RECIPE = load_recipe("school-readiness").recipe


def synthetic_predictions(codes: list[str], children_per_cell: float, seed: int) -> pa.Table:
    """Children per LSOA and cohort ~ Poisson; each LSOA has its own rate of not reaching GLD."""
    rng = np.random.default_rng(seed)
    lsoa, cohort, p, observed = [], [], [], []
    area_logit = rng.normal(-0.7, 0.5, len(codes))
    for i, code in enumerate(codes):
        for c in OBSERVED + PREDICTED:
            n = int(rng.poisson(children_per_cell))
            probs = 1 / (1 + np.exp(-(area_logit[i] + rng.normal(0, 0.8, n))))
            lsoa += [code] * n
            cohort += [c] * n
            p += probs.tolist()
            if c in OBSERVED:
                observed += (rng.random(n) < probs).tolist()
            else:
                observed += [None] * n
    return pa.table(
        {
            "lsoa11cd": pa.array(lsoa, pa.string()),
            "cohort": pa.array(cohort, pa.int32()),
            "p_outcome": pa.array(p, pa.float64()),
            "observed_outcome": pa.array(observed, pa.bool_()),
        }
    )


@dataclass(frozen=True)
class Built:
    tables: AreaTables
    geography: Geography
    boundaries: dict[str, Any]


def build(area: str, children_per_cell: float, seed: int, rules: DisclosureRules = RULES) -> Built:
    place = load_area(area)
    geography = geography_of(place)
    predictions = predictions_from_table(
        synthetic_predictions(geography.codes, children_per_cell, seed)
    )
    boundaries = place.boundaries()
    config = AreasConfig(simulations=300)
    tables = build_area_tables(predictions, geography, boundaries, config, rules, RECIPE.words)
    return Built(tables, geography, boundaries)


def info_for(built: Built, run_id: str = "3f2a9c1d" * 8) -> ReleaseInfo:
    return ReleaseInfo(
        recipe_id="school-readiness",
        recipe_version="1",
        recipe_sha256="0" * 64,
        recipe_text=RecipeText.of(RECIPE),
        run_id=run_id,
        title="School readiness in test",
        area_name=built.geography.area_name,
        district_codes=built.geography.district_codes,
        as_at=date(2025, 9, 30),
        created_at=datetime(2025, 10, 1, 9, 0, tzinfo=UTC),
        observed_cohorts=built.tables.counts.observed_cohorts,
        predicted_cohorts=built.tables.counts.predicted_cohorts,
        methods=built.tables.methods,
    )


def content_for(built: Built) -> ReleaseContent:
    t = built.tables
    return ReleaseContent(
        t.areas,
        t.trend,
        t.benchmarks,
        t.drivers,
        release_geometry(built.boundaries, built.geography.codes),
    )


def publish_built(
    out: Path,
    built: Built,
    documents: Documents | None = None,
    rules: DisclosureRules = RULES,
    run_id: str = "3f2a9c1d" * 8,
    **kw: Any,
) -> Path:
    info = info_for(built, run_id)
    path: Path = write_release(
        out, content_for(built), documents or Documents(), info, rules, 0.95, **kw
    )
    return path


def fairness_document(
    rules: DisclosureRules = RULES, n: int = 2000, seed: int = 3
) -> dict[str, Any]:
    """The published fairness audit of a model scored on synthetic children, as the model
    stage writes it (figures to four decimals)."""
    rng = np.random.default_rng(seed)
    p = rng.beta(2, 4, n)
    y = rng.random(n) < p
    groups = {
        "sex": rng.choice(["F", "M"], n),
        "ethnicity": rng.choice(["WBRI", "ASIA", "BLAC", "CHIN"], n, p=[0.7, 0.15, 0.147, 0.003]),
        "eal": rng.choice(["yes", "no"], n, p=[0.2, 0.8]),
        "fsm": rng.choice(["yes", "no"], n, p=[0.25, 0.75]),
        "sen": rng.choice(["yes", "no"], n, p=[0.1, 0.9]),
        "deprivation_quintile": rng.choice(["1", "2", "3", "4", "5"], n),
        "linkage_completeness": rng.choice(["1", "2"], n),
    }
    spec = load_recipe("school-readiness").recipe.fairness
    result = audit(
        y, p, {k: v for k, v in groups.items() if k in spec.groups}, spec, resamples=20, seed=1
    )
    document: dict[str, Any] = rounded(publishable(result, rules), 4)
    return document


def summary_documents(rules: DisclosureRules = RULES) -> tuple[dict[str, Any], dict[str, Any]]:
    linkage = {
        "counts": {"records": 8438, "persons": 1709, "households": 934},
        "persons": {"estimated": {"precision": 0.99844, "recall": 0.98086}},
        "measured": {
            "scores": {"persons, pairwise": {"precision": 0.996, "recall": 0.995, "f1": 0.9955}},
            "children": {"children": 337, "correct": {"household correct": 331}},
            "by_group": {
                "sex": [
                    {"group": "F", "persons": 834, "persons_with_several_records": 612,
                     "children": 151, "missed_links": 35, "false_links": 12,
                     "household_errors": 2},
                    {"group": "M", "persons": 875, "persons_with_several_records": 640,
                     "children": 186, "missed_links": 31, "false_links": 9,
                     "household_errors": 4},
                ]
            },
        },
    }  # fmt: skip
    quality = {
        "reconciled": True,
        "totals": {"rows_in": 1000, "accepted": 960, "quarantined": 37, "withheld_optout": 3,
                   "withheld_erasure": 0},
        "sources": [
            {"source": "benefits", "title": "Housing benefit claims",
             "files": [{"rows_in": 1000, "accepted": 960, "withheld_optout": 3,
                        "withheld_erasure": 0, "reconciled": True}],
             "quarantine_reasons": [{"code": "duplicate", "field": None, "rows": 37}],
             "postcode_to_lsoa": {"accepted_with_postcode": 955, "matched": 911},
             "late_records": {"rows": 19}},
        ],
    }  # fmt: skip
    return linkage_summary(linkage, rules), quality_summary(quality, rules)


def full_documents(rules: DisclosureRules = RULES) -> Documents:
    linkage, quality = summary_documents(rules)
    return Documents(
        fairness=fairness_document(rules), linkage_summary=linkage, quality_summary=quality
    )


@pytest.fixture(scope="session")
def basildon_built() -> Built:
    return build("basildon", children_per_cell=12, seed=1)


@pytest.fixture
def good_release(tmp_path: Path, basildon_built: Built) -> Path:
    return publish_built(tmp_path / "releases", basildon_built, full_documents())


@pytest.fixture
def builder() -> Callable[..., Built]:
    return build
