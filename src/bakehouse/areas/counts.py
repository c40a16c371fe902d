"""Exact counts per LSOA and cohort, and the geography they roll up through.

These counts are internal: they stay in the analysis environment. A release publishes them only
after disclosure control (:mod:`bakehouse.release.disclosure`), and every rate in it is computed
from the protected figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bakehouse.areas.predictions import Predictions
from bakehouse.errors import SchemaError
from bakehouse.geography import AREAS, Area, Deprivation

COUNTY = ("E10000012", "Essex")


@dataclass(frozen=True)
class Geography:
    """The area's LSOAs in code order, their districts and, when covered whole, the county."""

    lsoas: list[dict[str, str]]  # lsoa11cd, lsoa11nm, msoa11cd, msoa11nm, lad_code, lad_name
    district_codes: list[str]
    district_names: list[str]
    district_of: np.ndarray  # per LSOA: index into district_codes
    county: tuple[str, str] | None  # (code, name) when the area covers the whole county
    imd_decile: np.ndarray | None  # per LSOA, 1 = most deprived
    imd_score: np.ndarray | None  # per LSOA, standard normal scale, higher = more deprived
    area_name: str

    @property
    def codes(self) -> list[str]:
        return [row["lsoa11cd"] for row in self.lsoas]

    @property
    def title(self) -> str:
        """The area in words: 'Basildon', 'Essex'."""
        if self.county is not None:
            return self.county[1]
        return " and ".join(self.district_names)


def geography_of(area: Area, deprivation: Deprivation | None = None) -> Geography:
    """The geography of ``area``; deprivation (in any LSOA order) adds IMD deciles and scores."""
    columns = ("lsoa11cd", "lsoa11nm", "msoa11cd", "msoa11nm", "lad_code", "lad_name")
    rows = [
        {name: str(row[name]) for name in columns}
        for row in area.lsoas.select(list(columns)).to_pylist()
    ]
    rows.sort(key=lambda row: row["lsoa11cd"])
    district_codes = sorted({row["lad_code"] for row in rows})
    names = {row["lad_code"]: row["lad_name"] for row in rows}
    district_of = np.array([district_codes.index(row["lad_code"]) for row in rows], dtype=np.int64)
    whole_county = set(AREAS["essex"]) <= set(district_codes)
    decile = score = None
    if deprivation is not None:
        position = {code: i for i, code in enumerate(deprivation.lsoa11cd)}
        missing = [row["lsoa11cd"] for row in rows if row["lsoa11cd"] not in position]
        if missing:
            raise SchemaError(
                f"Deprivation is missing {len(missing)} LSOAs of the area (first: {missing[0]})",
                field="lsoa11cd",
                fix="Give deprivation for every LSOA of the area",
            )
        order = np.array([position[row["lsoa11cd"]] for row in rows])
        decile = np.asarray(deprivation.imd_decile)[order].astype(np.int64)
        score = np.asarray(deprivation.imd_score)[order].astype(np.float64)
    return Geography(
        lsoas=rows,
        district_codes=district_codes,
        district_names=[names[code] for code in district_codes],
        district_of=district_of,
        county=COUNTY if whole_county else None,
        imd_decile=decile,
        imd_score=score,
        area_name=area.name,
    )


@dataclass(frozen=True)
class CohortCounts:
    """Exact figures per LSOA (rows, in geography order) and cohort (columns)."""

    observed_cohorts: list[int]
    predicted_cohorts: list[int]
    observed_population: np.ndarray  # units with a known outcome
    observed_events: np.ndarray  # of them, with the outcome
    observed_model: np.ndarray  # sum of the model's p_outcome over the same units
    observed_model_variance: np.ndarray  # sum of p (1 - p) over them: the outcomes' variance
    future_population: np.ndarray  # units of the coming cohorts, at the prediction point
    expected_events: np.ndarray  # sum of p_outcome over them


def count_population(predictions: Predictions, geography: Geography) -> CohortCounts:
    """Aggregate the predictions to LSOA and cohort. Units of past cohorts without an outcome
    (results not collected, or the unit left) count nowhere."""
    codes = geography.codes
    lookup = {code: i for i, code in enumerate(codes)}
    rows = np.array([lookup.get(code, -1) for code in predictions.lsoa11cd], dtype=np.int64)
    if (rows < 0).any():
        outside = int((rows < 0).sum())
        raise SchemaError(
            f"{outside} predictions are for LSOAs outside {geography.title}",
            file=predictions.source,
            row=int(np.argmax(rows < 0)) + 1,
            field="lsoa11cd",
            fix="Filter the predictions to the area, or choose the area that holds them",
        )
    observed_cohorts = predictions.observed_cohorts
    predicted_cohorts = predictions.predicted_cohorts
    known = ~np.isnan(predictions.observed_outcome)
    shape_obs = (len(codes), len(observed_cohorts))
    shape_pred = (len(codes), len(predicted_cohorts))
    obs_population = np.zeros(shape_obs, dtype=np.int64)
    obs_not = np.zeros(shape_obs, dtype=np.int64)
    obs_model = np.zeros(shape_obs, dtype=np.float64)
    obs_variance = np.zeros(shape_obs, dtype=np.float64)
    fut_population = np.zeros(shape_pred, dtype=np.int64)
    expected = np.zeros(shape_pred, dtype=np.float64)
    obs_col = _column_index(predictions.cohort, observed_cohorts)
    in_obs = known & (obs_col >= 0)
    np.add.at(obs_population, (rows[in_obs], obs_col[in_obs]), 1)
    np.add.at(
        obs_not,
        (rows[in_obs], obs_col[in_obs]),
        predictions.observed_outcome[in_obs].astype(np.int64),
    )
    p_obs = predictions.p_outcome[in_obs]
    np.add.at(obs_model, (rows[in_obs], obs_col[in_obs]), p_obs)
    np.add.at(obs_variance, (rows[in_obs], obs_col[in_obs]), p_obs * (1 - p_obs))
    pred_col = _column_index(predictions.cohort, predicted_cohorts)
    in_pred = pred_col >= 0
    np.add.at(fut_population, (rows[in_pred], pred_col[in_pred]), 1)
    np.add.at(expected, (rows[in_pred], pred_col[in_pred]), predictions.p_outcome[in_pred])
    return CohortCounts(
        observed_cohorts=observed_cohorts,
        predicted_cohorts=predicted_cohorts,
        observed_population=obs_population,
        observed_events=obs_not,
        observed_model=obs_model,
        observed_model_variance=obs_variance,
        future_population=fut_population,
        expected_events=expected,
    )


def _column_index(cohort: np.ndarray, cohorts: list[int]) -> np.ndarray:
    """Each unit's column in ``cohorts``, or -1."""
    index = np.full(len(cohort), -1, dtype=np.int64)
    for i, value in enumerate(cohorts):
        index[cohort == value] = i
    return index
