"""Explanations in numbers and plain words: which features drive the model overall, and which
raise each small area's predicted need most.

Contributions come from the model itself (TreeSHAP for LightGBM, exact terms for the logistic
regression) on the log-odds scale, scaled by the calibration slope. A feature's effect on a
unit's probability is how much the probability would fall without that feature's contribution:
``p - sigmoid(z - contribution)``. An area's drivers are the means of these over its units in
the cohorts to come, among features that raise need; unit-level contributions never leave the
training run, only these area means (from at least the recipe's ``min_children`` units).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from bakehouse.features.catalogue import Feature
from bakehouse.modelling.calibration import sigmoid
from bakehouse.recipes.schema import Words


def probability_effects(contributions: np.ndarray, log_odds: np.ndarray) -> np.ndarray:
    """Per unit and feature: the change in probability the feature's contribution makes."""
    probability = sigmoid(log_odds)[:, None]
    return probability - sigmoid(log_odds[:, None] - contributions)


def global_importance(
    contributions: np.ndarray, effects: np.ndarray, features: list[Feature], words: Words
) -> list[dict[str, Any]]:
    """Mean absolute contribution per feature (log-odds), with the mean absolute effect on the
    probability, most important first, each with a sentence in the recipe's ``words``."""
    mean_abs = np.abs(contributions).mean(axis=0)
    mean_effect = np.abs(effects).mean(axis=0)
    total = mean_abs.sum() or 1.0
    order = np.argsort(-mean_abs, kind="stable")
    rows = []
    for rank, index in enumerate(order, start=1):
        feature = features[index]
        share = float(mean_abs[index] / total)
        rows.append(
            {
                "rank": rank,
                "feature": feature.name,
                "label": feature.label,
                "mean_abs_log_odds": float(mean_abs[index]),
                "mean_abs_probability": float(mean_effect[index]),
                "share": share,
                "text": (
                    f"{feature.label}: {share:.0%} of what the model uses to tell {words.units} "
                    f"apart; on average it moves the predicted chance of {words.outcome} "
                    f"by {100 * mean_effect[index]:.1f} percentage points."
                ),
            }
        )
    return rows


def area_contributions(
    lsoa: np.ndarray,
    contributions: np.ndarray,
    effects: np.ndarray,
    features: list[Feature],
) -> pa.Table:
    """Per LSOA and feature: units, mean effect on the probability (``contribution``, the
    areas stage's drivers input) and mean log-odds contribution."""
    codes, inverse, counts = np.unique(lsoa.astype(str), return_inverse=True, return_counts=True)
    sums = np.zeros((len(codes), contributions.shape[1]))
    effect_sums = np.zeros_like(sums)
    np.add.at(sums, inverse, contributions)
    np.add.at(effect_sums, inverse, effects)
    width = len(features)
    return pa.table(
        {
            "lsoa11cd": pa.array(np.repeat(codes, width)),
            "feature": pa.array([f.name for f in features] * len(codes)),
            "label": pa.array([f.label for f in features] * len(codes)),
            "units": pa.array(np.repeat(counts, width), pa.int32()),
            "contribution": pa.array((effect_sums / counts[:, None]).ravel()),
            "contribution_log_odds": pa.array((sums / counts[:, None]).ravel()),
        }
    )


def area_drivers(
    table: pa.Table, features: list[Feature], per_area: int, min_units: int, words: Words
) -> pa.Table:
    """The release's drivers: per LSOA with at least ``min_units`` units, the features raising
    predicted need most (positive mean effect), with a sentence each in the recipe's ``words``."""
    by_name = {feature.name: feature for feature in features}
    rows: dict[str, list[Any]] = {
        k: [] for k in ("lsoa11cd", "position", "feature", "label", "contribution", "text")
    }
    data = table.to_pydict()
    areas: dict[str, list[tuple[float, str]]] = {}
    units: dict[str, int] = {}
    for code, name, count, effect in zip(
        data["lsoa11cd"], data["feature"], data["units"], data["contribution"], strict=True
    ):
        units[code] = count
        if effect > 0:
            areas.setdefault(code, []).append((effect, name))
    for code in sorted(areas):
        if units[code] < min_units:
            continue
        ranked = sorted(areas[code], key=lambda item: (-item[0], item[1]))[:per_area]
        for position, (effect, name) in enumerate(ranked, start=1):
            feature = by_name[name]
            rows["lsoa11cd"].append(code)
            rows["position"].append(position)
            rows["feature"].append(name)
            rows["label"].append(feature.label)
            rows["contribution"].append(float(effect))
            rows["text"].append(
                f"Predicted need here is raised most by {feature.phrase}: about "
                f"{100 * effect:.1f} percentage points on the expected {words.event_rate}, "
                f"compared with an average {words.unit} in the model."
            )
    return pa.table(
        {
            "lsoa11cd": pa.array(rows["lsoa11cd"], pa.string()),
            "position": pa.array(rows["position"], pa.int32()),
            "feature": pa.array(rows["feature"], pa.string()),
            "label": pa.array(rows["label"], pa.string()),
            "contribution": pa.array(rows["contribution"], pa.float64()),
            "text": pa.array(rows["text"], pa.string()),
        }
    )
