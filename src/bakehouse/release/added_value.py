"""The release's table of added value: the model against what services already knew.

The figures come from the training run's ``added_value.json``, already through the disclosure
rule (counts withheld or rounded, shares from the published counts); this module lays them out
as rows and adds the area-level figure the publish stage alone can make: of the flagged areas,
how many a ranking by deprivation (the same number of each district's most deprived LSOAs)
would not have picked. The output checker verifies the table on its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from bakehouse.areas.counts import Geography
from bakehouse.release.schema import ADDED_VALUE

RANKINGS = ("model", "deprivation", "known_to_services", "deprivation_and_known")
MEASURES = ("auc", "precision", "recall")
COUNTS = {
    "test": ("units", "above_line", "above_line_with_outcome", "unknown", "unknown_with_outcome"),
    "coming": ("units", "above_line", "unknown"),
}
SHARES = {
    "test": ("unknown_share", "outcome_share_of_unknown"),
    "coming": ("unknown_share",),
}


def _row(
    section: str,
    measure: str,
    *,
    ranking: str | None = None,
    count: int | None = None,
    figure: dict[str, Any] | None = None,
    suppressed: bool = False,
) -> dict[str, Any]:
    figure = figure or {}
    return {
        "section": section,
        "ranking": ranking,
        "measure": measure,
        "count": count,
        "value": figure.get("value"),
        "low": figure.get("low"),
        "high": figure.get("high"),
        "suppressed": suppressed,
    }


def _figures(published: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    rankings = published["rankings"]
    for ranking in RANKINGS:
        for measure in MEASURES:
            figure = rankings[ranking][measure]
            rows.append(_row("ranking", measure, ranking=ranking, figure=figure))
        if ranking != "model":
            for measure in MEASURES:
                difference = rankings[ranking]["model_minus"][measure]
                rows.append(
                    _row("ranking", f"model_minus_{measure}", ranking=ranking, figure=difference)
                )
    for section, key in (("test", "invisible_need"), ("coming", "coming")):
        part = published[key]
        if section == "coming" and part.get("above_line") is None and not part.get("units"):
            continue
        for name in COUNTS[section]:
            value = part.get(name)
            rows.append(_row(section, name, count=value, suppressed=value is None))
        for name in SHARES[section]:
            share = part[name]
            rows.append(_row(section, name, figure=share, suppressed=share["value"] is None))
        if section == "coming":
            expected = part["expected_events_unknown"]
            rows.append(
                _row(
                    section,
                    "expected_events_unknown",
                    figure=expected,
                    suppressed=expected is None,
                )
            )
    return rows


def flagged_not_most_deprived(
    geography: Geography, codes: list[str], flagged: list[bool]
) -> tuple[int, int] | None:
    """(flagged areas, of them not among the same number of their district's most deprived
    LSOAs); None without deprivation. Ties in deprivation go to the lower LSOA code."""
    if geography.imd_score is None:
        return None
    position = {code: i for i, code in enumerate(geography.codes)}
    marked = np.zeros(len(geography.codes), dtype=bool)
    for code, flag in zip(codes, flagged, strict=True):
        marked[position[code]] = bool(flag)
    missed = 0
    for district in range(len(geography.district_codes)):
        members = np.flatnonzero(geography.district_of == district)
        chosen = int(marked[members].sum())
        # Most deprived first; equal scores by code, which is geography order.
        ranked = members[np.argsort(-geography.imd_score[members], kind="stable")]
        picked = set(ranked[:chosen].tolist())
        missed += sum(1 for i in members if marked[i] and i not in picked)
    return int(marked.sum()), missed


def added_value_table(published: dict[str, Any] | None, areas: tuple[int, int] | None) -> pa.Table:
    """The rows of ``added_value.parquet``: the run's published comparison (when it was made)
    and the area-level figure (when deprivation was given)."""
    rows = _figures(published) if published is not None else []
    if areas is not None:
        flagged, missed = areas
        rows.append(_row("areas", "flagged", count=flagged))
        rows.append(_row("areas", "flagged_not_most_deprived", count=missed))
    return pa.Table.from_pylist(rows, schema=ADDED_VALUE)
