"""The three designs, each from a maintained package, and the one :class:`Result` they give.

- ``did``: two-way fixed effects (unit and period) by statsmodels' weighted least squares,
  errors clustered by unit; the event study is the same regression with one term per period
  relative to the start, and its leads are tested jointly zero (F test, the regression's own
  covariance: see ``_twfe_event_study``).
- ``staggered``: Callaway and Sant'Anna's group-time effects from diff-diff, never-treated units
  as comparison, aggregated over treated periods. The variance is diff-diff's with each start's
  areas as a stratum, and the interval is t on the Welch-Satterthwaite degrees of freedom of the
  starts (each estimated from its own few areas). Trends before the start are tested by the
  two-way event study's leads (relative to each unit's own start), as for ``did``: the
  chi-squared test of diff-diff's own leads flagged three panels in four with parallel trends.
- ``synthetic-control``: pysyncon's weights for the treated units' (population-weighted) series
  fitted to the comparison units over the periods before the start, each series about its own
  pre-period mean (demeaned synthetic control, Ferman and Pinto 2021); inference by placebos in
  space: the same fit for comparison units (one at a time, or groups as many as the treated
  units): p = the rank of the mean gap after the start among the placebos' mean gaps, and the
  interval from the same placebo gaps; the rank of the post/pre RMSPE ratio is given beside it.

Which package was chosen for each, and why: docs/adr/0031-evaluation-estimators.md.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from bakehouse.evaluation.panel import Panel
from bakehouse.evaluation.plan import Design

PLACEBOS = 99


@dataclass(frozen=True)
class Estimate:
    """What a design's estimator gives, before the verdict is put into words."""

    estimator: str
    effect: float
    low: float
    high: float
    p_value: float
    pretrend_p: float | None  # leads jointly zero; None where the design has no leads
    pretrend_test: str
    event_study: pd.DataFrame  # event_time, estimate, low, high
    trajectories: pd.DataFrame  # period, treated, comparison (for synthetic control: synthetic)
    pre_rmspe: float | None = None  # synthetic control's pre-period fit
    rmspe_ratio_p: float | None = None  # rank of the post/pre RMSPE ratio among placebos
    placebos: int | None = None


Progress = Callable[[int, int], None]


def twfe(panel: Panel, start: int, alpha: float) -> Estimate:
    """Two-way fixed effects with errors clustered by unit; one start for every treated unit."""
    frame = panel.frame
    groups = groups_of(frame)
    terms = pd.DataFrame({"treated": frame["treated"].astype(float)})
    fitted = _fixed_effects(frame, terms, groups)
    low, high = fitted.conf_int(alpha=alpha).loc["treated"]
    study, pretrend = _twfe_event_study(frame, groups, panel.adoption, alpha)
    return Estimate(
        estimator="statsmodels WLS, unit and period fixed effects, errors clustered by unit",
        effect=float(fitted.params["treated"]),
        low=float(low),
        high=float(high),
        p_value=float(fitted.pvalues["treated"]),
        pretrend_p=pretrend,
        pretrend_test="event-study leads jointly zero (F)",
        event_study=study,
        trajectories=_group_means(panel, panel.treated_units),
    )


def groups_of(frame: pd.DataFrame) -> np.ndarray:
    """Each row's cluster: its unit."""
    return np.asarray(frame["unit"].astype("category").cat.codes.to_numpy())


def _fixed_effects(frame: pd.DataFrame, terms: pd.DataFrame, groups: np.ndarray) -> Any:
    """Weighted least squares of the outcome on ``terms`` plus unit and period dummies, errors
    clustered by unit (t on clusters - 1 degrees of freedom)."""
    dummies = pd.get_dummies(frame[["unit", "period"]].astype(str), drop_first=True, dtype=float)
    design = sm.add_constant(pd.concat([terms, dummies], axis=1))
    # QR, not the default pseudo-inverse: the dummies make the design full rank, and an SVD of
    # it is many times slower.
    return sm.WLS(frame["outcome"], design, weights=frame["weight"]).fit(
        method="qr", cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )


