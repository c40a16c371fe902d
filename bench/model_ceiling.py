"""How close can any model get? The AUC ladder from the world's true probabilities down to what
is observable at the prediction date, on the same test cohorts as `bakehouse train`.

    uv run python bench/model_ceiling.py                  # Basildon, seed 1, default noise

Measurement only: it regenerates the world in this process and keeps the simulator's own
inputs to the outcome (each child's benefit, domestic abuse, social care... at age 2.5, and the
latent development), which no extract carries. Each rung is a logistic regression fitted on the
true inputs of the development cohorts, scored on the test cohorts' assessed children:

1. the true probabilities with hindsight (they know each child's whole development at 2.5, as the
   outcome was drawn);
   then the best achievable: the true probability given every record at the prediction date
   (the world's ``p_gld_from_records``: development only as its reviews saw it);
2. every true input except development, which is seen only through the ASQ-3 scores of the 1 year
   review and of the 2-2.5 year review held before the exact 30-month date, with each LSOA's
   effect learned from indicator columns;
3. the same without the LSOA effects (not knowable at the prediction date for the first cohorts);
4. the same fitted on the children with an outcome only (the data a model really has);
5. the same with the review before the first day of the month of the half-birthday (only the
   month of birth is in the analysis zone);
6. the same without the 1 year review's scores (what the 2-2.5 year review alone gives).

Also printed: the ECE of the true probabilities on the test children, and the ECE a perfectly
calibrated model would show on as many children from chance alone (the median over outcomes
drawn from the true probabilities): the floor under any model's ECE.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

import bakehouse.world.childhood as childhood
import bakehouse.world.generate as world_generate
import bakehouse.world.services as services
from bakehouse.modelling.metrics import auc, ece
from bakehouse.world.config import WorldConfig

ASQ = [
    "asq_communication",
    "asq_gross_motor",
    "asq_fine_motor",
    "asq_problem_solving",
    "asq_personal_social",
]
FACTORS = [
    "benefit",
    "domestic_abuse",
    "parent_mental_health",
    "social_care",
    "temporary_accommodation",
    "other_language",
]


def capture(config: WorldConfig, out: Path) -> dict[str, Any]:
    """Generate the world, keeping the simulator's childhood inputs."""
    kept: dict[str, Any] = {}
    births, probability, visits = (
        childhood.draw_births,
        childhood.gld_probability,
        services.health_visiting,
    )

    def draw_births(*args: Any) -> Any:
        kept["births"] = births(*args)
        return kept["births"]

    def gld_probability(rng: Any, history: Any, born: Any, took: Any, area: Any) -> Any:
        kept.update(history=history, took=took)
        return probability(rng, history, born, took, area)

    def health_visiting(*args: Any, **kwargs: Any) -> Any:
        kept["hv"] = visits(*args, **kwargs)
        return kept["hv"]

    # generate() calls these through their modules, so replacing the attributes captures them.
    replaced = {
        (childhood, "draw_births"): draw_births,
        (childhood, "gld_probability"): gld_probability,
        (services, "health_visiting"): health_visiting,
    }
    originals = {key: getattr(*key) for key in replaced}
    for (module, name), function in replaced.items():
        setattr(module, name, function)
    try:
        world_generate.generate(config, out)
    finally:
        for (module, name), function in originals.items():
            setattr(module, name, function)
    return kept


def table(kept: dict[str, Any], truth: Path) -> pd.DataFrame:
    frame = kept["history"].to_pandas()
    frame["preterm"] = kept["births"]["preterm"]
    frame["low_birth_weight"] = kept["births"]["low_birth_weight"]
    frame["early_education_2yo"] = kept["took"]
    hv = kept["hv"].to_pandas()
    reviews = hv[hv.contact_type == "2-2.5Y"].copy()
    reviews["asq"] = reviews[ASQ].sum(axis=1)
    reviews = reviews.groupby("person_id").agg(asq=("asq", "last"), on=("contact_date", "last"))
    frame = frame.merge(reviews, left_on="person_id", right_index=True, how="left")
    first = hv[(hv.contact_type == "1Y") & hv[ASQ[0]].notna()].copy()
    first["asq_1y"] = first[ASQ].sum(axis=1)
    first = first.groupby("person_id").agg(asq_1y=("asq_1y", "last"))
    frame = frame.merge(first, left_on="person_id", right_index=True, how="left")
    children = pd.read_parquet(truth / "children.parquet")
    frame = frame.merge(
        children[["person_id", "cohort", "gld", "assessed", "p_gld", "p_gld_from_records"]],
        on="person_id",
    )
    dob = pd.to_datetime(frame.dob)
    on = pd.to_datetime(frame.on)
    frame["exact"] = on < dob + pd.DateOffset(months=30)
    frame["month_start"] = on < dob.dt.to_period("M").dt.to_timestamp() + pd.DateOffset(months=30)
    frame["month_younger"] = (dob.dt.month - 9) % 12
    frame["boy"] = (frame.sex == "M").astype(float)
    frame["moves"] = np.minimum(frame.moves, 4)
    return frame


