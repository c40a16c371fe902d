"""Benchmark the evaluation engine: does it recover effects that were injected, and is its power
what it claims?

    uv run python bench/evaluation.py                      # 50 evaluations per design and case
    uv run python bench/evaluation.py --runs 20 --skip-compare
    uv run python bench/evaluation.py --skip-recovery --skip-compare --power-runs 200
    uv run python bench/evaluation.py --workspace WS --plan plan.yaml --world WORLD

Panels are simulated the way the world draws outcomes (:mod:`bakehouse.evaluation.simulate`:
LSOA-sized cohorts, lasting area levels, a common trend, area-period shocks, binomial outcomes;
the true effect added to the treated areas' probability from their start; starts spread over
three cohorts for the staggered design). Per design: the share of 95% intervals that hold the
true effect (target >= 0.9), the bias, and the share of no-effect panels called "no evidence of
an effect" (target >= 0.9). Power: the minimum detectable effect of a plan, then panels with that
effect, and the share each design's estimator detects (target: within 10 points of the power
the plan claims at its MDE, 0.80).

Comparisons on the same panels: diff-diff's Callaway-Sant'Anna against csdid's (the
`evaluation-compare` dependency group), and the statsmodels two-way fixed effects against
diff-diff's TwoWayFixedEffects: estimates, interval widths and time.

With ``--workspace`` the engine also runs once on a real world's workspace (a world built with
``--intervention``, ingested and trained), against the effect the world injected.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import time
import warnings
from dataclasses import replace
from pathlib import Path

# Small regressions by the hundred: one BLAS thread each is several times faster on a shared
# machine than threads competing for its cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from bakehouse.evaluation import evaluate, load_plan
from bakehouse.evaluation.estimators import estimate, twfe
from bakehouse.evaluation.power import minimum_detectable_effect
from bakehouse.evaluation.simulate import Scenario, plan_for, simulate_panel, simulated

BASILDON = Scenario()  # 110 LSOAs, 12 treated, 15 to 35 children per LSOA and cohort
EFFECT = -0.08  # the world's +0.08 on reaching GLD: 8 points fewer children not ready
DESIGNS = {
    "did": BASILDON,
    "staggered": replace(BASILDON, starts=(2019, 2021, 2023)),
    # Fewer areas keep the placebo fits affordable: 40 placebos of 0.1 s each per evaluation.
    "synthetic-control": replace(BASILDON, units=60, treated=8),
}
PLACEBOS = 39


def recovery(design: str, scenario: Scenario, runs: int) -> None:
    errors, covered, significant, called_none, alarms, seconds = [], 0, 0, 0, 0, []
    for seed in range(runs):
        started = time.perf_counter()
        # The truth is the effect the treated areas received, a little short of EFFECT where an
        # area's probability meets its bound.
        drawn = simulated(replace(scenario, effect=EFFECT), 1000 + seed)
        panel = drawn.panel
        result = evaluate(panel, plan_for(panel, design), placebos=PLACEBOS)
        seconds.append(time.perf_counter() - started)
        errors.append(result.effect - drawn.effect)
        covered += result.low <= drawn.effect <= result.high
        significant += result.significant
        null = simulate_panel(replace(scenario, effect=0.0), 5000 + seed)
        none = evaluate(null, plan_for(null, design), placebos=PLACEBOS)
        called_none += none.verdict.startswith("no evidence of an effect")
        alarms += none.pretrend_p is not None and none.pretrend_p < 0.1
    print(
        f"{design:18} coverage {covered / runs:.2f}  no-effect called 'no evidence' "
        f"{called_none / runs:.2f}  bias {statistics.mean(errors):+.4f} "
        f"({statistics.mean(errors) / abs(EFFECT):+.1%} of the effect)  "
        f"detected {significant / runs:.2f}  pre-trend flagged (p < 0.1, parallel trends) "
        f"{alarms / runs:.2f}  median {statistics.median(seconds):.2f} s",
        flush=True,
    )


def power_check(design: str, scenario: Scenario, runs: int) -> bool:
    """The MDE a plan of ``design`` would freeze (from the periods before the start), then
    panels with exactly that effect, each evaluated by the design's estimator: the share detected
    should be within 10 points of the power claimed at the MDE (80%). Without a common trend and
    with the outcome falling a point a year."""
    held = True
    for label, case in (("no trend", replace(scenario, trend=0.0)), ("trend", scenario)):
        first = simulate_panel(case, 1)
        plan = plan_for(first, design)
        analysis = minimum_detectable_effect(
            first, plan.adoption(), first.comparison_units, design=plan.design, placebos=PLACEBOS
        )
        if analysis.mde is None:
            print(f"power {design:18} ({label}): no MDE, {analysis.reason}", flush=True)
            held = False
            continue
        claimed = analysis.power_at(analysis.mde)
        detected = 0
        for seed in range(runs):
            panel = simulate_panel(replace(case, effect=-analysis.mde), 9000 + seed)
            found = estimate(panel, plan.design, plan.start, plan.alpha, placebos=PLACEBOS)
            detected += found.p_value < plan.alpha
        simulated_power = detected / runs
        within = abs(simulated_power - claimed) <= 0.10
        held = held and within
        print(
            f"power {design:18} ({label:8}): MDE {analysis.mde:.4f}  claimed {claimed:.2f}  "
            f"simulated {simulated_power:.2f} of {runs}  difference "
            f"{simulated_power - claimed:+.2f}  {'within' if within else 'NOT within'} 10 points",
            flush=True,
        )
    return held


def compare_staggered(runs: int) -> None:
    from csdid.att_gt import ATTgt
    from diff_diff import CallawaySantAnna

    scenario = replace(DESIGNS["staggered"], effect=EFFECT)
    rows: dict[str, list[tuple[float, float, float]]] = {"diff-diff": [], "csdid": []}
    for seed in range(runs):
        panel = simulate_panel(scenario, 1000 + seed)
        frame = panel.frame.copy()
        frame["first_treat"] = frame["unit"].map(panel.adoption).fillna(0).astype(int)
        frame["id"] = frame["unit"].str[1:].astype(int)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            started = time.perf_counter()
            ours = CallawaySantAnna(control_group="never_treated", estimation_method="reg").fit(
                frame, outcome="outcome", unit="unit", time="period", first_treat="first_treat"
            )
            middle = time.perf_counter()
            quiet = contextlib.redirect_stdout(io.StringIO())  # csdid prints a summary
            with quiet:
                theirs = ATTgt(
                    yname="outcome",
                    tname="period",
                    idname="id",
                    gname="first_treat",
                    data=frame,
                    control_group=["nevertreated"],
                    print_details=False,
                ).fit(est_method="reg", bstrap=False)
                theirs.aggte(typec="simple", bstrap=False)
            ended = time.perf_counter()
        low, high = ours.overall_conf_int
        rows["diff-diff"].append((float(ours.overall_att), float(high - low), middle - started))
        att, se = float(theirs.atte["overall_att"]), float(theirs.atte["overall_se"])
        rows["csdid"].append((att, 2 * 1.96 * se, ended - middle))
    difference = [abs(a[0] - b[0]) for a, b in zip(rows["diff-diff"], rows["csdid"], strict=True)]
    for name, values in rows.items():
        effects = [v[0] for v in values]
        print(
            f"staggered {name:9} mean effect {statistics.mean(effects):+.4f} (true {EFFECT:+.2f}) "
            f"sd {statistics.stdev(effects):.4f}  mean 95% width "
            f"{statistics.mean(v[1] for v in values):.4f}  median "
            f"{statistics.median(v[2] for v in values) * 1000:.0f} ms",
            flush=True,
        )
    print(f"staggered: largest difference between the two estimates {max(difference):.2e}")


def compare_twfe(runs: int) -> None:
    from diff_diff import TwoWayFixedEffects

    scenario = replace(BASILDON, effect=EFFECT)
    ours, theirs, gap = [], [], []
    for seed in range(runs):
        panel = simulate_panel(scenario, 1000 + seed)
        started = time.perf_counter()
        fitted = twfe(panel, scenario.start, 0.05)
        middle = time.perf_counter()
        frame = panel.frame.assign(
            post=(panel.frame["period"] >= scenario.start).astype(int),
            group=panel.frame["unit"].isin(panel.treated_units).astype(int),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            other = TwoWayFixedEffects(cluster="unit").fit(
                frame, outcome="outcome", treatment="group", post="post", unit="unit"
            )
        ended = time.perf_counter()
        ours.append((fitted.effect, fitted.high - fitted.low, middle - started))
        low, high = other.conf_int
        theirs.append((float(other.att), float(high - low), ended - middle))
        gap.append(abs(fitted.effect - float(other.att)))
    for name, values in (("statsmodels WLS", ours), ("diff-diff TWFE", theirs)):
        print(
            f"did {name:15} mean effect {statistics.mean(v[0] for v in values):+.4f}  mean 95% "
            f"width {statistics.mean(v[1] for v in values):.4f}  median "
            f"{statistics.median(v[2] for v in values) * 1000:.0f} ms",
            flush=True,
        )
    print(f"did: mean difference between the two estimates {statistics.mean(gap):.4f}")


def on_workspace(workspace: Path, plan_file: Path, world: Path) -> None:
    """One evaluation of a real world's workspace against the effect the world injected, as the
    panel sees it: children are placed by where they lived at the prediction point, the effect
    by where they started school, so movers dilute it."""
    import pyarrow.parquet as pq

    from bakehouse.evaluation.workspace import panel_from_workspace
    from bakehouse.recipes import load_recipe

    plan = load_plan(plan_file)
    built = panel_from_workspace(workspace, load_recipe("school-readiness"), plan)
    result = evaluate(built.panel, plan, placebos=PLACEBOS)
    children = pq.read_table(world / "truth" / "children.parquet").to_pandas()
    after = children[children["assessed"] & (children["cohort"] >= plan.start)]
    after = after[after["cohort"].isin(result.periods)]
    inside = after["lsoa_at_prediction"].isin(plan.treated_units)
    effect = after["intervention_effect"]
    truth = -(effect[inside].mean() - effect[~inside].mean())  # on not reaching GLD
    print(
        f"workspace ({plan.design.value}): effect {result.effect:+.4f} (95% {result.low:+.4f} to "
        f"{result.high:+.4f}), true {truth:+.4f}, holds it: {result.low <= truth <= result.high}; "
        f"MDE {result.mde:.4f}; {built.units_left_out} LSOAs left out\n  {result.verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--designs", nargs="*", default=list(DESIGNS))
    parser.add_argument(
        "--power-runs", type=int, default=200, help="panels per design and case (0: no power check)"
    )
    parser.add_argument("--skip-recovery", action="store_true")
    parser.add_argument("--skip-compare", action="store_true")
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--plan", type=Path)
    parser.add_argument("--world", type=Path, help="the world behind --workspace (its truth)")
    args = parser.parse_args()
    if args.workspace is not None:
        on_workspace(args.workspace, args.plan, args.world)
        return
    np.seterr(all="ignore")
    if not args.skip_recovery:
        for design in args.designs:
            recovery(design, DESIGNS[design], args.runs)
    held = [
        power_check(design, DESIGNS[design], args.power_runs)
        for design in args.designs
        if args.power_runs > 0
    ]
    if not args.skip_compare:
        compare_staggered(args.runs)
        compare_twfe(args.runs)
    if not all(held):
        raise SystemExit("simulated power is not within 10 points of the claimed power")


if __name__ == "__main__":
    main()
