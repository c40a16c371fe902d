"""The panel an evaluation reads: one outcome per unit (an area) and period, a treatment
indicator, and optionally each unit-period's population.

A panel is checked whole before any estimate: every problem names the file, the row (the data
row, 1 = the first row under the header) and the column, and says what to do. The treatment
column is 1 in the rows of a treated unit from its first treated period on and 0 elsewhere; a
treated unit's first treated period is its adoption time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bakehouse.errors import SchemaError

MIN_PRE_PERIODS = 2
MIN_COMPARISON_UNITS = 2


@dataclass(frozen=True)
class Columns:
    """The names of the panel's columns in the source file."""

    unit: str
    period: str
    outcome: str
    treatment: str
    weight: str | None = None


@dataclass(frozen=True)
class Panel:
    """A balanced, validated panel. ``frame`` has columns ``unit`` (str), ``period`` (int),
    ``outcome`` (float), ``treated`` (0/1 int) and ``weight`` (float, 1.0 without a population
    column), sorted by unit and period."""

    frame: pd.DataFrame
    source: str
    outcome_name: str
    weighted: bool

    @property
    def periods(self) -> list[int]:
        return sorted(int(p) for p in self.frame["period"].unique())

    @property
    def units(self) -> list[str]:
        return sorted(str(u) for u in self.frame["unit"].unique())

    @property
    def adoption(self) -> dict[str, int]:
        """Each treated unit's first treated period."""
        treated = self.frame[self.frame["treated"] == 1]
        first = treated.groupby("unit")["period"].min()
        return {str(unit): int(period) for unit, period in first.items()}

    @property
    def treated_units(self) -> list[str]:
        return sorted(self.adoption)

    @property
    def comparison_units(self) -> list[str]:
        adopted = self.adoption
        return [unit for unit in self.units if unit not in adopted]

    @property
    def is_proportion(self) -> bool:
        """Whether every outcome lies in [0, 1], so differences read as percentage points."""
        values = self.frame["outcome"]
        return bool(((values >= 0) & (values <= 1)).all())

    def restricted(self, units: list[str]) -> Panel:
        """The panel of ``units`` only (a plan's treated units and comparison pool)."""
        keep = self.frame["unit"].isin(units)
        return Panel(
            self.frame[keep].reset_index(drop=True), self.source, self.outcome_name, self.weighted
        )


def read_panel(
    path: Path,
    columns: Columns,
    *,
    min_pre_periods: int = MIN_PRE_PERIODS,
    min_comparison_units: int = MIN_COMPARISON_UNITS,
) -> Panel:
    """Read a CSV or Parquet panel and check it (see :func:`panel_from_frame`)."""
    if not path.is_file():
        raise SchemaError("Panel file not found", file=path, fix="Give a CSV or Parquet file")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype={columns.unit: str})
    except (OSError, ValueError) as error:
        raise SchemaError(
            f"Panel cannot be read ({type(error).__name__})",
            file=path,
            fix="Give a CSV with a header row, or a Parquet file",
        ) from None
    return panel_from_frame(
        frame,
        columns,
        source=str(path),
        min_pre_periods=min_pre_periods,
        min_comparison_units=min_comparison_units,
    )


def panel_from_frame(
    frame: pd.DataFrame,
    columns: Columns,
    *,
    source: str = "panel",
    min_pre_periods: int = MIN_PRE_PERIODS,
    min_comparison_units: int = MIN_COMPARISON_UNITS,
    planning: bool = False,
) -> Panel:
    """Check ``frame`` and return it as a :class:`Panel`; the first problem found is raised.

    ``planning``: the panel of past periods a plan's power is computed from, before any unit is
    treated; the checks of treated units and their periods are left to the evaluation."""
    wanted = [columns.unit, columns.period, columns.outcome, columns.treatment]
    if columns.weight is not None:
        wanted.append(columns.weight)
    missing = [name for name in wanted if name not in frame.columns]
    if missing:
        raise SchemaError(
            f"Panel lacks column(s) {', '.join(missing)}",
            file=source,
            field=missing[0],
            fix=f"The file's columns are {', '.join(map(str, frame.columns))}: name the right ones",
        )
    frame = frame.reset_index(drop=True)
    for name in wanted:
        empty = frame[name].isna().to_numpy()
        if empty.any():
            raise SchemaError(
                "Value is missing",
                file=source,
                row=_row(empty),
                field=name,
                fix="Fill it, or leave the unit out of the panel",
            )
    period = _integers(frame[columns.period], source, columns.period)
    outcome = _numbers(frame[columns.outcome], source, columns.outcome)
    treated = _binary(frame[columns.treatment], source, columns.treatment)
    weight = np.ones(len(frame))
    if columns.weight is not None:
        weight = _numbers(frame[columns.weight], source, columns.weight)
        if (weight <= 0).any():
            raise SchemaError(
                "Population must be above zero",
                file=source,
                row=_row(weight <= 0),
                field=columns.weight,
                fix="Leave out unit-periods with no population",
            )
    clean = pd.DataFrame(
        {
            "unit": frame[columns.unit].astype(str).to_numpy(),
            "period": period,
            "outcome": outcome,
            "treated": treated,
            "weight": weight,
            "row": np.arange(1, len(frame) + 1),
        }
    )
    _check_unique(clean, source, columns)
    _check_balanced(clean, source, columns)
    clean = clean.sort_values(["unit", "period"], kind="stable").reset_index(drop=True)
    _check_stays_on(clean, source, columns)
    panel = Panel(clean.drop(columns="row"), source, columns.outcome, columns.weight is not None)
    if not planning:
        _check_design(panel, source, columns, min_pre_periods, min_comparison_units)
    return panel


