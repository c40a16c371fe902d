"""The fairness audit: how the model's errors and calibration differ between groups of children.

A child is *flagged* when among the recipe's ``flag_share`` highest predicted risks on the test
cohorts. For each group of each attribute: size, children not reaching GLD, false negative rate
(children not reaching GLD who were not flagged), false positive rate, precision, mean predicted
and observed rates and their difference (calibration within the group). Rates are compared with a
reference group as ratios; a group is flagged when a ratio is outside the tolerance band or its
calibration is off by more than the recipe allows, and only when both it and the reference have
at least ``min_group_size`` children. Rates, ratios and calibration carry bootstrap intervals.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bakehouse.modelling.metrics import bootstrap_indices
from bakehouse.recipes.schema import FairnessSpec
from bakehouse.release.disclosure import DisclosureRules

RATES = ("fnr", "fpr", "precision")
PUBLISHED_INTERVALS = (*RATES, "calibration", *(f"{rate}_ratio" for rate in RATES))


def _rates(y: np.ndarray, flagged: np.ndarray, p: np.ndarray) -> dict[str, float]:
    positives = y.sum()
    negatives = len(y) - positives
    true_positive = (y & flagged).sum()
    false_positive = (~y & flagged).sum()
    return {
        "fnr": float((positives - true_positive) / positives) if positives else math.nan,
        "fpr": float(false_positive / negatives) if negatives else math.nan,
        "precision": float(true_positive / flagged.sum()) if flagged.sum() else math.nan,
        "predicted_rate": float(p.mean()) if len(p) else math.nan,
        "observed_rate": float(y.mean()) if len(y) else math.nan,
    }


def _ratio(value: float, reference: float) -> float:
    if math.isnan(value) or math.isnan(reference) or reference == 0:
        return math.nan
    return value / reference


def _interval(values: list[float]) -> list[float | None]:
    finite = np.array([v for v in values if math.isfinite(v)])
    if len(finite) < 10:
        return [None, None]
    low, high = np.percentile(finite, [2.5, 97.5])
    return [float(low), float(high)]


def flag_top(p: np.ndarray, share: float) -> np.ndarray:
    count = max(1, math.ceil(share * len(p)))
    flagged = np.zeros(len(p), dtype=bool)
    flagged[np.argsort(-p, kind="stable")[:count]] = True
    return flagged


def audit(
    y: np.ndarray,
    p: np.ndarray,
    groups: dict[str, np.ndarray],
    spec: FairnessSpec,
    *,
    resamples: int,
    seed: int,
) -> dict[str, Any]:
    """The audit of every attribute in ``spec.groups`` that ``groups`` holds."""
    y = y.astype(bool)
    flagged = flag_top(p, spec.flag_share)
    low, high = spec.tolerance
    indices = bootstrap_indices(len(y), resamples, seed)
    attributes: list[dict[str, Any]] = []
    for attribute, group_spec in spec.groups.items():
        values = groups[attribute].astype(str)
        names, sizes = np.unique(values, return_counts=True)
        reference = group_spec.reference or str(names[np.argmax(sizes)])
        if reference not in names:
            reference = str(names[np.argmax(sizes)])
        reference_mask = values == reference
        reference_rates = _rates(y[reference_mask], flagged[reference_mask], p[reference_mask])
        rows: list[dict[str, Any]] = []
        for group in names.tolist():
            mask = values == group
            rates = _rates(y[mask], flagged[mask], p[mask])
            ratios = {f"{rate}_ratio": _ratio(rates[rate], reference_rates[rate]) for rate in RATES}
            calibration = rates["observed_rate"] - rates["predicted_rate"]
            samples: dict[str, list[float]] = {name: [] for name in (*RATES, *ratios)}
            samples["calibration"] = []
            for row in indices:
                ys, fs, ps, vs = y[row], flagged[row], p[row], values[row]
                own, ref = vs == group, vs == reference
                own_rates, ref_rates = (
                    _rates(ys[own], fs[own], ps[own]),
                    _rates(ys[ref], fs[ref], ps[ref]),
                )
                for rate in RATES:
                    samples[rate].append(own_rates[rate])
                    samples[f"{rate}_ratio"].append(_ratio(own_rates[rate], ref_rates[rate]))
                samples["calibration"].append(
                    own_rates["observed_rate"] - own_rates["predicted_rate"]
                )
            size = int(mask.sum())
            judged = size >= spec.min_group_size and int(reference_mask.sum()) >= (
                spec.min_group_size
            )
            reasons = []
            if judged and group != reference:
                for name, value in ratios.items():
                    if math.isfinite(value) and not low <= value <= high:
                        reasons.append(f"{name} {value:.2f} outside [{low}, {high}]")
            if judged and abs(calibration) > spec.calibration_tolerance:
                reasons.append(
                    f"observed rate {'above' if calibration > 0 else 'below'} predicted by "
                    f"{abs(calibration):.3f} (tolerance {spec.calibration_tolerance})"
                )
            rows.append(
                {
                    "attribute": attribute,
                    "group": group,
                    "reference": group == reference,
                    "size": size,
                    "not_gld": int(y[mask].sum()),
                    "flagged_children": int(flagged[mask].sum()),
                    **rates,
                    "calibration": calibration,
                    **ratios,
                    "intervals": {name: _interval(values_) for name, values_ in samples.items()},
                    "judged": judged,
                    "flagged": bool(reasons),
                    "reasons": reasons,
                }
            )
        attributes.append({"attribute": attribute, "reference": reference, "groups": rows})
    return {
        "flag_share": spec.flag_share,
        "tolerance": [low, high],
        "calibration_tolerance": spec.calibration_tolerance,
        "min_group_size": spec.min_group_size,
        "children": len(y),
        "attributes": attributes,
        "flags": [
            {"attribute": row["attribute"], "group": row["group"], "reasons": row["reasons"]}
            for item in attributes
            for row in item["groups"]
            if row["flagged"]
        ],
    }


def publishable(audit_result: dict[str, Any], rules: DisclosureRules) -> dict[str, Any]:
    """The audit in the release's shape: sizes rounded as every published count is, groups
    below the threshold or below the audit's minimum size shown without rates; each published
    figure with its 95% bootstrap interval as ``<figure>_interval`` ([low, high])."""
    threshold = rules.threshold

    def count(value: int) -> int | None:
        if 0 < value <= threshold:
            return None
        return rules.round(value)

    groups = []
    for item in audit_result["attributes"]:
        for row in item["groups"]:
            shown = row["judged"] or row["reference"]
            small = row["size"] <= threshold or row["size"] < audit_result["min_group_size"]
            keep = shown and not small
            groups.append(
                {
                    "attribute": row["attribute"],
                    "group": row["group"],
                    "size": count(row["size"]),
                    "size_suppressed": count(row["size"]) is None,
                    "fnr": row["fnr"] if keep else None,
                    "fpr": row["fpr"] if keep else None,
                    "precision": row["precision"] if keep else None,
                    "calibration": row["calibration"] if keep else None,
                    "fnr_ratio": row["fnr_ratio"] if keep else None,
                    "fpr_ratio": row["fpr_ratio"] if keep else None,
                    "precision_ratio": row["precision_ratio"] if keep else None,
                    **{
                        f"{name}_interval": row["intervals"][name] if keep else [None, None]
                        for name in PUBLISHED_INTERVALS
                    },
                    "flagged": row["flagged"],
                    "reasons": "; ".join(row["reasons"]),
                }
            )
    return {
        "groups": groups,
        "reference": {item["attribute"]: item["reference"] for item in audit_result["attributes"]},
        "tolerance": audit_result["tolerance"],
        "flag_share": audit_result["flag_share"],
        "calibration_tolerance": audit_result["calibration_tolerance"],
    }