def _twfe_event_study(
    frame: pd.DataFrame, groups: np.ndarray, adoption: dict[str, int], alpha: float
) -> tuple[pd.DataFrame, float | None]:
    """One coefficient per period relative to each treated unit's start (the period before is
    the reference), never-treated units as the comparison."""
    # Periods are counted by position, so a gap (cohorts without results) is not an empty lead.
    position = {period: i for i, period in enumerate(sorted(frame["period"].unique()))}
    first = frame["unit"].map(adoption)
    ever = first.notna()
    relative = frame["period"].map(position) - first.map(position).fillna(0).astype(int)
    names: dict[str, int] = {}
    terms = {}
    for offset in sorted(relative[ever].unique()):
        if offset == -1:
            continue
        name = f"lead{-offset}" if offset < 0 else f"lag{offset}"
        terms[name] = ((relative == offset) & ever).astype(float)
        names[name] = int(offset)
    fitted = _fixed_effects(frame, pd.DataFrame(terms), groups)
    bounds = fitted.conf_int(alpha=alpha)
    rows = [{"event_time": -1, "estimate": 0.0, "low": 0.0, "high": 0.0}]
    for name, offset in names.items():
        rows.append(
            {
                "event_time": offset,
                "estimate": float(fitted.params[name]),
                "low": float(bounds.loc[name, 0]),
                "high": float(bounds.loc[name, 1]),
            }
        )
    leads = [name for name, offset in names.items() if offset < -1]
    pretrend = None
    if leads:
        # The joint test uses the model's own covariance: the clustered one, estimated from a
        # dozen treated areas for six or more leads, flagged half of panels with parallel
        # trends at 0.10 (bench/evaluation.py); the model's flags about the nominal share.
        model = sm.WLS(fitted.model.endog, fitted.model.exog, weights=fitted.model.weights)
        plain = model.fit(method="qr")
        positions = [fitted.model.exog_names.index(name) for name in leads]
        restriction = np.zeros((len(leads), len(fitted.params)))
        restriction[np.arange(len(leads)), positions] = 1
        pretrend = float(np.asarray(plain.f_test(restriction).pvalue))
    study = pd.DataFrame(rows).sort_values("event_time").reset_index(drop=True)
    return study, pretrend


def staggered_frame(panel: Panel) -> pd.DataFrame:
    """The panel as diff-diff's staggered estimator reads it: periods as positions (1, 2, ...)
    and each unit's first treated position in ``first_treat`` (0 for never treated). diff-diff
    counts event time in the period's units, so positions keep a gap in the periods (cohorts
    without results) from reading as a missing period."""
    frame = panel.frame.copy()
    position = {period: i + 1 for i, period in enumerate(panel.periods)}
    frame["period"] = frame["period"].map(position)
    adoption = {unit: position[start] for unit, start in panel.adoption.items()}
    frame["first_treat"] = frame["unit"].map(adoption).fillna(0).astype(int)
    return frame


def callaway_santanna(panel: Panel, alpha: float) -> Estimate:
    """Callaway and Sant'Anna (diff-diff), never-treated comparison, regression adjustment; the
    overall effect's variance taken start by start, and its interval on t with the
    Welch-Satterthwaite degrees of freedom of those starts."""
    from diff_diff import CallawaySantAnna, SurveyDesign

    frame = staggered_frame(panel)
    with warnings.catch_warnings():
        # diff-diff warns on every small cohort; the caveats say what matters in plain words.
        warnings.simplefilter("ignore")
        fitted = CallawaySantAnna(
            control_group="never_treated", estimation_method="reg", alpha=alpha
        ).fit(
            frame,
            outcome="outcome",
            unit="unit",
            time="period",
            first_treat="first_treat",
            # Each start's areas (and the never-treated ones) are a stratum of their own: the plan
            # fixes which areas start when, so the starts' shares are not sampled, and each
            # start's variance is estimated about its own mean times n / (n - 1). diff-diff's
            # default, per-unit influence functions, divides by n: from four areas a start's
            # variance comes out three quarters of what it is (ADR 0031).
            survey_design=SurveyDesign(psu="unit", strata="first_treat"),
        )
        starts = fitted.aggregate("group").to_dataframe()
        study = fitted.aggregate("event_study").to_dataframe()
    att, se = float(fitted.overall_att), float(fitted.overall_se)
    first = starts["label"].astype(int).to_numpy()
    areas = start_areas(frame, first)
    weight = start_weights(areas, first, len(panel.periods))
    freedom = welch_freedom(weight * starts["se"].to_numpy(dtype=float), areas)
    reach = float(stats.t.ppf(1 - alpha / 2, freedom)) * se
    p_value = float(2 * stats.t.sf(abs(att) / se, freedom)) if se > 0 else 1.0
    study = study[np.isfinite(study["att"])].sort_values("event_time")
    return Estimate(
        estimator=(
            "diff-diff CallawaySantAnna, never-treated comparison, variance by start, "
            f"t on {freedom:.1f} degrees of freedom"
        ),
        effect=att,
        low=att - reach,
        high=att + reach,
        p_value=p_value,
        pretrend_p=_twfe_event_study(panel.frame, groups_of(panel.frame), panel.adoption, alpha)[1],
        pretrend_test="two-way fixed effects event-study leads jointly zero (F)",
        event_study=pd.DataFrame(
            {
                "event_time": study["event_time"].astype(int).to_numpy(),
                "estimate": study["att"].astype(float).to_numpy(),
                "low": study["conf_int_lower"].astype(float).to_numpy(),
                "high": study["conf_int_upper"].astype(float).to_numpy(),
            }
        ),
        trajectories=_group_means(panel, panel.treated_units),
    )


