"""The predictions table: the model's output, one row per unit (a child, a person or a
household, as the recipe says), checked before any work starts.

Columns (Arrow / Parquet):

| column | type | required | meaning |
|---|---|---|---|
| ``lsoa11cd`` | string | yes | where the unit lived at the prediction point |
| ``cohort`` | integer | yes | the unit's cohort (school readiness: the summer of Reception) |
| ``p_outcome`` | float | yes | predicted probability of the outcome (the event), in [0, 1] |
| ``observed_outcome`` | bool, null | no | the outcome where known (null: not yet, no result) |
| ``p_outcome_draws`` | list of float | no | model uncertainty as draws (see below) |
| ``p_outcome_logit_se`` | float | no | model uncertainty as a standard error of the logit |

Draw ``d`` of every unit comes from the same refitted model, so draws are correlated across
units as model error is. Model uncertainty may also come as a set of recalibrations,
``(intercept, slope)`` pairs on the logit scale fitted on bootstrap resamples of a calibration set
(:class:`Recalibrations`). Any other
column (a pseudonymous id, say) is ignored: nothing per unit leaves this module's callers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bakehouse.errors import SchemaError

REQUIRED = ("lsoa11cd", "cohort", "p_outcome")


class Uncertainty(StrEnum):
    """How model uncertainty enters the expected-need intervals."""

    DRAWS = "draws"  # p_outcome_draws per unit
    LOGIT_SE = "logit_se"  # p_outcome_logit_se per unit, shared within an LSOA per draw
    RECALIBRATION = "recalibration"  # bootstrap (intercept, slope) pairs on the logit scale
    NONE = "none"  # sampling only: the intervals are too narrow, and the release says so


@dataclass(frozen=True)
class Recalibrations:
    """Bootstrap recalibrations: draw ``d`` maps p to expit(intercept[d] + slope[d] * logit p)."""

    intercept: np.ndarray
    slope: np.ndarray

    def __post_init__(self) -> None:
        if self.intercept.shape != self.slope.shape or self.intercept.ndim != 1:
            raise SchemaError(
                "Recalibration intercepts and slopes must be two lists of the same length",
                field="intercept",
            )
        if len(self.intercept) < 2:
            raise SchemaError(
                "At least two recalibration draws are needed to express uncertainty",
                field="intercept",
                fix="Give the (intercept, slope) pair of every bootstrap resample",
            )


@dataclass(frozen=True)
class Predictions:
    """Validated predictions as arrays (one entry per unit), in the input's row order."""

    lsoa11cd: np.ndarray  # str objects
    cohort: np.ndarray  # int64
    p_outcome: np.ndarray  # float64
    observed_outcome: np.ndarray  # float64: 1.0, 0.0 or nan (unknown)
    draws: np.ndarray | None  # (units, D) float64
    logit_se: np.ndarray | None  # float64
    recalibrations: Recalibrations | None
    source: str

    @property
    def uncertainty(self) -> Uncertainty:
        if self.draws is not None:
            return Uncertainty.DRAWS
        if self.recalibrations is not None:
            return Uncertainty.RECALIBRATION
        if self.logit_se is not None:
            return Uncertainty.LOGIT_SE
        return Uncertainty.NONE

    @property
    def observed_cohorts(self) -> list[int]:
        """Cohorts with at least one known outcome."""
        known = ~np.isnan(self.observed_outcome)
        return sorted({int(c) for c in np.unique(self.cohort[known])})

    @property
    def predicted_cohorts(self) -> list[int]:
        """Cohorts still to come: after the last observed cohort, with no outcome known."""
        last = max(self.observed_cohorts, default=None)
        cohorts = {int(c) for c in np.unique(self.cohort)}
        return sorted(c for c in cohorts if last is None or c > last)

    def within(self, codes: list[str]) -> tuple[Predictions, int]:
        """The units who lived in one of ``codes`` at the prediction point, and how many did
        not. Real extracts always hold families who live across the border: linkage may place a
        household in a neighbouring district. Those units are left out of the area's figures
        and counted, never an error."""
        inside = np.isin(self.lsoa11cd, np.asarray(codes, dtype=object))
        outside = int((~inside).sum())
        if outside == 0:
            return self, 0

        def kept(values: np.ndarray | None) -> np.ndarray | None:
            return None if values is None else values[inside]

        return (
            replace(
                self,
                lsoa11cd=self.lsoa11cd[inside],
                cohort=self.cohort[inside],
                p_outcome=self.p_outcome[inside],
                observed_outcome=self.observed_outcome[inside],
                draws=kept(self.draws),
                logit_se=kept(self.logit_se),
            ),
            outside,
        )


def read_predictions(path: Path, recalibrations: Recalibrations | None = None) -> Predictions:
    """Read and check a predictions Parquet file."""
    if not path.is_file():
        raise SchemaError(
            "Predictions file not found", file=path, fix="Give the model's predictions Parquet"
        )
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise SchemaError(
            f"Predictions file cannot be read as Parquet ({type(error).__name__})",
            file=path,
            fix="Write the predictions with pyarrow or DuckDB",
        ) from None
    return predictions_from_table(table, source=str(path), recalibrations=recalibrations)


