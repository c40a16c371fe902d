"""The fairness audit: how the model's errors and calibration differ between groups of units.

A unit is *flagged* when among the recipe's ``flag_share`` highest predicted risks on the test
cohorts. For each group of each attribute: size, events (units with the outcome), false negative
rate (events that were not flagged), false positive rate, precision, mean predicted
and observed rates and their difference (calibration within the group). Rates are compared with a
reference group as ratios; a group is flagged when a ratio is outside the tolerance band or its
calibration is off by more than the recipe allows, and only when both it and the reference have
at least ``min_group_size`` units. Rates, ratios and calibration carry bootstrap intervals.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bakehouse.areas.intervals import wilson, z_value
from bakehouse.errors import DisclosureError
from bakehouse.modelling.metrics import bootstrap_indices
from bakehouse.recipes.schema import FairnessSpec
from bakehouse.release.disclosure import DisclosureRules, Rate, protect_rates

RATES = ("fnr", "fpr", "precision")
_RATE_NAMES = (*RATES, "predicted_rate", "observed_rate")


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


def _resampled_rates(
    codes: np.ndarray,
    groups: int,
    y: np.ndarray,
    flagged: np.ndarray,
    p: np.ndarray,
    counts: np.ndarray,
) -> dict[str, np.ndarray]:
    """:func:`_rates` of every group in one resample at once. ``counts[i]`` is how many times
    unit ``i`` was drawn, so each group's sums over the resampled units are weighted sums over
    the units: the same figures as indexing the resample group by group, at one pass over the
    units per sum instead of one per group (the difference that matters for a county's
    million test units)."""

    def by_group(weights: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=weights, minlength=groups)

    size = by_group(counts)
    positives = by_group(counts * y)
    true_positive = by_group(counts * (y & flagged))
    false_positive = by_group(counts * (~y & flagged))
    flags = by_group(counts * flagged)
    predicted = by_group(counts * p)
    negatives = size - positives
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "fnr": np.where(positives > 0, (positives - true_positive) / positives, np.nan),
            "fpr": np.where(negatives > 0, false_positive / negatives, np.nan),
            "precision": np.where(flags > 0, true_positive / flags, np.nan),
            "predicted_rate": np.where(size > 0, predicted / size, np.nan),
            "observed_rate": np.where(size > 0, positives / size, np.nan),
        }


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
    coded = {
        attribute: np.unique(groups[attribute].astype(str), return_inverse=True, return_counts=True)
        for attribute in spec.groups
    }
    # Each resample's rates for every group of every attribute: (resamples, groups) per rate.
    draws: dict[str, dict[str, np.ndarray]] = {
        attribute: {name: np.empty((resamples, len(names))) for name in _RATE_NAMES}
        for attribute, (names, _, _) in coded.items()
    }
    for number, row in enumerate(indices):
        counts = np.bincount(row, minlength=len(y)).astype(float)
        for attribute, (names, codes, _) in coded.items():
            resampled = _resampled_rates(codes, len(names), y, flagged, p, counts)
            for name in _RATE_NAMES:
                draws[attribute][name][number] = resampled[name]
    attributes: list[dict[str, Any]] = []
    for attribute in spec.groups:
        names, codes, sizes = coded[attribute]
        group_spec = spec.groups[attribute]
        reference = group_spec.reference or str(names[np.argmax(sizes)])
        if reference not in names:
            reference = str(names[np.argmax(sizes)])
        at = int(np.flatnonzero(names == reference)[0])
        reference_mask = codes == at
        reference_rates = _rates(y[reference_mask], flagged[reference_mask], p[reference_mask])
        drawn = draws[attribute]
        rows: list[dict[str, Any]] = []
        for index, group in enumerate(names.tolist()):
            mask = codes == index
            rates = _rates(y[mask], flagged[mask], p[mask])
            ratios = {f"{rate}_ratio": _ratio(rates[rate], reference_rates[rate]) for rate in RATES}
            calibration = rates["observed_rate"] - rates["predicted_rate"]
            samples: dict[str, list[float]] = {
                rate: drawn[rate][:, index].tolist() for rate in RATES
            }
            for rate in RATES:
                samples[f"{rate}_ratio"] = [
                    _ratio(a, b)
                    for a, b in zip(samples[rate], drawn[rate][:, at].tolist(), strict=True)
                ]
            samples["calibration"] = (
                drawn["observed_rate"][:, index] - drawn["predicted_rate"][:, index]
            ).tolist()
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
                    "events": int(y[mask].sum()),
                    "flagged_units": int(flagged[mask].sum()),
                    "true_flags": int((y[mask] & flagged[mask]).sum()),
                    "expected": float(p[mask].sum()),
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
        "units": len(y),
        "attributes": attributes,
        "flags": [
            {"attribute": row["attribute"], "group": row["group"], "reasons": row["reasons"]}
            for item in attributes
            for row in item["groups"]
            if row["flagged"]
        ],
    }


# The counts the published rates rest on, and the rates: (name, numerator, denominator, rest).
COUNTS = (
    "size", "with_outcome", "without_outcome", "flagged_units", "true_flags", "missed",
    "false_flags",
)  # fmt: skip
PUBLISHED_RATES = (
    Rate("with_outcome", "size", "without_outcome"),
    Rate("missed", "with_outcome", "true_flags"),
    Rate("false_flags", "without_outcome", "unflagged_without_outcome"),
    Rate("true_flags", "flagged_units", "false_flags"),
)
RATE_OF = {"observed_rate": 0, "fnr": 1, "fpr": 2, "precision": 3}


def _counts(row: dict[str, Any]) -> dict[str, int]:
    size, events, flagged = row["size"], row["events"], row["flagged_units"]
    true_flags = row["true_flags"]
    return {
        "size": size,
        "with_outcome": events,
        "without_outcome": size - events,
        "flagged_units": flagged,
        "true_flags": true_flags,
        "missed": events - true_flags,
        "false_flags": flagged - true_flags,
    }


def _protect_attribute(
    rows: list[dict[str, Any]], kept: list[bool], rules: DisclosureRules
) -> list[dict[str, int | None]]:
    """Each group's counts, protected within the group and across the groups of the attribute
    (whose totals the model card gives): under each count, the groups withheld are none or at
    least two, so that no group's count is the total minus the others."""
    exact = [_counts(row) for row in rows]
    extra: list[set[str]] = [set() if keep else set(COUNTS[1:]) for keep in kept]
    for _ in range(len(rows) * len(COUNTS) + 1):
        shown = [
            protect_rates(counts, list(PUBLISHED_RATES), rules, frozenset(more))
            for counts, more in zip(exact, extra, strict=True)
        ]
        moved = False
        for name in COUNTS:
            hidden = [i for i, group in enumerate(shown) if group[name] is None]
            published = [i for i, group in enumerate(shown) if group[name] is not None]
            events = sum(exact[i][name] for i in hidden)
            if hidden and published and (len(hidden) == 1 or 1 <= events <= rules.threshold):
                partner = min(published, key=lambda i: (exact[i][name] == 0, exact[i][name]))
                extra[partner].add(name)
                moved = True
        if not moved:
            return shown
    raise DisclosureError("Fairness counts did not settle", field="fairness")