def _row(mask: np.ndarray) -> int:
    return int(np.argmax(mask)) + 1


def _integers(values: pd.Series, source: str, name: str) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(numbers) | (numbers != np.round(numbers))
    if bad.any():
        raise SchemaError(
            "Period must be a whole number (a year or a period index)",
            file=source,
            row=_row(bad),
            field=name,
            fix="Number the periods 1, 2, 3 ... or give years",
        )
    return numbers.astype(np.int64)


def _numbers(values: pd.Series, source: str, name: str) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers)
    if bad.any():
        raise SchemaError(
            "Value is not a number", file=source, row=_row(bad), field=name, fix="Give a number"
        )
    return numbers


def _binary(values: pd.Series, source: str, name: str) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isin(numbers, (0.0, 1.0))
    if bad.any():
        raise SchemaError(
            "Treatment must be 0 or 1",
            file=source,
            row=_row(bad),
            field=name,
            fix="Mark a treated unit's rows 1 from its first treated period on, all others 0",
        )
    return numbers.astype(np.int64)


def _check_unique(clean: pd.DataFrame, source: str, columns: Columns) -> None:
    repeated = clean.duplicated(["unit", "period"]).to_numpy()
    if repeated.any():
        raise SchemaError(
            "The unit appears twice in the same period",
            file=source,
            row=_row(repeated),
            field=columns.period,
            fix="Give one row per unit and period",
        )


def _check_balanced(clean: pd.DataFrame, source: str, columns: Columns) -> None:
    periods = set(clean["period"])
    counts = clean.groupby("unit")["period"].count()
    short = counts[counts < len(periods)]
    if len(short):
        unit = str(short.index[0])
        lacking = sorted(periods - set(clean.loc[clean["unit"] == unit, "period"]))
        first_row = int(clean.loc[clean["unit"] == unit, "row"].min())
        raise SchemaError(
            f"{len(short)} unit(s) lack periods; the first lacks period {lacking[0]}",
            file=source,
            row=first_row,
            field=columns.unit,
            fix="Give every unit a row in every period, or leave incomplete units out",
        )


def _check_stays_on(clean: pd.DataFrame, source: str, columns: Columns) -> None:
    """Treatment never switches off: the design assumes adoption is for good."""
    previous = clean.groupby("unit")["treated"].shift(1).fillna(0).to_numpy()
    off = (previous == 1) & (clean["treated"].to_numpy() == 0)
    if off.any():
        raise SchemaError(
            "Treatment switches off: the unit was treated in an earlier period",
            file=source,
            row=int(clean["row"].to_numpy()[off][0]),
            field=columns.treatment,
            fix="Mark a treated unit 1 in every period from its first treated period on",
        )


def _check_design(
    panel: Panel, source: str, columns: Columns, min_pre: int, min_comparison: int
) -> None:
    adoption = panel.adoption
    if not adoption:
        raise SchemaError(
            "No unit is ever treated",
            file=source,
            field=columns.treatment,
            fix="Mark the treated units' rows 1 from their first treated period on",
        )
    periods = panel.periods
    for unit, start in sorted(adoption.items(), key=lambda item: item[1]):
        before = sum(1 for period in periods if period < start)
        if before < min_pre:
            raise SchemaError(
                f"Treated unit {unit} has {before} period(s) before its first treated period "
                f"{start}; at least {min_pre} are needed to compare trends",
                file=source,
                field=columns.treatment,
                fix="Add earlier periods, or leave units treated from the start out",
            )
    comparison = len(panel.comparison_units)
    if comparison < min_comparison:
        raise SchemaError(
            f"{comparison} comparison unit(s) never treated; at least {min_comparison} needed",
            file=source,
            field=columns.treatment,
            fix="Add untreated units to the panel",
        )
