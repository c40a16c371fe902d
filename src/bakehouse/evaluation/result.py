"""`evaluate(panel, plan) -> Result`: the plan's design run on the panel, the checks around it
(trends before the start, balance, power) and a verdict in plain words with its caveats.

A result holds estimates only: effects, intervals, group means per period. It holds no counts
and no populations, so nothing in it is a cell count a disclosure rule would have to protect.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from bakehouse.errors import ConfigError
from bakehouse.evaluation.estimators import PLACEBOS, Estimate, Progress, estimate
from bakehouse.evaluation.panel import Panel
from bakehouse.evaluation.plan import EXPLORATORY, Design, EvaluationPlan, plan_hash
from bakehouse.evaluation.power import PowerAnalysis, minimum_detectable_effect

FEW_TREATED = 5  # below this, errors clustered by unit are known to be too small
TREND_ALARM = 0.10  # a pre-trend test below this earns a caveat
IMBALANCE = 0.25  # standardised difference of pre-period means that earns a caveat


@dataclass(frozen=True)
class Result:
    design: str
    estimator: str
    outcome: str
    plan_hash: str
    effect: float
    low: float  # the (1 - alpha) interval
    high: float
    p_value: float
    alpha: float
    mde: float | None  # the design's, at 80% power and the plan's alpha; None: none detectable
    icc: float | None
    n_treated: int
    n_comparison: int
    periods: list[int]
    start: int
    pretrend_p: float | None
    pretrend_test: str
    balance: dict[str, float]  # pre-period means of the treated and comparison units
    pre_rmspe: float | None
    rmspe_ratio_p: float | None  # synthetic control: the classic post/pre RMSPE ratio's rank
    placebos: int | None
    verdict: str
    caveats: list[str]
    event_study: list[dict[str, float]] = field(default_factory=list)
    trajectories: list[dict[str, float]] = field(default_factory=list)
    # Whether the plan was frozen before the outcomes existed (see plan.PlanFile.registration).
    registration: str = EXPLORATORY

    @property
    def significant(self) -> bool:
        return self.p_value < self.alpha

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n"


def evaluate(
    panel: Panel,
    plan: EvaluationPlan,
    *,
    placebos: int = PLACEBOS,
    progress: Progress | None = None,
) -> Result:
    """Run ``plan`` on ``panel``: the panel's treated units and starts must be the plan's."""
    adoption = plan.adoption()
    _check_against_plan(panel, plan, adoption)
    comparison = list(plan.comparison_pool) or panel.comparison_units
    panel = panel.restricted(sorted(adoption) + comparison)
    starts = set(adoption.values())
    if plan.design is not Design.STAGGERED and len(starts) > 1:
        raise ConfigError(
            f"Design '{plan.design.value}' needs one start; the plan's units start in "
            f"{len(starts)} different periods",
            field="design",
            fix="Use the staggered design, or give every treated unit the same start",
        )
    first = min(panel.adoption.values())
    found = estimate(panel, plan.design, first, plan.alpha, placebos=placebos, progress=progress)
    power = minimum_detectable_effect(
        panel, adoption, comparison, design=plan.design, alpha=plan.alpha, placebos=placebos
    )
    balance = _balance(panel, first)
    percent = panel.is_proportion
    return Result(
        design=plan.design.value,
        estimator=found.estimator,
        outcome=plan.outcome,
        plan_hash=plan_hash(plan),
        effect=found.effect,
        low=found.low,
        high=found.high,
        p_value=found.p_value,
        alpha=plan.alpha,
        mde=power.mde,
        icc=power.icc,
        n_treated=len(adoption),
        n_comparison=len(comparison),
        periods=panel.periods,
        start=plan.start,
        pretrend_p=found.pretrend_p,
        pretrend_test=found.pretrend_test,
        balance=balance,
        pre_rmspe=found.pre_rmspe,
        rmspe_ratio_p=found.rmspe_ratio_p,
        placebos=found.placebos,
        verdict=verdict(found, power, plan, percent),
        caveats=caveats(found, power, plan, balance, len(adoption), panel.weighted, percent),
        event_study=_records(found.event_study),
        trajectories=_records(found.trajectories),
    )


def _check_against_plan(panel: Panel, plan: EvaluationPlan, adoption: dict[str, int]) -> None:
    units = set(panel.units)
    absent = sorted((set(adoption) | set(plan.comparison_pool)) - units)
    if absent:
        raise ConfigError(
            f"{len(absent)} unit(s) of the plan are not in the panel (first: {absent[0]})",
            file=panel.source,
            field="treated_units" if absent[0] in adoption else "comparison_pool",
            fix="Give the panel every unit the plan names",
        )
    # A plan may start in a period the panel lacks (cohorts without results): the unit is first
    # seen treated in the next period the panel holds.
    periods = panel.periods
    expected = {
        unit: min((p for p in periods if p >= start), default=start)
        for unit, start in adoption.items()
    }
    if panel.adoption != expected:
        differing = sorted(set(panel.adoption) ^ set(expected)) or sorted(
            unit for unit in expected if panel.adoption[unit] != expected[unit]
        )
        raise ConfigError(
            f"The panel's treatment differs from the plan's treated units and starts "
            f"(first: {differing[0]})",
            file=panel.source,
            field="treated_units",
            fix="Evaluate against the plan that was frozen, or correct the treatment column",
        )
    treated_in_pool = sorted(set(plan.comparison_pool) & set(panel.adoption))
    if treated_in_pool:
        raise ConfigError(
            f"Comparison unit {treated_in_pool[0]} is treated in the panel",
            file=panel.source,
            field="comparison_pool",
        )


def _balance(panel: Panel, start: int) -> dict[str, float]:
    """Pre-period means (population-weighted) of each group, and their standardised difference
    (difference over the spread of the units' pre-period means)."""
    before = panel.frame[panel.frame["period"] < start]
    treated = before["unit"].isin(panel.treated_units)
    unit_means = before.groupby("unit")["outcome"].mean()

    def mean(rows: Any) -> float:
        return float(np.average(before.loc[rows, "outcome"], weights=before.loc[rows, "weight"]))

    spread = float(unit_means.std(ddof=1)) or 1.0
    difference = mean(treated) - mean(~treated)
    return {
        "treated_pre_mean": mean(treated),
        "comparison_pre_mean": mean(~treated),
        "difference": difference,
        "standardised_difference": difference / spread,
    }


def amount(value: float, percent: bool) -> str:
    """An effect in the outcome's units; proportions as percentage points."""
    if percent:
        return f"{value * 100:+.1f} percentage points"
    return f"{value:+.3g}"


def verdict(found: Estimate, power: PowerAnalysis, plan: EvaluationPlan, percent: bool) -> str:
    level = f"{1 - plan.alpha:.0%}"
    low = amount(found.low, percent).split(" ")[0]
    interval = f"{level} interval {low} to {amount(found.high, percent)}"
    if found.p_value < plan.alpha:
        return (
            f"an effect of {amount(found.effect, percent)} on {plan.outcome} "
            f"({interval}, p = {found.p_value:.3f})"
        )
    found_none = (
        f"no evidence of an effect on {plan.outcome} (estimate {amount(found.effect, percent)}, "
        f"{interval}, p = {found.p_value:.3f})"
    )
    if power.mde is None:
        return f"{found_none}: the study could detect no effect, {power.reason}"
    detectable = amount(power.mde, percent).lstrip("+")
    return f"{found_none}: the study could detect effects of {detectable} or more"


def caveats(
    found: Estimate,
    power: PowerAnalysis,
    plan: EvaluationPlan,
    balance: dict[str, float],
    treated: int,
    weighted: bool,
    percent: bool,
) -> list[str]:
    notes = []
    if found.pretrend_p is not None and found.pretrend_p < TREND_ALARM:
        notes.append(
            f"Before the start the treated and comparison units' trends differed "
            f"(p = {found.pretrend_p:.3f}): the estimate may carry that difference."
        )
    if treated < FEW_TREATED and plan.design is not Design.SYNTHETIC_CONTROL:
        notes.append(
            f"Only {treated} treated unit(s): errors clustered by unit are too small with so "
            f"few, so the interval is likely too narrow."
        )
    if abs(balance["standardised_difference"]) > IMBALANCE:
        notes.append(
            f"The treated units started from a different level (by "
            f"{amount(balance['difference'], percent)} before the start): the design assumes "
            f"parallel trends, not equal levels, but the comparison is less alike."
        )
    alone = sorted(start for start, count in Counter(plan.adoption().values()).items() if count < 2)
    if plan.design is Design.STAGGERED and alone:
        notes.append(
            f"A single treated unit starts in {', '.join(map(str, alone))}: the staggered "
            f"interval estimates each start's noise from its own units, so it is likely too "
            f"narrow. Give every start at least two units."
        )
    if plan.design is Design.STAGGERED and weighted:
        notes.append("Each unit counts equally in the staggered estimate (not by population).")
    if found.pre_rmspe is not None and found.pre_rmspe >= abs(found.effect):
        notes.append(
            f"The synthetic series missed the treated series before the start by "
            f"{amount(found.pre_rmspe, percent).lstrip('+')} (RMSPE), as much as the effect."
        )
    if found.placebos is not None and 1 / (found.placebos + 1) >= plan.alpha:
        notes.append(
            f"Only {found.placebos} placebos: the smallest p-value possible is "
            f"{1 / (found.placebos + 1):.3f}, so no effect can be called at level {plan.alpha}."
        )
    if power.post_periods < 2:
        notes.append("Only one period after the start: an effect that takes time is not seen.")
    return notes


def _records(frame: Any) -> list[dict[str, float]]:
    return [
        {str(k): (int(v) if k in ("event_time", "period") else float(v)) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]
