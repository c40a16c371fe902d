"""Temporal validation: which cohorts train, which test, which are scored as the future.

Cohorts are ordered by the summer they finish Reception. A cohort is *observed* when enough of its
units have an outcome; past cohorts without results (2020 and 2021) are *unobserved* and used
for nothing. The latest observed cohorts are the *test* cohorts; the older observed ones are the
*development* cohorts (training, with each one held out in turn to calibrate and choose). Cohorts
after the last observed one are the *future*: *complete* when every unit's prediction date has
passed by the extract date, *partial* otherwise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from bakehouse.errors import BakehouseError


class ModelError(BakehouseError):
    """The data cannot support what the recipe asks of the model."""


@dataclass(frozen=True)
class TemporalSplit:
    development: list[int]
    test: list[int]
    future: list[int]
    partial: list[int]
    unobserved: list[int]

    def role(self, cohort: int) -> str:
        for name in ("development", "test", "future", "partial", "unobserved"):
            if cohort in getattr(self, name):
                return name
        return "unobserved"

    def as_dict(self) -> dict[str, list[int]]:
        return asdict(self)


def last_prediction_date(cohort: int, school_year_starts: int, age_months: int) -> date:
    """The prediction date of the youngest unit of a cohort (born in the school year's last
    month)."""
    if school_year_starts == 1:
        year, month = cohort - 6, 12
    else:
        year, month = cohort - 5, school_year_starts - 1
    months = year * 12 + (month - 1) + age_months
    return date(months // 12, months % 12 + 1, 1)


def temporal_split(
    coverage: dict[int, float],
    *,
    min_coverage: float,
    test_cohorts: int,
    min_training_cohorts: int,
    as_at: date,
    school_year_starts: int,
    age_months: int,
) -> TemporalSplit:
    """``coverage``: per cohort, the share of its units with an outcome."""
    cohorts = sorted(coverage)
    observed = [c for c in cohorts if coverage[c] >= min_coverage]
    needed = test_cohorts + min_training_cohorts
    if len(observed) < needed:
        raise ModelError(
            f"Only {len(observed)} cohort(s) have outcomes for at least {min_coverage:.0%} of "
            f"their units; the recipe needs {needed} ({test_cohorts} to test, "
            f"{min_training_cohorts} to train)",
            field="validation",
            fix="Lower validation.test_cohorts or validation.min_training_cohorts, or wait for "
            "more results",
        )
    test = observed[-test_cohorts:]
    development = observed[:-test_cohorts]
    after = [c for c in cohorts if c > observed[-1]]
    complete = [
        c for c in after if last_prediction_date(c, school_year_starts, age_months) <= as_at
    ]
    return TemporalSplit(
        development=development,
        test=test,
        future=complete,
        partial=[c for c in after if c not in complete],
        unobserved=[c for c in cohorts if c < observed[-1] and c not in observed],
    )
