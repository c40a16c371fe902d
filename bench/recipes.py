"""Benchmark every built-in recipe end to end on one synthetic world, against its truth.

    uv run python bench/recipes.py                       # Basildon, seed 1
    uv run python bench/recipes.py --seed 2 --seed 3     # more draws of the world
    uv run python bench/recipes.py --world DIR           # a world already built

For each seed, the world is built (not timed), then `bakehouse run --recipe ID --truth ...` runs
for each recipe in a workspace of its own (each recipe's data is taken in under its own purpose),
as a partnership would run it. Printed per recipe: wall time and peak memory of the run; the test
AUC, the best achievable AUC from records and the gap between them; the expected calibration
error and the range a perfectly calibrated model shows by chance on as many units; the fairness
audit's groups; and the Spearman correlation, over LSOAs, of the release's expected events in the
coming period against the truth's (the sum of true probabilities of the same population). Then
the total time of the three runs, against the 3 minute target for Basildon.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.parquet as pq
from scipy.stats import spearmanr

from areas import IOD
from pipeline import MEASURE, bakehouse

RECIPES = ("school-readiness", "domestic-abuse", "homelessness")
TARGET_SECONDS = 180.0  # the three recipes on Basildon (issue: recipes as plugins)


# The truth of each recipe's coming period, per LSOA: SQL over the world's truth folder.
TRUTH_BY_LSOA = {
    # children of the complete cohorts still to finish Reception, living in the area at 2.5
    "school-readiness": """SELECT lsoa_at_prediction AS lsoa11cd, sum(1 - p_gld) AS expected
        FROM read_parquet('{truth}/children.parquet')
        WHERE lsoa_at_prediction IS NOT NULL AND list_contains({cohorts}, cohort) GROUP BY 1""",
    # index incidents whose year is still open at the extract date
    "domestic-abuse": """SELECT lsoa11cd, sum(p_true) AS expected
        FROM read_parquet('{truth}/da_escalation.parquet') WHERE NOT outcome_known GROUP BY 1""",
    # households on the last 1 April, their year still open
    "homelessness": """SELECT lsoa11cd, sum(p_true) AS expected
        FROM read_parquet('{truth}/homelessness.parquet') WHERE NOT outcome_known GROUP BY 1""",
}


def make_world(seed: int, out: Path) -> Path:
    command = ["world", "--area", "basildon", "--seed", str(seed), "--out", str(out)]
    subprocess.run(
        bakehouse(*command, *(["--iod", str(IOD)] if IOD.exists() else [])),
        check=True,
        capture_output=True,
    )
    return out


def run_recipe(recipe: str, world: Path, scratch: Path) -> dict[str, Any]:
    workspace, key = scratch / recipe / "ws", scratch / recipe / "key" / "custodian.key"
    releases, signing = scratch / "releases", scratch / "release-signing.key"
    key.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        bakehouse("custodian", "init", "--key-file", str(key), "--workspace", str(workspace)),
        check=True,
        capture_output=True,
    )
    if not signing.exists():
        subprocess.run(
            bakehouse("release", "keygen", "--key-file", str(signing)),
            check=True,
            capture_output=True,
        )
    command = bakehouse(
        "run",
        "--recipe",
        recipe,
        "--sources",
        str(world),
        "--workspace",
        str(workspace),
        "--key-file",
        str(key),
        "--out",
        str(releases),
        "--signing-key",
        str(signing),
        "--truth",
        str(world / "truth"),
        *(["--iod", str(IOD)] if IOD.exists() else []),
    )
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], check=True, capture_output=True, text=True
    )
    measured = json.loads(done.stdout)
    if measured["code"] != 0:
        raise SystemExit(f"bakehouse run --recipe {recipe} failed:\n{measured['stderr']}")
    latest = json.loads((workspace / "models" / recipe / "latest.json").read_text())
    record = json.loads((workspace / latest["folder"] / "run.json").read_text())
    release = sorted(releases.glob(f"{recipe}-*"))[-1]
    return {
        "seconds": measured["seconds"],
        "peak_gb": measured["peak_kb"] / 1024**2,
        "headline": record["headline"],
        "split": record["split"],
        "release": release,
    }


def area_spearman(recipe: str, world: Path, result: dict[str, Any]) -> tuple[float, int]:
    areas = pq.read_table(result["release"] / "areas.parquet").to_pylist()
    sql = TRUTH_BY_LSOA[recipe].format(truth=world / "truth", cohorts=result["split"]["future"])
    truth = dict(duckdb.sql(sql).fetchall())
    shown = [row for row in areas if row["expected_events"] is not None]
    estimated = np.array([row["expected_events"] for row in shown])
    true = np.array([truth.get(row["lsoa11cd"], 0.0) for row in shown])
    return float(spearmanr(estimated, true).statistic), len(shown)


def report(recipe: str, world: Path, result: dict[str, Any]) -> None:
    head = result["headline"]
    chance = head["test_ece_by_chance_interval"]
    inside = head["test_ece"] <= chance[1]
    rho, shown = area_spearman(recipe, world, result)
    fairness = json.loads((result["release"] / "fairness.json").read_text())
    groups = sorted({group["attribute"] for group in fairness["groups"]})
    print(
        f"  {recipe}: {result['seconds']:.1f} s, peak {result['peak_gb']:.2f} GB; "
        f"{head['chosen']}, test AUC {head['test_auc']:.4f}, best achievable "
        f"{head.get('best_achievable_auc', float('nan')):.4f}, gap "
        f"{head.get('gap_to_best', float('nan')):.4f} (target <= 0.02, goal 0.01); ECE "
        f"{head['test_ece']:.4f} (chance {chance[0]:.4f} to {chance[1]:.4f}: "
        f"{'inside' if inside else 'outside'}); Spearman of expected events per LSOA against the "
        f"truth {rho:.3f} over {shown} LSOAs (target >= 0.9); fairness groups: {', '.join(groups)}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, action="append")
    parser.add_argument("--world", type=Path, help="a world already built (one seed)")
    parser.add_argument("--recipe", action="append", choices=RECIPES)
    args = parser.parse_args()
    seeds = args.seed or [1]
    recipes = args.recipe or list(RECIPES)
    for seed in seeds:
        with tempfile.TemporaryDirectory(prefix="bench-recipes-") as folder:
            scratch = Path(folder)
            world = args.world or make_world(seed, scratch / "world")
            print(f"Basildon, seed {seed}:", flush=True)
            total = 0.0
            for recipe in recipes:
                result = run_recipe(recipe, world, scratch)
                total += result["seconds"]
                report(recipe, world, result)
            print(
                f"  all {len(recipes)} recipes: {total:.1f} s (target {TARGET_SECONDS:.0f} s, "
                f"ratio {total / TARGET_SECONDS:.2f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
