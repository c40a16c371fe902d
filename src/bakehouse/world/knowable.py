"""The best any model could know at the prediction date: each child's probability of GLD given
every record the world holds by then, with development known only as its reviews saw it.

A child's outcome is drawn from the probability that knows their whole development at 2.5 (the
truth's ``p_gld``). Nobody can know that at the prediction date: about one child in four has had
no 2-2.5 year review by then, and a review's ASQ-3 scores see development with noise. The
probability given the records (``p_gld_from_records``) averages the outcome's probability over
what development may be, given the child's circumstances and the scores recorded before the
prediction date. Both have the outcomes drawn in the world as their expectation; the second is
the one no model working from records can beat, so it sets the best achievable AUC. It also
treats the household's disadvantage (the world's latent trait, which no record holds) as known,
so if anything it sits above what records allow.

Development is the sum of an early part and the growth after it, each normal with a mean set by
disadvantage (and prematurity), as :func:`bakehouse.world.childhood.draw_births` draws them. A
score is a rounded, clipped normal, as :func:`bakehouse.world.services._asq` draws it. The
posterior is computed on a grid: the early part given the 1 year scores, then development (early
plus growth) given the 2-2.5 year scores.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from scipy.special import expit, log_ndtr, ndtr

from bakehouse.world import childhood, services

GRID_SDS = 5.0  # each grid covers its prior's mean plus and minus this many standard deviations
EARLY_POINTS = 101
DEVELOPMENT_POINTS = 151
CHUNK = 4096  # children at a time: keeps the grids to tens of MB


def probability_from_records(
    logit_without_development: np.ndarray,
    disadvantage: np.ndarray,
    preterm: np.ndarray,
    boy: np.ndarray,
    first_year_scores: np.ndarray,
    review_scores: np.ndarray,
) -> np.ndarray:
    """P(GLD | circumstances, the recorded ASQ-3 scores) for each child.

    ``first_year_scores`` and ``review_scores`` are (children, 5) arrays of the domain scores of
    the 1 year review and of the 2-2.5 year review held before the prediction date, in the order
    of :data:`bakehouse.world.services.ASQ_DOMAINS`; a row of NaN where there was none.
    """
    early_sd, growth_sd = childhood.development_spreads()
    development_sd = float(np.hypot(early_sd, growth_sd))
    # Offsets from each child's prior mean: early part u, development t; growth is t - u.
    u = np.linspace(-GRID_SDS * early_sd, GRID_SDS * early_sd, EARLY_POINTS)
    t = np.linspace(-GRID_SDS * development_sd, GRID_SDS * development_sd, DEVELOPMENT_POINTS)
    kernel = np.exp(-0.5 * ((t[None, :] - u[:, None]) / growth_sd) ** 2)
    early_prior = np.exp(-0.5 * (u / early_sd) ** 2)
    out = np.empty(len(logit_without_development))
    for start in range(0, len(out), CHUNK):
        part = slice(start, start + CHUNK)
        mean_early = childhood.early_mean(disadvantage[part], preterm[part])
        mean_development = mean_early + childhood.growth_mean(disadvantage[part])
        early = mean_early[:, None] + u[None, :]
        development = mean_development[:, None] + t[None, :]
        # The 1 year review scores the early part scaled to the whole's spread.
        log_first = _log_likelihood(
            first_year_scores[part],
            early / np.sqrt(childhood.EARLY_SHARE),
            boy[part],
            services.ASQ_1Y_NOISE,
        )
        weight_early = early_prior[None, :] * np.exp(log_first - log_first.max(1, keepdims=True))
        log_review = _log_likelihood(
            review_scores[part], development, boy[part], services.ASQ_NOISE
        )
        weight = (weight_early @ kernel) * np.exp(log_review - log_review.max(1, keepdims=True))
        weight /= weight.sum(1, keepdims=True)
        gld = expit(
            logit_without_development[part, None] + childhood.GLD["development"] * development
        )
        out[part] = (weight * gld).sum(1)
    return out


def _log_likelihood(
    scores: np.ndarray, development: np.ndarray, boy: np.ndarray, noise: float
) -> np.ndarray:
    """log P(the five domain scores | development) at each grid point; 0 where none recorded."""
    total = np.zeros(development.shape)
    sd = services.ASQ_SCALE * noise
    half = services.ASQ_STEP / 2
    for column, (_, boy_gap) in enumerate(services.ASQ_DOMAINS):
        score = scores[:, column]
        recorded = ~np.isnan(score)
        if not recorded.any():
            continue
        centre = (
            services.ASQ_CENTRE
            + services.ASQ_SCALE * services.ASQ_LOADING * development[recorded]
            + boy_gap * boy[recorded, None]
        )
        s = score[recorded, None]
        upper = np.where(s >= services.ASQ_MAX, np.inf, s + half)
        lower = np.where(s <= 0, -np.inf, s - half)
        high, low = (upper - centre) / sd, (lower - centre) / sd
        # Of the interval's two tails, subtract the smaller: accurate far from the centre too.
        right = high <= 0
        small = np.where(right, ndtr(high) - ndtr(low), ndtr(-low) - ndtr(-high))
        log_small = np.where(
            small > 0,
            np.log(np.maximum(small, 1e-300)),
            np.where(right, log_ndtr(high), log_ndtr(-low)),
        )
        total[recorded] += log_small
    return total


def recorded_scores(
    contacts: pa.Table, person_id: np.ndarray, prediction_date: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each child's latest scored 1 year review and latest 2-2.5 year review before their
    prediction date, as (children, 5) arrays of domain scores (NaN rows where there is none).

    ``contacts`` is the world's health visiting table; ``person_id`` is sorted."""
    columns = [name for name, _ in services.ASQ_DOMAINS]
    kind = contacts.column("contact_type").to_numpy(zero_copy_only=False)
    day = contacts.column("contact_date").to_numpy().astype("datetime64[D]")
    who = contacts.column("person_id").to_numpy()
    scores = np.column_stack(
        [contacts.column(name).to_numpy(zero_copy_only=False).astype(float) for name in columns]
    )
    child = np.searchsorted(person_id, who)
    child = np.minimum(child, len(person_id) - 1)
    ours = person_id[child] == who
    before = np.zeros(len(who), bool)
    before[ours] = day[ours] < prediction_date[child[ours]].astype("datetime64[D]")
    found = []
    for contact_type in ("1Y", "2-2.5Y"):
        rows = np.flatnonzero(ours & before & (kind == contact_type) & ~np.isnan(scores[:, 0]))
        rows = rows[np.argsort(day[rows], kind="stable")]
        table = np.full((len(person_id), len(columns)), np.nan)
        # Latest first, so np.unique's first occurrence of each child is their latest review.
        latest = rows[::-1]
        _, first = np.unique(child[latest], return_index=True)
        table[child[latest[first]]] = scores[latest[first]]
        found.append(table)
    return found[0], found[1]
