"""What raises an area's predicted need most, from the model's explanations.

The model stage supplies, per LSOA and feature, the mean contribution of that feature to the
predicted probability of the outcome (SHAP values on the probability scale, averaged over the
area's units in the coming cohorts). Optional ``label`` gives the feature in plain words.
Here the strongest positive contributions become ranked drivers with a sentence each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bakehouse.errors import SchemaError
from bakehouse.recipes.schema import Words

REQUIRED = ("lsoa11cd", "feature", "contribution")


@dataclass(frozen=True)
class Driver:
    lsoa11cd: str
    position: int
    feature: str
    label: str
    contribution: float
    text: str


def plain_label(feature: str) -> str:
    """'early_education_takeup' -> 'early education takeup'."""
    return feature.replace("_", " ").strip().lower()


def top_drivers(
    table: pa.Table | None, per_area: int, words: Words, source: str = "drivers"
) -> list[Driver]:
    """The ``per_area`` largest positive contributions of each LSOA, strongest first, each with
    a sentence in the recipe's ``words``."""
    if table is None or table.num_rows == 0:
        return []
    missing = [name for name in REQUIRED if name not in table.column_names]
    if missing:
        raise SchemaError(
            f"Drivers lack column(s) {', '.join(missing)}",
            file=source,
            field=missing[0],
            fix="Drivers have lsoa11cd, feature, contribution and optionally label",
        )
    contribution = pc.fill_null(pc.cast(table.column("contribution"), pa.float64()), np.nan)
    values = contribution.to_numpy(zero_copy_only=False)
    if np.isnan(values).any():
        raise SchemaError(
            "Contribution is missing",
            file=source,
            row=int(np.argmax(np.isnan(values))) + 1,
            field="contribution",
        )
    codes = table.column("lsoa11cd").to_pylist()
    features = table.column("feature").to_pylist()
    labels = (
        table.column("label").to_pylist()
        if "label" in table.column_names
        else [None] * table.num_rows
    )
    by_area: dict[str, list[tuple[float, str, str]]] = {}
    for code, feature, label, value in zip(codes, features, labels, values, strict=True):
        if value > 0:
            by_area.setdefault(str(code), []).append(
                (float(value), str(feature), str(label) if label else plain_label(str(feature)))
            )
    drivers: list[Driver] = []
    for code in sorted(by_area):
        ranked = sorted(by_area[code], key=lambda item: (-item[0], item[1]))[:per_area]
        for position, (value, feature, label) in enumerate(ranked, start=1):
            drivers.append(
                Driver(code, position, feature, label, value, _sentence(label, value, words))
            )
    return drivers


def _sentence(label: str, contribution: float, words: Words) -> str:
    points = contribution * 100
    amount = (
        "less than 1 percentage point" if points < 1 else f"about {points:.0f} percentage points"
    )
    return f"Here, {label} raises the predicted chance of {words.outcome} by {amount}."
