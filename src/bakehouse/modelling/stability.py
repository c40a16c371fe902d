"""Feature stability: how far each feature's distribution moved between the cohorts the model
learned from (development, pooled) and the cohorts it was tested on (test, pooled).

The statistic is the Population Stability Index of model-risk practice (credit scoring, public
sector model assurance): over bins of the feature, PSI = sum((test share - development share) *
ln(test share / development share)). Below 0.1 the feature is read as stable, from 0.1 to 0.25
as a moderate shift, above 0.25 as a major one. A feature that counts records back to the start
of the sources grows with each cohort, so the same value means less risk each year and the model
grows over-confident on the latest cohorts: PSI shows it before the calibration does.

Pooling dilutes a steady trend: a count that grows a little each year differs from the middle of
eight development cohorts far less than from the first. So the test cohorts are also compared
with the first development cohort alone, over the same bins, and a feature has moved when either
PSI is 0.1 or more (on the small Basildon world, the homelessness recipe's count of benefit
claims ever: 0.04 against the pooled cohorts, 0.16 against the first). Beside them, the
feature's mean in the first and the last development cohort and in the test cohorts, so that a
steady trend reads as one. Every figure comes from each group's tally of
distinct values in ascending order, so none depends on the order of the rows (which follows the
pseudonyms). Whole numbers (counts, flags, days) are tallied by counting, without sorting: the
homelessness run's 370,000 rows of 15 features take about 0.1 s.
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
# Whole numbers spanning at most this many values are tallied by counting rather than sorting.
COUNTING_SPAN = 100_000


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
    psi: float  # the test cohorts against the development cohorts, pooled
    psi_first: float  # the test cohorts against the first development cohort
    shift: str  # "stable", "moderate" or "major", by the larger of the two
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


@dataclass(frozen=True)
class _Tally:
    """A group's distinct values, ascending, with how many units have each; and the units
    without a value."""

    values: np.ndarray
    counts: np.ndarray
    missing: int

    @property
    def units(self) -> int:
        return int(self.counts.sum())

    def summary(self, cohorts: list[int]) -> GroupMean:
        units = self.units
        return GroupMean(
            cohorts=cohorts,
            units=units,
            nonzero=int(self.counts[self.values != 0].sum()),
            missing=self.missing,
            mean=float(np.sum(self.values * self.counts) / units) if units else None,
        )

    def binned(self, edges: np.ndarray, size: int) -> np.ndarray:
        """Counts in the right-closed bins cut at ``edges`` (a value equal to an edge falls in
        the bin that ends there)."""
        at = np.searchsorted(edges, self.values)
        return np.bincount(at, weights=self.counts, minlength=size)


def _tally(values: np.ndarray) -> _Tally:
    known = values[~np.isnan(values)]
    missing = len(values) - len(known)
    if not len(known):
        return _Tally(known, np.zeros(0, dtype=np.int64), missing)
    low = known.min()
    if known.max() - low <= COUNTING_SPAN and np.array_equal(known, np.floor(known)):
        counts = np.bincount((known - low).astype(np.int64))
        present = np.flatnonzero(counts)
        return _Tally(present + low, counts[present], missing)
    ordered = np.sort(known + 0.0)  # -0.0 becomes 0.0: one value, whatever the order
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    return _Tally(ordered[starts], np.diff(np.append(starts, len(ordered))), missing)


def _bins(development: _Tally, test: _Tally) -> tuple[str, np.ndarray, int]:
    """The bins' name, their edges and their number (bins of values, besides missing ones)."""
    distinct = development.values
    if len(distinct) <= BINS:
        distinct = np.union1d(distinct, test.values)
    if len(distinct) <= BINS or not development.units:
        # Each value its own bin: a count or flag with few values keeps them all apart.
        return "distinct values", distinct, len(distinct)
    # Cut at the development deciles (values that occur), merged where ties make two cuts the
    # same: a count mostly zero gets one bin of zeros.
    positions = np.ceil(np.arange(1, BINS) / BINS * development.units).astype(np.int64) - 1
    cuts = np.searchsorted(np.cumsum(development.counts), positions, side="right")
    edges = np.unique(development.values[cuts])
    return "deciles of the development values", edges, len(edges) + 1


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
    # One copy of each group's rows, a feature to a contiguous row.
    before_all, after_all = (np.ascontiguousarray(x[rows].T) for rows in (development, test))
    found = []
    for name, before, after in zip(names, before_all, after_all, strict=True):
        pooled, latest = _tally(before), _tally(after)
        kind, edges, size = _bins(pooled, latest)
        earliest = _tally(before[first])
        after_bins = np.append(latest.binned(edges, size), latest.missing)
        value = psi(np.append(pooled.binned(edges, size), pooled.missing), after_bins)
        value_first = psi(np.append(earliest.binned(edges, size), earliest.missing), after_bins)
        found.append(
            FeatureStability(
                feature=name,
                psi=value,
                psi_first=value_first,
                shift=shift_of(max(value, value_first)),
                bins=kind,
                bin_count=size,
                development=pooled.summary(develop_cohorts),
                first_development=earliest.summary(develop_cohorts[:1]),
                last_development=_tally(before[last]).summary(develop_cohorts[-1:]),
                test=latest.summary(test_cohorts),
            )
        )
    return found
