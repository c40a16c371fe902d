"""The minimum detectable effect a plan freezes with, from the web app's published figures
against the workspace's own counts: how much power is lost by computing it from a release.

    uv run python bench/plan_power.py --release data/releases/<id> --workspace data/ws

Treated: the release's flagged areas (those with every earlier cohort published, for the
release's figure); start: the release's last observed cohort, so every earlier one is a
pre-period for both. Prints the MDE, the ICC and the areas used by each source.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from bakehouse.evaluation import Columns, Design, EvaluationPlan, minimum_detectable_effect
from bakehouse.evaluation.panel import panel_from_frame
from bakehouse.evaluation.workspace import panel_from_workspace
from bakehouse.recipes import load_recipe

POST_PERIODS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, required=True)
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--recipe", default="school-readiness")
    arguments = parser.parse_args()

    trend = pd.read_parquet(arguments.release / "trend.parquet")
    observed = trend[trend["kind"] == "observed"]
    start = int(observed["cohort"].max())
    past = observed[(observed["cohort"] < start) & observed["rate"].notna()]
    cohorts = past["cohort"].nunique()
    whole = past.groupby("lsoa11cd")["cohort"].nunique() == cohorts
    published = past[past["lsoa11cd"].isin(whole[whole].index)]
    areas = pd.read_parquet(arguments.release / "areas.parquet")
    flagged = sorted(areas.loc[areas["flagged"], "lsoa11cd"])
    print(f"{len(areas)} areas, {len(flagged)} flagged; start {start}; {cohorts} cohorts before")
    print(f"areas with every earlier cohort published: {whole.sum()}")

    plan = EvaluationPlan(
        outcome="outcome",
        treated_units=flagged,
        start=start,
        design=Design.DID,
        hypotheses="The intervention changes the outcome.",
    )
    built = panel_from_workspace(arguments.workspace, load_recipe(arguments.recipe), plan)
    full = built.panel
    comparison = [unit for unit in full.units if unit not in flagged]
    power = minimum_detectable_effect(
        full, plan.adoption(), comparison, alpha=plan.alpha, post_periods=POST_PERIODS
    )
    print(
        f"workspace: MDE {power.mde:.4f}, ICC {power.icc:.4f}, "
        f"{len(flagged)} treated, {len(comparison)} comparison"
    )

    frame = published.rename(
        columns={"lsoa11cd": "unit", "cohort": "period", "rate": "outcome", "population": "weight"}
    ).assign(treatment=0)
    panel = panel_from_frame(
        frame[["unit", "period", "outcome", "treatment", "weight"]],
        Columns("unit", "period", "outcome", "treatment", "weight"),
        planning=True,
    )
    treated = [unit for unit in flagged if unit in set(panel.units)]
    others = [unit for unit in panel.units if unit not in flagged]
    if not treated:
        print("release: no flagged area has every earlier cohort published: no MDE")
        return
    power = minimum_detectable_effect(
        panel,
        {unit: start for unit in treated},
        others,
        alpha=plan.alpha,
        post_periods=POST_PERIODS,
    )
    print(
        f"release:   MDE {power.mde:.4f}, ICC {power.icc:.4f}, "
        f"{len(treated)} treated, {len(others)} comparison"
    )


if __name__ == "__main__":
    main()
