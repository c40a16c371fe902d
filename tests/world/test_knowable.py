"""The probability of GLD given the records: a true posterior, and built from the right records."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
from scipy.special import expit

from bakehouse.modelling.metrics import auc
from bakehouse.world import childhood, knowable, services, tables

DOMAINS = [name for name, _ in services.ASQ_DOMAINS]


def _children(n: int, seed: int) -> dict[str, np.ndarray]:
    """Children drawn as the world draws them, with both reviews' scores and their outcome."""
    rng = np.random.default_rng(seed)
    disadvantage = rng.normal(0, 1, n)
    births = childhood.draw_births(rng, disadvantage)
    boy = rng.random(n) < 0.5
    other = rng.normal(0.7, 0.6, n)  # the rest of the log-odds: circumstances and area
    early = services._asq(
        rng,
        births["early_development"] / np.sqrt(childhood.EARLY_SHARE),
        boy,
        services.ASQ_1Y_NOISE,
    )
    later = services._asq(rng, births["development"], boy, services.ASQ_NOISE)
    first = np.column_stack([early[d] for d in DOMAINS]).astype(float)
    review = np.column_stack([later[d] for d in DOMAINS]).astype(float)
    first[rng.random(n) < 0.2] = np.nan  # no 1 year scores
    review[rng.random(n) < 0.3] = np.nan  # no review before the prediction date
    p_true = expit(other + childhood.GLD["development"] * births["development"])
    return {
        "other": other,
        "disadvantage": disadvantage,
        "preterm": births["preterm"],
        "boy": boy,
        "first": first,
        "review": review,
        "p_true": p_true,
        "gld": rng.random(n) < p_true,
    }


def test_probability_from_records_is_calibrated_and_between_nothing_and_hindsight() -> None:
    c = _children(60_000, seed=3)
    p = knowable.probability_from_records(
        c["other"], c["disadvantage"], c["preterm"], c["boy"], c["first"], c["review"]
    )
    blank = np.full_like(c["first"], np.nan)
    p_nothing = knowable.probability_from_records(
        c["other"], c["disadvantage"], c["preterm"], c["boy"], blank, blank
    )
    # A posterior is calibrated: within each tenth of predictions, outcomes match on average.
    # One that took the scores as exact would be too confident at both ends.
    edges = np.quantile(p, np.linspace(0, 1, 11))
    tenth = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, 9)
    for group in range(10):
        chosen = tenth == group
        assert abs(c["gld"][chosen].mean() - p[chosen].mean()) < 0.02
    # The review moves a child's probability further than the 1 year scores alone can.
    reviewed = ~np.isnan(c["review"][:, 0])
    moved = np.abs(p - p_nothing)
    assert moved[reviewed].mean() > 1.5 * moved[~reviewed].mean()
    not_ready = ~c["gld"]
    assert (
        auc(not_ready, 1 - p_nothing) + 0.03
        < auc(not_ready, 1 - p)
        < auc(not_ready, 1 - c["p_true"])
    )


def test_recorded_scores_take_the_latest_scored_review_before_the_prediction_date() -> None:
    def contact(person: int, kind: str, day: str, score: int | None) -> dict[str, object]:
        return {
            "person_id": person,
            "contact_type": kind,
            "contact_date": date.fromisoformat(day),
            **{name: score for name in DOMAINS},
        }

    rows = [
        contact(1, "1Y", "2020-01-10", 40),
        contact(1, "1Y", "2020-02-10", 45),  # the later 1 year review
        contact(1, "2-2.5Y", "2021-06-30", 50),  # the day before the prediction date
        contact(2, "1Y", "2020-03-01", 30),
        contact(2, "1Y", "2020-04-01", None),  # no scores: passed over
        contact(2, "2-2.5Y", "2021-07-01", 55),  # on the prediction date: too late
        contact(9, "2-2.5Y", "2021-01-01", 20),  # not a child of the cohort
    ]
    schema = pa.schema(
        [
            pa.field("person_id", pa.int64()),
            pa.field("contact_type", pa.string()),
            pa.field("contact_date", pa.date32()),
            *(pa.field(name, pa.int32()) for name in DOMAINS),
        ]
    )
    contacts = pa.Table.from_pylist(rows, schema=schema)
    person = np.array([1, 2, 3])
    prediction = np.array(["2021-07-01"] * 3, dtype="datetime64[D]")
    first, review = knowable.recorded_scores(contacts, person, prediction)
    assert first[:, 0].tolist()[:2] == [45.0, 30.0] and np.isnan(first[2, 0])
    assert review[0, 0] == 50.0 and np.isnan(review[1:, 0]).all()
    assert set(tables.HV_CONTACTS.names) >= set(schema.names)
