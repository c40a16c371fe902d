"""Did the model tell us anything new? Every built-in recipe against what services already knew.

    uv run python bench/added_value.py                   # Basildon, seed 1
    uv run python bench/added_value.py --seed 2          # another draw of the world
    uv run python bench/added_value.py --world DIR       # a world already built

For each seed the world is built, then `bakehouse run --recipe ID --truth ... [--iod ...]` runs
for each recipe as bench/recipes.py runs it. Printed per recipe, from the run's exact figures
(the workspace's added_value_exact.json) with the truth beside them:

- the AUC of the model and of each baseline (deprivation of the home area, known to services,
  both in a logistic regression), with the model minus the best baseline and its paired
  interval, and whether the model is better;
- the same against the deprivation the world was built on, and for the best achievable ranking;
- of the test units above the capacity line, how many no service knew and how many of those had
  the outcome (the model's line, then the best achievable ranking's);
- among the units to come above the line and unknown, the events the model expects and the
  events the world's own probabilities expect for the same units;
- the flagged areas a ranking by deprivation would not have picked (the release's table);
- and the sentence the public page shows.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from recipes import RECIPES, make_world, run_recipe

NAMES = {
    "deprivation": "deprivation",
    "known_to_services": "known to services",
    "deprivation_and_known": "both",
}


def _interval(item: dict[str, float]) -> str:
    return f"{item['value']:.3f} ({item['low']:.3f} to {item['high']:.3f})"


def _rankings(compared: dict[str, Any]) -> str:
    rankings = compared["rankings"]
    parts = [f"model {rankings['model']['auc']['value']:.3f}"]
    parts += [f"{NAMES[name]} {rankings[name]['auc']['value']:.3f}" for name in NAMES]
    best = compared["best_baseline"]
    difference = _interval(rankings[best]["model_minus"]["auc"])
    verdict = "better" if compared["model_better"] else "no better"
    return f"AUC {', '.join(parts)}; minus {NAMES[best]} {difference}: {verdict}"


def _need(need: dict[str, Any]) -> str:
    return (
        f"{need['above_line']} of {need['units']} above the line, {need['unknown']} known to no "
        f"service ({need['unknown_share']['value']:.0%}), {need['unknown_with_outcome']} of them "
        "with the outcome"
    )


def report(recipe: str, scratch: Path, result: dict[str, Any]) -> None:
    workspace = scratch / recipe / "ws"
    latest = json.loads((workspace / "models" / recipe / "latest.json").read_text())
    exact = json.loads((workspace / latest["folder"] / "added_value_exact.json").read_text())
    manifest = json.loads((result["release"] / "manifest.json").read_text())
    rows = pq.read_table(result["release"] / "added_value.parquet").to_pylist()
    areas = {row["measure"]: row["count"] for row in rows if row["section"] == "areas"}
    compared = exact["comparison"]
    print(f"  {recipe} (capacity {compared['capacity']:.0%}):", flush=True)
    simulated = " (simulated deprivation)" if compared["deprivation_simulated"] else ""
    print(f"    estimate{simulated}: {_rankings(compared)}")
    print(f"    test cohorts: {_need(exact['invisible_need'])}")
    coming = exact["coming"]
    if coming.get("units"):
        expected = coming["expected_events_unknown"]
        print(
            f"    to come: {coming['above_line']} above the line, {coming['unknown']} unknown, "
            f"{_interval(expected)} events expected among them"
        )
    truth = exact.get("truth")
    if truth is not None:
        print(
            f"    truth, world's deprivation: {_rankings(truth['model_against_world_deprivation'])}"
        )
        best = truth["best_achievable"]
        print(f"    truth, best achievable ranking: {_rankings(best['comparison'])}")
        print(f"    truth, best achievable's line: {_need(best['invisible_need'])}")
        ahead = truth.get("coming")
        if ahead is not None:
            print(
                f"    truth, to come: of {ahead['unknown']} unknown above the line, "
                f"{ahead['unknown_mapped']} mapped: {ahead['expected_events_model']:.1f} events "
                f"by the model, {ahead['expected_events_true']:.1f} by the world's probabilities"
            )
    if areas:
        print(
            f"    areas: {areas['flagged']} flagged, {areas['flagged_not_most_deprived']} not "
            "among as many of the district's most deprived LSOAs"
        )
    print(f"    page: {manifest['added_value']['sentence']}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--world", type=Path, help="a world already built")
    parser.add_argument("--recipe", action="append", choices=RECIPES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-added-value-") as folder:
        scratch = Path(folder)
        world = args.world or make_world(args.seed, scratch / "world")
        print(f"Basildon, seed {args.seed}:", flush=True)
        for recipe in args.recipe or list(RECIPES):
            report(recipe, scratch, run_recipe(recipe, world, scratch))


if __name__ == "__main__":
    main()
