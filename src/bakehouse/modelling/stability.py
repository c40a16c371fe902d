"""Feature stability: how far each feature's distribution moved between the cohorts the model
learned from (development, pooled) and the cohorts it was tested on (test, pooled).

The statistic is the Population Stability Index of model-risk practice (credit scoring, public
sector model assurance): over bins of the feature, PSI = sum((test share - development share) *
ln(test share / development share)). Below 0.1 the feature is read as stable, from 0.1 to 0.25
as a moderate shift, above 0.25 as a major one. A feature that counts records back to the start
of the sources grows with each cohort, so the same value means less risk each year and the model
grows over-confident on the latest cohorts: PSI shows it before the calibration does.

Beside it, the feature's mean in the earliest and the latest development cohort and in the test
cohorts, so that a steady trend reads as one. Every figure comes from the sorted values of each
group, so none depends on the order of the rows (which follows the pseudonyms).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

BINS = 10  # at most this many bins of values, besides one for missing values
# An empty bin has no logarithm: its share is raised to this floor (in both distributions, and
# not renormalised) so that PSI stays finite. A bin holding one unit in ten thousand weighs like
# an empty one.
SHARE_FLOOR = 1e-4
MODERATE = 0.1  # PSI from here up is a moderate shift
MAJOR = 0.25  # PSI above this is a major shift


@dataclass(frozen=True)
class GroupMean:
    """A feature's mean over a group of cohorts, with what is needed to judge publishing it."""

    cohorts: list[int]
    units: int  # units with a value (missing values are left out of the mean)
    nonzero: int  # units whose value is not zero
    missing: int  # units without a value
    mean: float | None

    @property
    def missing_share(self) -> float:
        total = self.units + self.missing
        return self.missing / total if total else 0.0


@dataclass(frozen=True)
class FeatureStability:
    feature: str
    psi: float
    shift: str  # "stable", "moderate" or "major"
    bins: str  # "distinct values" or "deciles of the development values"
    bin_count: int  # bins of values, besides the bin of missing values
    development: GroupMean  # every development cohort
    first_development: GroupMean
    last_development: GroupMean
    test: GroupMean

    @property
    def moved(self) -> bool:
        return self.shift != "stable"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def shift_of(psi: float) -> str:
    if psi > MAJOR:
        return "major"
    return "moderate" if psi >= MODERATE else "stable"


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI between two vectors of bin counts over the same bins, each holding some units."""
    before, after = (
        np.maximum(counts / counts.sum(), SHARE_FLOOR) for counts in (expected, actual)
    )
    return float(np.sum((after - before) * np.log(after / before)))


def _distinct(ordered: np.ndarray) -> np.ndarray:
    """The distinct values of a sorted vector, without sorting it again."""
    return (
        ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered
    )


def _bin_counts(development: np.ndarray, test: np.ndarray) -> tuple[str, np.ndarray, np.ndarray]:
    """The bins' name and both groups' counts over them, from sorted values without missing
    ones."""
    own = _distinct(development)
    distinct = own if len(own) > BINS else np.union1d(own, _distinct(test))
    if len(distinct) <= BINS or not len(development):
        # Each value its own bin: a count or flag with few values keeps them all apart.
        edges, kind, size = distinct, "distinct values", len(distinct)
    else:
        # Right-closed bins cut at the development deciles (values that occur), merged where
        # ties make two cuts the same: a count mostly zero gets one bin of zeros.
        at = np.ceil(np.arange(1, BINS) / BINS * len(development)).astype(int) - 1
        edges = np.unique(development[at])
        kind, size = "deciles of the development values", len(edges) + 1
    before, after = (
        np.bincount(np.searchsorted(edges, values), minlength=size)
        for values in (development, test)
    )
    return kind, before, after


def _summary(known: np.ndarray, missing: int, cohorts: list[int]) -> GroupMean:
    """``known``: the group's values without missing ones, sorted, so that their sum is the
    same for any order of the rows."""
    return GroupMean(
        cohorts=cohorts,
        units=len(known),
        nonzero=int(np.count_nonzero(known)),
        missing=missing,
        mean=float(known.sum() / len(known)) if len(known) else None,
    )


def _group(values: np.ndarray, cohorts: list[int]) -> GroupMean:
    known = np.sort(values[~np.isnan(values)])
    return _summary(known, len(values) - len(known), cohorts)


def feature_stability(
    x: np.ndarray,
    names: list[str],
    cohort: np.ndarray,
    development: np.ndarray,
    test: np.ndarray,
) -> list[FeatureStability]:
    """Each feature (a column of ``x``) between the ``development`` and ``test`` rows (masks)."""
    develop_cohorts = sorted(set(cohort[development].tolist()))
    test_cohorts = sorted(set(cohort[test].tolist()))
    if not develop_cohorts or not test_cohorts:
        return []
    first = cohort[development] == develop_cohorts[0]
    last = cohort[development] == develop_cohorts[-1]
    found = []
    for column, name in enumerate(names):
        before, after = x[development, column], x[test, column]
        sorted_before, sorted_after = (np.sort(v[~np.isnan(v)]) for v in (before, after))
        kind, counts_before, counts_after = _bin_counts(sorted_before, sorted_after)
        missing = [len(before) - len(sorted_before), len(after) - len(sorted_after)]
        value = psi(np.append(counts_before, missing[0]), np.append(counts_after, missing[1]))
        found.append(
            FeatureStability(
                feature=name,
                psi=value,
                shift=shift_of(value),
                bins=kind,
                bin_count=len(counts_before),
                development=_summary(sorted_before, missing[0], develop_cohorts),
                first_development=_group(before[first], develop_cohorts[:1]),
                last_development=_group(before[last], develop_cohorts[-1:]),
                test=_summary(sorted_after, missing[1], test_cohorts),
            )
        )
    return found