def _wilson(events: int, total: int) -> list[float | None]:
    low, high = wilson(events, total)
    return [float(low), float(high)]


def _published_rate(
    shown: dict[str, int | None], name: str
) -> tuple[float | None, list[float | None], tuple[int, int] | None]:
    """A rate from the published counts, its Wilson interval and the counts (None if any is
    withheld or the denominator is 0)."""
    rate = PUBLISHED_RATES[RATE_OF[name]]
    events, total = shown[rate.numerator], shown[rate.denominator]
    if events is None or not total:
        return None, [None, None], None
    return events / total, _wilson(events, total), (events, total)


def _risk_ratio(
    own: tuple[int, int] | None, reference: tuple[int, int] | None
) -> tuple[float | None, list[float | None]]:
    """The ratio of two published rates, with the log-scale (Katz) 95% interval from the same
    published counts; no interval when either numerator is 0."""
    if own is None or reference is None or reference[0] == 0:
        return None, [None, None]
    ratio = (own[0] / own[1]) / (reference[0] / reference[1])
    if own[0] == 0:
        return ratio, [None, None]
    variance = 1 / own[0] - 1 / own[1] + 1 / reference[0] - 1 / reference[1]
    spread = z_value(0.95) * math.sqrt(variance)
    return ratio, [ratio * math.exp(-spread), ratio * math.exp(spread)]


