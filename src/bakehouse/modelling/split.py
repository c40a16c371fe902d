"""Temporal validation: which cohorts train, which test, which are scored as the future.

Cohorts are ordered by the year that names them (for school readiness, the summer its children
finish Reception). A cohort is *observed* when enough of its members have an outcome; past
cohorts without results (2020 and 2021 for the EYFSP) are *unobserved* and used for nothing. The
latest observed cohorts are the *test* cohorts; the older observed ones are the *development*
cohorts (training, with each one held out in turn to calibrate and choose). Cohorts after the
last observed one are the *future*: *complete* when every member's prediction date has passed by
the extract date, *partial* otherwise. For an outcome that is an event in a window, a cohort is
observed once every window has closed, and the members of later cohorts whose windows are still
open are the future, whatever their cohort (:func:`row_roles`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

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


def temporal_split(
    coverage: dict[int, float],
    *,
    min_coverage: float,
    test_cohorts: int,
    min_training_cohorts: int,
    complete: dict[int, bool],
) -> TemporalSplit:
    """``coverage``: per cohort, the share of its units with an outcome; ``complete``: per
    cohort, whether every unit's prediction date has passed."""
    cohorts = sorted(coverage)
    observed = [c for c in cohorts if coverage[c] >= min_coverage]
    needed = test_cohorts + min_training_cohorts
    if len(observed) < needed:
        raise ModelError(
            f"Only {len(observed)} cohort(s) have outcomes for at least {min_coverage:.0%} of "
            f"their members; the recipe needs {needed} ({test_cohorts} to test, "
            f"{min_training_cohorts} to train)",
            field="validation",
            fix="Lower validation.test_cohorts or validation.min_training_cohorts, or wait for "
            "more results",
        )
    test = observed[-test_cohorts:]
    development = observed[:-test_cohorts]
    after = [c for c in cohorts if c > observed[-1]]
    done = [c for c in after if complete.get(c, False)]
    return TemporalSplit(
        development=development,
        test=test,
        future=done,
        partial=[c for c in after if c not in done],
        unobserved=[c for c in cohorts if c < observed[-1] and c not in observed],
    )


def row_roles(
    split: TemporalSplit, cohort: np.ndarray, window_open: np.ndarray, *, windowed: bool
) -> np.ndarray:
    """Each row's role. With an outcome in a window (``windowed``), the units after the last
    observed cohort whose window is still open are the future; those whose window has closed
    (in a cohort not yet observed as a whole) are used for nothing."""
    roles = np.array([split.role(int(c)) for c in cohort], dtype=object)
    if not windowed:
        return roles
    later = np.isin(roles, ["future", "partial"])
    roles[later & window_open] = "future"
    roles[later & ~window_open] = "unobserved"
    return roles
