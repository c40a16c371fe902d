"""Whether the best achievable from records is within reach of a records-based model, for the
domestic abuse escalation and homelessness outcomes of a synthetic world.

    uv run python bench/outcome_ceiling.py data/world [more worlds...]

For each outcome, fits a logistic regression on the truth's values of what records show (no
latent disadvantage, no household term, no tenure) on half the households and reports, on the
other half's index rows with a known outcome, its AUC beside the AUC of ``p_from_records`` and
of ``p_true``, with the outcome rate and index rows per year. A gap of more than about 0.01
between the first two means the ceiling is out of reach of any model working from records.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from scipy.stats import norm
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from bakehouse.geography.deprivation import LSOAS_IN_ENGLAND


def area_scores(truth: Path) -> dict[str, float]:
    deprivation = pq.read_table(truth / "deprivation.parquet").to_pydict()
    score = norm.ppf(1 - (np.array(deprivation["imd_rank"]) - 0.5) / LSOAS_IN_ENGLAND)
    return dict(zip(deprivation["lsoa11cd"], score.tolist(), strict=True))


def escalation_design(truth: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    t = pq.read_table(truth / "da_escalation.parquet").to_pydict()
    t = {k: np.array(v) for k, v in t.items()}
    area = area_scores(truth)
    household = t["household_id"]
    escalated = np.where(t["escalated"] == None, False, t["escalated"]).astype(float)  # noqa: E711
    # Earlier escalations of the household (rows are in time order within a household).
    earlier_escalations = np.zeros(len(household))
    for i in range(1, len(household)):
        if household[i] == household[i - 1]:
            earlier_escalations[i] = earlier_escalations[i - 1] + escalated[i - 1]
    x = np.column_stack(
        [
            t["dash_risk"] == "Medium",
            t["dash_risk"] == "High",
            np.minimum(t["earlier_incidents"], 3),
            np.log1p(t["earlier_incidents"]),
            t["children_present"],
            t["benefit_claim"],
            t["social_care"],
            [area[c] for c in t["lsoa11cd"]],
            earlier_escalations > 0,
            earlier_escalations,
        ]
    ).astype(float)
    return x, {"y": t["escalated"], "known": t["outcome_known"], **t}


def homelessness_design(truth: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    t = pq.read_table(truth / "homelessness.parquet").to_pydict()
    t = {k: np.array(v) for k, v in t.items()}
    area = area_scores(truth)
    since = np.array([13 if m is None else m for m in t["months_since_incident"]], float)
    x = np.column_stack(
        [
            t["single_adult"],
            t["benefit_claim"],
            t["housing_benefit"],
            since <= 12,
            since <= 3,
            since <= 1,
            t["earlier_approaches"] > 0,
            np.minimum(t["earlier_approaches"], 3),
            [m is not None for m in t["months_since_approach"]],
            [area[c] for c in t["lsoa11cd"]],
        ]
    ).astype(float)
    return x, {"y": t["approached"], "known": t["outcome_known"], **t}


def reach(x: np.ndarray, t: dict[str, np.ndarray]) -> dict[str, float]:
    known = t["known"].astype(bool)
    y = np.where(known, t["y"], False).astype(bool)
    test_household = (t["household_id"] * 2654435761 % 2**32) % 2 == 1
    train, test = known & ~test_household, known & test_household
    model = LogisticRegression(max_iter=2000).fit(x[train], y[train])
    p = model.predict_proba(x[test])[:, 1]
    years = t["year"][known]
    return {
        "index_rows": len(y),
        "known": int(known.sum()),
        "rate": float(y[known].mean()),
        "per_year": float(len(years) / len(np.unique(years))),
        "records_logistic_auc": float(roc_auc_score(y[test], p)),
        "p_from_records_auc": float(roc_auc_score(y[test], t["p_from_records"][test])),
        "p_true_auc": float(roc_auc_score(y[test], t["p_true"][test])),
        "mean_p_true": float(t["p_true"][known].mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("worlds", nargs="+", type=Path)
    options = parser.parse_args()
    for world in options.worlds:
        truth = world / "truth"
        for name, design in (
            ("domestic-abuse", escalation_design),
            ("homelessness", homelessness_design),
        ):
            figures = reach(*design(truth))
            figures["gap"] = figures["p_from_records_auc"] - figures["records_logistic_auc"]
            print(json.dumps({"world": str(world), "recipe": name, **figures}))


if __name__ == "__main__":
    main()