def publishable(audit_result: dict[str, Any], rules: DisclosureRules) -> dict[str, Any]:
    """The audit in the release's shape, every figure from the published counts.

    Counts are protected as the release's tables are (rounded; 1 to the threshold withheld; a
    rest of 0 to the threshold withholds its numerator; none or two withheld under any sum) and
    every rate is the published numerator over the published denominator, with its Wilson 95%
    interval from the same two counts; ratios to the reference group carry the log-scale (Katz)
    interval of a ratio of two proportions; calibration is the published observed rate minus the
    predicted rate (the expected number, to one decimal, over the published size), with the
    Wilson interval of the observed rate moved by the same amount. The bootstrap intervals of
    the audit are computed from exact counts and stay in the workspace. A group is flagged by
    the published figures, so the flag and its reasons can be read off the document. Groups
    below the threshold or the audit's minimum size show their size only.
    """
    low, high = audit_result["tolerance"]
    tolerance = audit_result["calibration_tolerance"]
    groups = []
    for item in audit_result["attributes"]:
        rows = item["groups"]
        kept = [
            (row["judged"] or row["reference"])
            and row["size"] > rules.threshold
            and row["size"] >= audit_result["min_group_size"]
            for row in rows
        ]
        shown = _protect_attribute(rows, kept, rules)
        reference = next(i for i, row in enumerate(rows) if row["reference"])
        reference_rates = {name: _published_rate(shown[reference], name) for name in RATES}
        for row, keep, counts in zip(rows, kept, shown, strict=True):
            figures: dict[str, Any] = {}
            for name in ("observed_rate", *RATES):
                value, interval, pair = _published_rate(counts, name)
                figures[name], figures[f"{name}_interval"] = value, interval
                if name in RATES:
                    ratio, bounds = _risk_ratio(pair, reference_rates[name][2])
                    if row["reference"]:
                        bounds = [None, None]  # a group against itself: 1, without spread
                    figures[f"{name}_ratio"], figures[f"{name}_ratio_interval"] = ratio, bounds
            size = counts["size"]
            predicted = round(row["expected"], 1) / size if keep and size else None
            observed = figures["observed_rate"]
            calibration = None
            if predicted is not None and observed is not None:
                calibration = observed - predicted
                figures["calibration_interval"] = [
                    bound - predicted for bound in figures["observed_rate_interval"]
                ]
            else:
                figures["calibration_interval"] = [None, None]
            reasons = []
            if keep and row["judged"] and not row["reference"]:
                for name in RATES:
                    ratio = figures[f"{name}_ratio"]
                    if ratio is not None and not low <= round(ratio, 4) <= high:
                        reasons.append(f"{name}_ratio {ratio:.2f} outside [{low}, {high}]")
            if (
                keep
                and row["judged"]
                and calibration is not None
                and (abs(round(calibration, 4)) > tolerance)
            ):
                direction = "above" if calibration > 0 else "below"
                reasons.append(
                    f"observed rate {direction} predicted by {abs(calibration):.3f} "
                    f"(tolerance {tolerance})"
                )
            groups.append(
                {
                    "attribute": row["attribute"],
                    "group": row["group"],
                    **{name: counts[name] for name in COUNTS},
                    "size_suppressed": size is None,
                    "counts_suppressed": [name for name in COUNTS if counts[name] is None],
                    "expected": round(row["expected"], 1) if keep and size else None,
                    "predicted_rate": predicted,
                    **figures,
                    "calibration": calibration,
                    "flagged": bool(reasons),
                    "reasons": "; ".join(reasons),
                }
            )
    return {
        "groups": groups,
        "reference": {item["attribute"]: item["reference"] for item in audit_result["attributes"]},
        "tolerance": audit_result["tolerance"],
        "flag_share": audit_result["flag_share"],
        "calibration_tolerance": audit_result["calibration_tolerance"],
        "intervals": "Wilson 95% from the published counts; ratios: log-scale (Katz) 95%",
    }