def predictions_from_table(
    table: pa.Table, source: str = "predictions", recalibrations: Recalibrations | None = None
) -> Predictions:
    """Check ``table`` against the predictions schema; every problem names its column."""
    missing = [name for name in REQUIRED if name not in table.column_names]
    if missing:
        raise SchemaError(
            f"Predictions lack column(s) {', '.join(missing)}",
            file=source,
            field=missing[0],
            fix=f"A predictions table has {', '.join(REQUIRED)} and optionally observed_outcome",
        )
    lsoa = _strings(table, "lsoa11cd", source)
    cohort = _integers(table, "cohort", source)
    p = _probabilities(table.column("p_outcome"), "p_outcome", source)
    observed = _observed(table, source)
    draws = _draws(table, source)
    logit_se = _logit_se(table, source)
    return Predictions(
        lsoa11cd=lsoa,
        cohort=cohort,
        p_outcome=p,
        observed_outcome=observed,
        draws=draws,
        logit_se=logit_se,
        recalibrations=recalibrations,
        source=source,
    )


def _first_bad(mask: np.ndarray) -> int:
    """1-based row number of the first True in ``mask``."""
    return int(np.argmax(mask)) + 1


def _strings(table: pa.Table, name: str, source: str) -> np.ndarray:
    column = table.column(name)
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        raise SchemaError(f"Column must be text, not {column.type}", file=source, field=name)
    if column.null_count:
        nulls = column.is_null().to_numpy(zero_copy_only=False)
        raise SchemaError(
            "LSOA is missing",
            file=source,
            row=_first_bad(nulls),
            field=name,
            fix="Leave out units that did not live in the area at the prediction point",
        )
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)


def _integers(table: pa.Table, name: str, source: str) -> np.ndarray:
    column = table.column(name)
    if not pa.types.is_integer(column.type):
        raise SchemaError(
            f"Column must be whole numbers, not {column.type}", file=source, field=name
        )
    if column.null_count:
        nulls = column.is_null().to_numpy(zero_copy_only=False)
        raise SchemaError("Value is missing", file=source, row=_first_bad(nulls), field=name)
    return column.to_numpy(zero_copy_only=False).astype(np.int64)


def _probabilities(column: pa.ChunkedArray | pa.Array, name: str, source: str) -> np.ndarray:
    if not pa.types.is_floating(column.type):
        raise SchemaError(
            f"Column must be a probability, not {column.type}", file=source, field=name
        )
    values = pc.fill_null(column, np.nan).to_numpy(zero_copy_only=False).astype(np.float64)
    bad = ~((values >= 0.0) & (values <= 1.0))
    if bad.any():
        raise SchemaError(
            "Probability missing or outside [0, 1]",
            file=source,
            row=_first_bad(bad),
            field=name,
        )
    return values


def _observed(table: pa.Table, source: str) -> np.ndarray:
    if "observed_outcome" not in table.column_names:
        return np.full(table.num_rows, np.nan)
    column = table.column("observed_outcome")
    if not pa.types.is_boolean(column.type):
        raise SchemaError(
            f"Column must be true/false or null, not {column.type}",
            file=source,
            field="observed_outcome",
        )
    values = pc.cast(column, pa.float64())
    return pc.fill_null(values, np.nan).to_numpy(zero_copy_only=False).astype(np.float64)


def _draws(table: pa.Table, source: str) -> np.ndarray | None:
    name = "p_outcome_draws"
    if name not in table.column_names:
        return None
    column = table.column(name).combine_chunks()
    if not (pa.types.is_list(column.type) or pa.types.is_fixed_size_list(column.type)):
        raise SchemaError(
            f"Column must be a list of floats, not {column.type}", file=source, field=name
        )
    if column.null_count:
        raise SchemaError(
            "Draws are missing",
            file=source,
            row=_first_bad(column.is_null().to_numpy(zero_copy_only=False)),
            field=name,
        )
    lengths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
    if len(lengths) and (lengths.min() != lengths.max() or lengths.min() < 2):
        raise SchemaError(
            "Every unit needs the same number of draws (at least two)",
            file=source,
            row=_first_bad(lengths != lengths.max())
            if lengths.min() >= 2
            else _first_bad(lengths < 2),
            field=name,
            fix="Draw d of every unit must come from the same refitted model",
        )
    flat = _probabilities(pc.list_flatten(column), name, source)
    width = int(lengths[0]) if len(lengths) else 2
    return flat.reshape(-1, width)


def _logit_se(table: pa.Table, source: str) -> np.ndarray | None:
    name = "p_outcome_logit_se"
    if name not in table.column_names:
        return None
    column = table.column(name)
    if not pa.types.is_floating(column.type):
        raise SchemaError(f"Column must be a number, not {column.type}", file=source, field=name)
    values = pc.fill_null(column, np.nan).to_numpy(zero_copy_only=False).astype(np.float64)
    bad = ~(values >= 0.0)
    if bad.any():
        raise SchemaError(
            "Standard error missing or negative", file=source, row=_first_bad(bad), field=name
        )
    return values