def design(frame: pd.DataFrame, seen: str, area: bool, first_year: bool = True) -> pd.DataFrame:
    columns = [
        "boy",
        "month_younger",
        "preterm",
        "low_birth_weight",
        "early_education_2yo",
        "moves",
        *FACTORS,
    ]
    x = frame[columns].astype(float)
    reviewed = frame[seen].fillna(False).astype(bool)
    x["no_review"] = (~reviewed).astype(float)
    x["asq"] = np.where(reviewed, frame.asq, 0.0)
    if first_year:
        scored = frame.asq_1y.notna()
        x["no_asq_1y"] = (~scored).astype(float)
        x["asq_1y"] = np.where(scored, frame.asq_1y, 0.0)
    if area:
        x = pd.concat(
            [x, pd.get_dummies(frame.lsoa_at_prediction.fillna("none"), dtype=float)], axis=1
        )
    return x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--test", default="2024,2025")
    parser.add_argument("--development", default="2017,2018,2019,2022,2023")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "world"
        kept = capture(WorldConfig(area="basildon", seed=args.seed, scale=args.scale), out)
        frame = table(kept, out / "truth")
    test_cohorts = [int(c) for c in args.test.split(",")]
    develop = [int(c) for c in args.development.split(",")]
    test = (frame.cohort.isin(test_cohorts) & frame.assessed).to_numpy()
    everyone = (frame.cohort < min(test_cohorts)).to_numpy()
    observed = (frame.cohort.isin(develop) & frame.assessed).to_numpy()
    y = (~frame.gld.astype(bool)).astype(float).to_numpy()
    p = frame.p_gld.to_numpy()
    print(
        f"test children: {test.sum():,}; reviewed before 30 months: "
        f"{frame.exact[test].mean():.1%}; before the month of it: "
        f"{frame.month_start[test].mean():.1%}"
    )
    draws = np.random.default_rng(args.seed).random((200, int(test.sum())))
    chance = np.median([ece((d < 1 - p[test]).astype(float), 1 - p[test]) for d in draws])
    print(
        f"ECE of the true probabilities {ece(y[test], 1 - p[test]):.4f}; from chance alone on "
        f"as many children (median) {chance:.4f}"
    )
    best = frame.p_gld_from_records.to_numpy()
    print(f"1. true probabilities, with hindsight           {auc(y[test], 1 - p[test]):.4f}")
    print(f"   given every record at the prediction date    {auc(y[test], 1 - best[test]):.4f}")
    rungs = [
        ("2. true inputs, review by 30 months, LSOA effects", "exact", True, everyone, True, True),
        ("3. ... without LSOA effects", "exact", False, everyone, True, True),
        ("4. ... fitted on observed outcomes only", "exact", False, observed, False, True),
        ("5. ... review before the month of 2.5", "month_start", False, observed, False, True),
        ("6. ... without the 1 year review's ASQ-3", "month_start", False, observed, False, False),
    ]
    for label, seen, area, rows, soft, first_year in rungs:
        x = design(frame, seen, area, first_year).to_numpy()
        if soft:  # the true probability as the target: as if every cohort were infinite
            model = LogisticRegression(C=1.0, max_iter=5000).fit(
                np.vstack([x[rows], x[rows]]),
                np.r_[np.ones(rows.sum()), np.zeros(rows.sum())],
                sample_weight=np.r_[1 - p[rows], p[rows]],
            )
        else:
            model = LogisticRegression(C=1.0, max_iter=5000).fit(x[rows], y[rows])
        print(f"{label:49s} {auc(y[test], model.predict_proba(x[test])[:, 1]):.4f}")


if __name__ == "__main__":
    main()