def start_areas(frame: pd.DataFrame, starts: np.ndarray) -> np.ndarray:
    """The number of treated areas of each start (``first_treat`` positions)."""
    units = frame.drop_duplicates("unit")
    return np.asarray(units.groupby("first_treat")["unit"].size().reindex(starts), dtype=float)


def start_weights(areas: np.ndarray, starts: np.ndarray, periods: int) -> np.ndarray:
    """Each start's weight in diff-diff's overall effect: every treated area-period from the
    start on counts once, so a start weighs its areas times its periods (positions 1 to
    ``periods``) from the start on."""
    weight = areas * (periods - starts + 1)
    return np.asarray(weight / weight.sum(), dtype=float)


def welch_freedom(parts: np.ndarray, areas: np.ndarray) -> float:
    """Welch-Satterthwaite degrees of freedom of a variance that is the sum of ``parts**2``,
    each start's weighted standard error, estimated from that start's treated areas on n - 1
    degrees of freedom. A dozen areas over three starts, the earliest weighing most, give
    about 7 (ADR 0031: t on treated areas - 1 left intervals too narrow)."""
    share = parts**2
    # A start of a single area has no spread to estimate its noise from (its share is then
    # the comparison's alone, and the caveats say so); one degree of freedom keeps it defined.
    denominator = float((share**2 / np.maximum(areas - 1, 1)).sum())
    return float(share.sum() ** 2 / denominator) if denominator > 0 else float(areas.sum() - 1)


def synthetic_control(
    panel: Panel,
    start: int,
    alpha: float,
    *,
    placebos: int = PLACEBOS,
    seed: int = 0,
    progress: Progress | None = None,
) -> Estimate:
    """Synthetic control (pysyncon) with placebo-in-space inference."""
    outcome = panel.frame.pivot(index="period", columns="unit", values="outcome")
    size = panel.frame.pivot(index="period", columns="unit", values="weight")
    treated = panel.treated_units
    comparison = panel.comparison_units
    pre = outcome.index < start
    fit = synthetic_gap(outcome, size, treated, comparison, pre)
    groups = placebo_groups(comparison, len(treated), placebos, seed)
    gaps = []
    for done, group in enumerate(groups, start=1):
        donors = [unit for unit in comparison if unit not in group]
        gaps.append(synthetic_gap(outcome, size, group, donors, pre).gap)
        if progress is not None:
            progress(done, len(groups))
    placebo = np.array(gaps)  # placebos x periods
    effect = float(fit.gap[~pre].mean())
    means = placebo[:, ~pre].mean(axis=1)
    # The p-value ranks the mean gap after the start among the placebos' (two-sided), the same
    # statistic the interval inverts. The classic ratio of post to pre RMSPE is kept beside it:
    # with few periods before the start and many comparison units the pre-period fits are
    # close to exact for treated and placebos alike, and the ratio then ranks rounding error.
    p_value = float((1 + (np.abs(means) >= abs(effect)).sum()) / (1 + len(means)))
    ratio = _rmspe(fit.gap[~pre]) / max(_rmspe(fit.gap[pre]), 1e-12)
    ratios = np.array([_rmspe(g[~pre]) / max(_rmspe(g[pre]), 1e-12) for g in placebo])
    ratio_p = float((1 + (ratios >= ratio).sum()) / (1 + len(ratios)))
    # The interval inverts the same test: the effect give or take the size of gap that only
    # alpha of the placebos reach.
    reach = float(np.quantile(np.abs(means), 1 - alpha))
    low, high = effect - reach, effect + reach
    study = pd.DataFrame(
        {
            "event_time": np.arange(len(pre)) - int(pre.sum()),
            "estimate": fit.gap,
            "low": fit.gap - np.quantile(np.abs(placebo), 1 - alpha, axis=0),
            "high": fit.gap + np.quantile(np.abs(placebo), 1 - alpha, axis=0),
        }
    )
    trajectories = pd.DataFrame(
        {"period": outcome.index.to_numpy(), "treated": fit.treated, "synthetic": fit.synthetic}
    )
    return Estimate(
        estimator="pysyncon Synth (weights over the pre-period outcomes), placebos in space",
        effect=effect,
        low=low,
        high=high,
        p_value=p_value,
        pretrend_p=None,
        pretrend_test="none: the synthetic series is fitted to the pre-period",
        event_study=study,
        trajectories=trajectories,
        pre_rmspe=_rmspe(fit.gap[pre]),
        rmspe_ratio_p=ratio_p,
        placebos=len(groups),
    )


