"""The predictions table is checked before any work starts; problems name their column."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bakehouse.areas.counts import count_population, geography_of
from bakehouse.areas.predictions import (
    Uncertainty,
    predictions_from_table,
    read_predictions,
)
from bakehouse.errors import SchemaError
from bakehouse.geography import load_area

CODE = "E01021237"


def _table(**columns: list[object]) -> pa.Table:
    base: dict[str, list[object]] = {
        "lsoa11cd": [CODE, CODE, CODE],
        "cohort": [2022, 2020, 2026],
        "p_outcome": [0.2, 0.3, 0.4],
        "observed_outcome": [True, None, None],
    }
    base.update(columns)
    return pa.table(base)


def test_missing_probability_column_is_refused_naming_it() -> None:
    table = _table().drop_columns(["p_outcome"])
    with pytest.raises(SchemaError) as error:
        predictions_from_table(table)
    assert error.value.field == "p_outcome"


def test_probability_above_one_is_refused_with_its_row() -> None:
    with pytest.raises(SchemaError) as error:
        predictions_from_table(_table(p_outcome=[0.2, 1.5, 0.4]))
    assert (error.value.row, error.value.field) == (2, "p_outcome")


def test_draws_of_unequal_length_are_refused() -> None:
    draws = pa.array([[0.1, 0.2], [0.3, 0.2, 0.1], [0.5, 0.4]], pa.list_(pa.float64()))
    with pytest.raises(SchemaError) as error:
        predictions_from_table(_table(p_outcome_draws=draws))
    assert error.value.field == "p_outcome_draws"


def test_uncertainty_is_read_from_the_columns_given() -> None:
    plain = predictions_from_table(_table())
    with_se = predictions_from_table(_table(p_outcome_logit_se=[0.1, 0.1, 0.2]))
    assert plain.uncertainty is Uncertainty.NONE
    assert with_se.uncertainty is Uncertainty.LOGIT_SE


def test_cohorts_without_results_are_neither_observed_nor_coming() -> None:
    predictions = predictions_from_table(_table())
    assert predictions.observed_cohorts == [2022]
    assert predictions.predicted_cohorts == [2026]


def test_predictions_outside_the_area_are_refused() -> None:
    predictions = predictions_from_table(_table(lsoa11cd=[CODE, CODE, "E01015890"]))
    geography = geography_of(load_area("basildon"))
    with pytest.raises(SchemaError) as error:
        count_population(predictions, geography)
    assert (error.value.row, error.value.field) == (3, "lsoa11cd")


def test_a_file_that_is_not_parquet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "predictions.parquet"
    path.write_text("lsoa11cd,cohort\n")
    with pytest.raises(SchemaError, match="cannot be read"):
        read_predictions(path)
    pq.write_table(_table(), path)
    assert read_predictions(path).p_outcome.tolist() == [0.2, 0.3, 0.4]


def test_units_outside_the_area_are_left_out_and_counted() -> None:
    table = _table(lsoa11cd=[CODE, "E01099999", CODE])
    inside, outside = predictions_from_table(table).within([CODE])
    assert outside == 1
    assert inside.lsoa11cd.tolist() == [CODE, CODE]
    assert inside.cohort.tolist() == [2022, 2026]
    assert inside.p_outcome.tolist() == [0.2, 0.4]
