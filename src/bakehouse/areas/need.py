"""Expected need in the coming cohorts, with model and sampling uncertainty, by simulation.

The expected number of events in a group is the sum of their predicted
probabilities. How many will actually not be ready varies for two reasons:

- **sampling**: each unit's outcome is a coin with their own probability, so the count follows a
  Poisson-binomial distribution (variance: the sum of p(1 - p));
- **model**: the probabilities are estimates. Each simulation first draws a set of probabilities
  from the model's uncertainty, then every unit's outcome from them.

Model uncertainty enters as the predictions carry it (:class:`~bakehouse.areas.predictions.
Uncertainty`): whole-model draws (one draw is one refitted model, so errors are shared across
units as real model error is); bootstrap recalibrations (one intercept and slope per draw,
shared by all units); or a per-unit standard error on the logit scale, in which case one
normal deviate per LSOA and draw is shared by its units (a conservative choice: model error
within a small area is assumed fully correlated, and independent between areas). With none, the
intervals hold sampling variation only.

Simulated counts are kept per LSOA and cohort, so every roll-up (an LSOA over its cohorts, a
district, the county) is the sum of the same simulations and its interval is consistent.
"""

from __future__ import annotations

import numpy as np

from bakehouse.areas.counts import CohortCounts, Geography
from bakehouse.areas.predictions import Predictions, Uncertainty

CHUNK_CELLS = 4_000_000  # units x simulations held in memory at once


def simulate_need(
    predictions: Predictions,
    geography: Geography,
    counts: CohortCounts,
    simulations: int,
    seed: int,
) -> np.ndarray:
    """Simulated numbers of events: array (simulations, LSOAs, coming cohorts), int32."""
    n_lsoa, n_cohorts = counts.future_population.shape
    result = np.zeros((simulations, n_lsoa * n_cohorts), dtype=np.int32)
    if n_cohorts == 0:
        return result.reshape(simulations, n_lsoa, 0)
    lookup = {code: i for i, code in enumerate(geography.codes)}
    column = {cohort: j for j, cohort in enumerate(counts.predicted_cohorts)}
    chosen = np.isin(predictions.cohort, counts.predicted_cohorts)
    rows = np.array([lookup[code] for code in predictions.lsoa11cd[chosen]], dtype=np.int64)
    cols = np.array([column[int(c)] for c in predictions.cohort[chosen]], dtype=np.int64)
    cells = rows * n_cohorts + cols
    order = np.argsort(cells, kind="stable")
    cells, rows = cells[order], rows[order]
    source = _Probabilities(predictions, chosen, order, rows, n_lsoa)
    if len(cells) == 0:
        return result.reshape(simulations, n_lsoa, n_cohorts)
    starts = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
    targets = cells[starts]
    rng = np.random.default_rng(seed)
    chunk = max(1, CHUNK_CELLS // max(1, len(cells)))
    for first in range(0, simulations, chunk):
        size = min(chunk, simulations - first)
        p = source.draw(rng, size)
        outcomes = (rng.random(p.shape) < p).astype(np.int32)
        result[first : first + size, targets] = np.add.reduceat(outcomes, starts, axis=1)
    return result.reshape(simulations, n_lsoa, n_cohorts)


class _Probabilities:
    """Draws of the units' probabilities under the predictions' model uncertainty."""

    def __init__(
        self,
        predictions: Predictions,
        chosen: np.ndarray,
        order: np.ndarray,
        rows: np.ndarray,
        n_lsoa: int,
    ) -> None:
        self.kind = predictions.uncertainty
        self.p = predictions.p_outcome[chosen][order]
        self.rows = rows
        self.n_lsoa = n_lsoa
        self.draws = None if predictions.draws is None else predictions.draws[chosen][order]
        self.se = None if predictions.logit_se is None else predictions.logit_se[chosen][order]
        self.recalibrations = predictions.recalibrations

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.kind is Uncertainty.DRAWS:
            assert self.draws is not None
            which = rng.integers(0, self.draws.shape[1], size=size)
            return self.draws[:, which].T
        if self.kind is Uncertainty.RECALIBRATION:
            assert self.recalibrations is not None
            which = rng.integers(0, len(self.recalibrations.intercept), size=size)
            a = self.recalibrations.intercept[which][:, None]
            b = self.recalibrations.slope[which][:, None]
            return _expit(a + b * _logit(self.p)[None, :])
        if self.kind is Uncertainty.LOGIT_SE:
            assert self.se is not None
            shared = rng.standard_normal((size, self.n_lsoa))[:, self.rows]
            return _expit(_logit(self.p)[None, :] + self.se[None, :] * shared)
        return np.broadcast_to(self.p, (size, len(self.p)))


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(q / (1 - q))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def interval(simulated: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """The central ``confidence`` interval of simulated counts (axis 0 = simulations)."""
    tail = (1 - confidence) / 2
    low = np.quantile(simulated, tail, axis=0, method="lower")
    high = np.quantile(simulated, 1 - tail, axis=0, method="higher")
    return low.astype(np.float64), high.astype(np.float64)
