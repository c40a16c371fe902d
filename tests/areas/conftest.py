"""Predictions made from a world's truth, standing in for the model (measurement code only).

A model's predictions are the true probabilities seen through error: each child's logit is moved
by noise (sd ``child_sd``) and every LSOA's children share a bias (sd ``area_sd``), as a model
that misses part of an area's effect would. Outcomes of past cohorts are the world's drawn GLD
results where the child was assessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from bakehouse.areas.counts import Geography, geography_of
from bakehouse.areas.predictions import Predictions, predictions_from_table
from bakehouse.geography import Deprivation, load_area

AS_AT = date(2025, 9, 30)
LAST_RESULTS = 2025  # the summer 2025 EYFSP results are in by the as-at date


@dataclass(frozen=True)
class WorldPredictions:
    predictions: Predictions
    geography: Geography
    boundaries: dict[str, object]
    truth: Path

    def true_need(self) -> dict[str, tuple[float, float]]:
        """Per LSOA: the true expected number not reaching GLD in the coming cohorts, over the
        same children as the predictions, and the true rate."""
        rows = _sql(
            f"""
            select lsoa_at_prediction, sum(1 - p_gld), avg(1 - p_gld)
            from '{self.truth}/children.parquet'
            where lsoa_at_prediction is not null and prediction_date <= date '{AS_AT}'
              and cohort > {LAST_RESULTS}
            group by 1
            """
        ).fetchall()
        return {code: (float(e), float(r)) for code, e, r in rows}

    def true_past_rate(self) -> dict[str, float]:
        """Per LSOA: the mean true probability of not reaching GLD over the assessed children of
        the observed cohorts (what a shrunken rate estimates)."""
        rows = _sql(
            f"""
            select lsoa_at_prediction, avg(1 - p_gld)
            from '{self.truth}/children.parquet'
            where assessed and lsoa_at_prediction is not null
              and prediction_date <= date '{AS_AT}' and cohort <= {LAST_RESULTS}
            group by 1
            """
        ).fetchall()
        return {code: float(r) for code, r in rows}


def _sql(query: str) -> duckdb.DuckDBPyRelation:
    relation = duckdb.sql(query)
    assert relation is not None
    return relation


def predictions_table(
    truth: Path, child_sd: float = 0.5, area_sd: float = 0.15, seed: int = 7
) -> pa.Table:
    table = _sql(
        f"""
        select lsoa_at_prediction as lsoa11cd, cohort, 1 - p_gld as p, gld, assessed
        from '{truth}/children.parquet'
        where lsoa_at_prediction is not null and prediction_date <= date '{AS_AT}'
        order by person_id
        """
    ).to_arrow_table()
    rng = np.random.default_rng(seed)
    p = table.column("p").to_numpy()
    codes = np.asarray(table.column("lsoa11cd").to_numpy(zero_copy_only=False))
    _, area_index = np.unique(codes, return_inverse=True)
    bias = rng.normal(0.0, area_sd, area_index.max() + 1)[area_index]
    logit = np.log(p / (1 - p)) + rng.normal(0.0, child_sd, len(p)) + bias
    cohort = table.column("cohort").to_numpy()
    assessed = table.column("assessed").to_numpy(zero_copy_only=False)
    gld = table.column("gld").to_numpy(zero_copy_only=False)
    observed = [
        None if c > LAST_RESULTS or not a else not g
        for c, a, g in zip(cohort, assessed, gld, strict=True)
    ]
    return pa.table(
        {
            "lsoa11cd": pa.array(codes, pa.string()),
            "cohort": pa.array(cohort, pa.int32()),
            "p_outcome": pa.array(1 / (1 + np.exp(-logit))),
            "observed_outcome": pa.array(observed, pa.bool_()),
        }
    )


def world_predictions(
    world: Path, with_deprivation: bool, child_sd: float = 0.5, area_sd: float = 0.15
) -> WorldPredictions:
    area = load_area("basildon")
    deprivation = _world_deprivation(world / "truth") if with_deprivation else None
    return WorldPredictions(
        predictions=predictions_from_table(predictions_table(world / "truth", child_sd, area_sd)),
        geography=geography_of(area, deprivation),
        boundaries=area.boundaries(),
        truth=world / "truth",
    )


def _world_deprivation(truth: Path) -> Deprivation:
    """The world's own deprivation (as it read or simulated it), for the shrinkage prior."""
    table = _sql(
        f"select lsoa11cd, imd_rank, income_rank, population, children "
        f"from '{truth}/deprivation.parquet'"
    ).to_arrow_table()
    return Deprivation(
        lsoa11cd=[str(code) for code in table.column("lsoa11cd").to_pylist()],
        imd_rank=table.column("imd_rank").to_numpy(),
        income_rank=table.column("income_rank").to_numpy(),
        population=table.column("population").to_numpy(),
        children=table.column("children").to_numpy(),
        simulated=True,
    )


@pytest.fixture(scope="session")
def small_predictions(small_world_factory: Callable[..., object]) -> WorldPredictions:
    """A tenth-scale Basildon world's predictions (seconds to build)."""
    world = small_world_factory(seed=3)
    return world_predictions(world.out, with_deprivation=True)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def basildon_predictions(basildon_world: object) -> WorldPredictions:
    """The full Basildon world's predictions (with its real IoD 2019 figures)."""
    return world_predictions(basildon_world.out, with_deprivation=True)  # type: ignore[attr-defined]
