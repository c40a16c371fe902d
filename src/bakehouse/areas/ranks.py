"""Ranks with rank intervals, as the honest way to show a league table of small areas.

Rank 1 is the highest need. The point rank orders the published estimates (ties share the best
rank). The interval comes from the simulations behind the estimates: each simulation ranks every
area, and an area's interval is the central range of its ranks across simulations (widened, if
needed, to hold the point rank).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Ranks:
    """Per area; -1 where the area has no estimate."""

    rank: np.ndarray
    low: np.ndarray
    high: np.ndarray


def rank_intervals(
    estimate: np.ndarray, simulated: np.ndarray, confidence: float, seed: int
) -> Ranks:
    """Rank ``estimate`` (areas; nan = no estimate) and give intervals from ``simulated``
    (simulations x areas). Simulated ties are broken at random, not by position."""
    estimate = np.asarray(estimate, dtype=np.float64)
    present = ~np.isnan(estimate)
    m = int(present.sum())
    rank = np.full(len(estimate), -1, dtype=np.int64)
    low, high = rank.copy(), rank.copy()
    if m == 0:
        return Ranks(rank, low, high)
    values = estimate[present]
    rank[present] = 1 + (values[None, :] > values[:, None]).sum(axis=1)
    sims = np.asarray(simulated, dtype=np.float64)[:, present]
    rng = np.random.default_rng(seed)
    jitter = rng.random(sims.shape)
    order = np.lexsort((jitter, -sims), axis=1)
    ranks = np.empty_like(order)
    rows = np.arange(sims.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, m + 1)[None, :]
    tail = (1 - confidence) / 2
    lo = np.floor(np.quantile(ranks, tail, axis=0)).astype(np.int64)
    hi = np.ceil(np.quantile(ranks, 1 - tail, axis=0)).astype(np.int64)
    low[present] = np.minimum(lo, rank[present])
    high[present] = np.maximum(hi, rank[present])
    return Ranks(rank, low, high)