@dataclass(frozen=True)
class SyntheticFit:
    """A group's population-weighted series, its synthetic twin, and the donors' weights."""

    treated: np.ndarray
    synthetic: np.ndarray
    weights: np.ndarray

    @property
    def gap(self) -> np.ndarray:
        return self.treated - self.synthetic


def synthetic_gap(
    outcome: pd.DataFrame,
    size: pd.DataFrame,
    treated: list[str],
    donors: list[str],
    pre: np.ndarray,
) -> SyntheticFit:
    """The population-weighted series of ``treated`` and its synthetic twin from ``donors``."""
    from pysyncon import Synth

    weights = size[treated].to_numpy()
    series = (outcome[treated].to_numpy() * weights).sum(axis=1) / weights.sum(axis=1)
    # Each series is taken about its own pre-period mean (demeaned synthetic control): a mix of
    # small areas cannot reach a treated group whose level lies outside theirs, but it can
    # follow its movements, and the level is not what the design compares.
    level = series[pre].mean()
    donor = outcome[donors]
    donor = donor - donor.loc[pre].mean()
    z0 = donor.loc[pre]
    z1 = pd.Series(series[pre] - level, index=z0.index, name="treated")
    synth = Synth()
    # The predictors are the pre-period outcomes themselves, weighted equally: only the donor
    # weights are optimised, which keeps hundreds of placebo fits affordable.
    synth.fit(X0=z0, X1=z1, Z0=z0, Z1=z1, custom_V=np.ones(int(pre.sum())))
    assert synth.W is not None
    weights = np.asarray(synth.W, dtype=float)
    return SyntheticFit(series, level + donor.to_numpy() @ weights, weights)


def placebo_groups(comparison: list[str], size: int, count: int, seed: int) -> list[list[str]]:
    """Each comparison unit in turn when one unit is treated (up to ``count``); otherwise
    ``count`` random groups as large as the treated group, so placebo series are as smooth as
    the treated one."""
    rng = np.random.default_rng(seed)
    if size == 1:
        if len(comparison) <= count:
            return [[unit] for unit in comparison]
        chosen = rng.choice(len(comparison), size=count, replace=False)
        return [[comparison[i]] for i in sorted(chosen)]
    take = min(size, len(comparison) - 2)
    return [
        [comparison[i] for i in sorted(rng.choice(len(comparison), size=take, replace=False))]
        for _ in range(count)
    ]


def _rmspe(gap: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gap**2)))


def _group_means(panel: Panel, treated: list[str]) -> pd.DataFrame:
    """Population-weighted mean outcome per period of the treated and the comparison units."""
    frame = panel.frame.assign(group=np.where(panel.frame["unit"].isin(treated), "treated", "c"))
    frame["product"] = frame["outcome"] * frame["weight"]
    sums = frame.groupby(["period", "group"])[["product", "weight"]].sum()
    means = (sums["product"] / sums["weight"]).unstack("group")
    return pd.DataFrame(
        {
            "period": means.index.to_numpy(),
            "treated": means["treated"].to_numpy(),
            "comparison": means["c"].to_numpy(),
        }
    )


def estimate(
    panel: Panel,
    design: Design,
    start: int,
    alpha: float,
    *,
    placebos: int = PLACEBOS,
    progress: Progress | None = None,
) -> Estimate:
    """The estimate of ``design`` on ``panel`` (already restricted to the plan's units)."""
    if design is Design.DID:
        return twfe(panel, start, alpha)
    if design is Design.STAGGERED:
        return callaway_santanna(panel, alpha)
    return synthetic_control(panel, start, alpha, placebos=placebos, progress=progress)
