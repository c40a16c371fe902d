"""A panel is checked whole before any estimate; each problem names file, row and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bakehouse.errors import SchemaError
from bakehouse.evaluation.panel import Columns, read_panel

from .conftest import small_panel, write_csv

COLUMNS = Columns("unit", "period", "outcome", "treatment", weight="population")


@pytest.fixture
def frame() -> pd.DataFrame:
    return small_panel().frame.rename(columns={"treated": "treatment", "weight": "population"})


def refused(frame: pd.DataFrame, path: Path, columns: Columns = COLUMNS) -> SchemaError:
    frame.to_csv(path, index=False)
    with pytest.raises(SchemaError) as caught:
        read_panel(path, columns)
    return caught.value


def test_a_valid_panel_gives_each_treated_unit_its_first_treated_period(tmp_path: Path) -> None:
    panel = read_panel(write_csv(small_panel(), tmp_path / "panel.csv"), COLUMNS)
    assert panel.adoption == {f"A{i:04d}": 2021 for i in range(6)}
    assert len(panel.comparison_units) == 34
    assert panel.weighted


def test_missing_outcome_is_refused_naming_file_row_and_column(
    frame: pd.DataFrame, tmp_path: Path
) -> None:
    frame.loc[17, "outcome"] = None
    error = refused(frame, tmp_path / "panel.csv")
    assert (error.file, error.row, error.field) == (str(tmp_path / "panel.csv"), 18, "outcome")


def test_treatment_other_than_zero_or_one_is_refused(frame: pd.DataFrame, tmp_path: Path) -> None:
    frame.loc[30, "treatment"] = 2
    error = refused(frame, tmp_path / "panel.csv")
    assert (error.row, error.field) == (31, "treatment")
    assert "0 or 1" in error.what


def test_treatment_that_switches_off_is_refused_at_the_row_it_does(
    frame: pd.DataFrame, tmp_path: Path
) -> None:
    last = frame.index[(frame["unit"] == "A0002") & (frame["period"] == 2025)][0]
    frame.loc[last, "treatment"] = 0
    error = refused(frame, tmp_path / "panel.csv")
    assert (error.row, error.field) == (last + 1, "treatment")
    assert "switches off" in error.what


def test_a_unit_twice_in_one_period_is_refused(frame: pd.DataFrame, tmp_path: Path) -> None:
    doubled = pd.concat([frame, frame.iloc[[5]]], ignore_index=True)
    error = refused(doubled, tmp_path / "panel.csv")
    assert (error.row, error.field) == (len(frame) + 1, "period")


def test_a_unit_lacking_a_period_is_refused(frame: pd.DataFrame, tmp_path: Path) -> None:
    error = refused(frame.drop(index=50), tmp_path / "panel.csv")
    assert error.field == "unit"
    assert "lack" in error.what


def test_too_few_periods_before_the_start_is_refused(frame: pd.DataFrame, tmp_path: Path) -> None:
    late = frame[frame["period"] >= 2020]
    error = refused(late, tmp_path / "panel.csv")
    assert error.field == "treatment"
    assert "1 period(s) before" in error.what


def test_too_few_comparison_units_is_refused(frame: pd.DataFrame, tmp_path: Path) -> None:
    few = frame[frame["unit"].isin([f"A{i:04d}" for i in range(7)])]
    error = refused(few, tmp_path / "panel.csv")
    assert "1 comparison unit(s)" in error.what


def test_a_column_not_in_the_file_is_named(frame: pd.DataFrame, tmp_path: Path) -> None:
    error = refused(frame, tmp_path / "panel.csv", Columns("unit", "year", "outcome", "treatment"))
    assert error.field == "year"
