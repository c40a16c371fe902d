"""The minimum detectable effect of a plan's design, from the recipe's current release.

Each design's MDE is that of its own estimator and test (``bakehouse.evaluation.power``): a
staggered plan or a synthetic control can need a much larger effect than a difference-in-
differences on the same areas. The record names the test. Records frozen without one hold a
difference-in-differences' MDE whatever the design, and keep it: it is part of what was frozen.

The web app holds no person-level data, so the intra-cluster correlation cannot come from
children: it comes from the release's published observed outcomes per area and cohort (rate and
population, both after disclosure control), which is exactly the area-period table
``bakehouse.evaluation.power`` estimates it from. Cells the release withheld are not there:
areas missing any earlier cohort are left out of the comparison, and the record says how many.
Published populations are rounded, which adds a little noise to the ICC; the record says so.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from bakehouse.errors import BakehouseError
from bakehouse.evaluation import (
    Columns,
    Design,
    EvaluationPlan,
    PowerAnalysis,
    minimum_detectable_effect,
)
from bakehouse.evaluation.panel import panel_from_frame
from web.releases.models import Release, TrendKind, TrendPoint

SOURCE = (
    "the intra-cluster correlation and each area's past rate come from the release's published "
    "observed rates and populations per area and cohort (rounded for disclosure control), the "
    "only area-level outcomes the web app holds"
)


def observed_cohorts(release: Release) -> list[int]:
    """The cohorts whose observed outcomes the release publishes for any area."""
    found = TrendPoint.objects.filter(area__release=release, kind=TrendKind.OBSERVED)
    return sorted(set(found.values_list("cohort", flat=True)))


def plan_power(release: Release, plan: EvaluationPlan, post_periods: int) -> dict[str, Any]:
    """The MDE of the plan's design at 80% power and the plan's alpha, with what it was
    computed from and the test it assumes; when it cannot be computed (or no effect could be
    detected), ``mde`` is None and ``reason`` says why."""
    points = TrendPoint.objects.filter(
        area__release=release,
        kind=TrendKind.OBSERVED,
        cohort__lt=min(plan.adoption().values()),
        rate__isnull=False,
        population__gt=0,
    ).values_list("area__lsoa11cd", "cohort", "rate", "population")
    frame = pd.DataFrame(list(points), columns=["unit", "period", "outcome", "weight"])
    periods = sorted(frame["period"].unique())
    whole = frame.groupby("unit")["period"].nunique() == len(periods)
    complete = frame[frame["unit"].isin(whole[whole].index)].assign(treatment=0)
    treated = [unit for unit in plan.treated_units if unit in set(complete["unit"])]
    published = set(release.areas.values_list("lsoa11cd", flat=True))
    pool = plan.comparison_pool or sorted(published - set(plan.treated_units))
    comparison = [unit for unit in pool if unit in set(complete["unit"])]
    basis: dict[str, Any] = {
        "release": release.id,
        "periods_before": [int(period) for period in periods],
        "post_periods": post_periods,
        "treated_used": len(treated),
        "treated_left_out": len(plan.treated_units) - len(treated),
        "comparison_used": len(comparison),
        "comparison_left_out": len(pool) - len(comparison),
        "source": SOURCE,
    }
    if not treated:
        return {
            **basis,
            "mde": None,
            "reason": "no treated area has every earlier cohort published",
        }
    if len(comparison) < 2:
        return {
            **basis,
            "mde": None,
            "reason": "fewer than 2 comparison areas have every earlier cohort published",
        }
    try:
        panel = panel_from_frame(
            complete,
            Columns("unit", "period", "outcome", "treatment", "weight"),
            source=f"release {release.id}",
            planning=True,
        )
        adoption = {unit: plan.adoption()[unit] for unit in treated}
        power = minimum_detectable_effect(
            panel,
            adoption,
            comparison,
            design=plan.design,
            alpha=plan.alpha,
            post_periods=post_periods,
        )
    except BakehouseError as error:
        return {**basis, "mde": None, "reason": error.what}
    if power.mde is None:
        return {**basis, "mde": None, "reason": power.reason}
    return {
        **basis,
        "design": plan.design.value,
        "test": _test(power),
        "mde": power.mde,
        "power": power.power,
        "alpha": power.alpha,
        "icc": power.icc,
        "design_effect": power.design_effect,
        "standard_error": power.standard_error,
    }


def _test(power: PowerAnalysis) -> str:
    """The test the MDE assumes, in words: the design's own estimator and inference."""
    if power.design is Design.SYNTHETIC_CONTROL:
        return (
            f"the rank of the treated areas' gap among {len(power.placebo_errors)} placebo "
            "groups of comparison areas"
        )
    estimator = (
        "Callaway-Sant'Anna, each start against the cohort before it"
        if power.design is Design.STAGGERED
        else "difference-in-differences with errors clustered by area"
    )
    return f"{estimator}, t on {power.freedom:.1f} degrees of freedom"
