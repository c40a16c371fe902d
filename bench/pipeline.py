"""Benchmark `bakehouse run` for every recipe: extracts to release, each stage's time and memory.

    uv run python bench/pipeline.py                          # Basildon: builds a world, 3 runs
    uv run python bench/pipeline.py --world DIR --runs 5
    uv run python bench/pipeline.py --area essex --runs 1    # the county: 15 min for all recipes
    uv run python bench/pipeline.py --area essex --scale 0.25 --runs 1 --json curve-0.25.json
    uv run python bench/pipeline.py --recipes school-readiness

Each run is `bakehouse run --recipe ID` for every recipe, each in its own process and its own
fresh workspace (a recipe's data is taken in under its own purpose, so nothing is shared or
reused: ingest, link, train and publish all do their work), as a partnership would run them:
without the synthetic truth. Reported: the median wall time of the recipes together and the
median of each run's peak resident memory against the targets (Basildon: school readiness 2 min
and 4 GB, every recipe 3 min; Essex: every recipe 15 min, goal 10, and 16 GB), and each recipe's
stages as `bakehouse run` measures them (reports/run-<recipe>.json): median wall seconds,
processor seconds (what a stage cost whatever else the machine ran) and peak memory. Building
the world is timed apart: it is not part of a partnership's run. For figures that mean anything,
give the benchmark the machine (or a higher priority: `nice -n -10`, as root).

Then the school readiness release's accuracy, from the last run's model predictions (only this
script reads the truth): Spearman of estimated and true expected need per LSOA, the precision of
the flagged areas, and the error of shrunken against raw rates (see bench/areas.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from areas import IOD, accuracy
from bakehouse.areas.config import area_settings
from bakehouse.recipes.loader import builtin_recipes, load_recipe

STAGES = ("ingest", "link", "train", "publish")
# Extracts to release: DESIGN.md's school readiness in Basildon (2 min, 4 GB) and every recipe in
# Essex (15 min, goal 10, 16 GB); issue 14's every recipe in Basildon (3 min).
SCHOOL_READINESS_BASILDON = (120.0, 4.0)
EVERY_RECIPE = {"basildon": 180.0, "essex": 900.0}
ESSEX_GOAL_SECONDS, ESSEX_GB = 600.0, 16.0

# Runs one command and prints its wall time and peak resident memory (kB) as JSON.
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_kb": peak, "code": done.returncode,
                  "stderr": done.stderr[-3000:]}))
"""


def bakehouse(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "bakehouse.cli", *arguments]


def build_world(area: str, scale: float, out: Path) -> tuple[Path, float]:
    command = bakehouse("world", "--area", area, "--scale", str(scale), "--out", str(out))
    if IOD.exists():
        command += ["--iod", str(IOD)]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return out, time.perf_counter() - started


def keys(scratch: Path, workspace: Path) -> tuple[Path, Path]:
    """The workspace's custodian key, and a release signing key made once for every run."""
    key, signing_key = workspace.parent / "custodian.key", scratch / "release-signing.key"
    workspace.parent.mkdir(parents=True, exist_ok=True)
    init = bakehouse("custodian", "init", "--key-file", str(key), "--workspace", str(workspace))
    subprocess.run(init, check=True, capture_output=True)
    if not signing_key.exists():
        keygen = bakehouse("release", "keygen", "--key-file", str(signing_key))
        subprocess.run(keygen, check=True, capture_output=True)
    return key, signing_key


def one_recipe(world: Path, scratch: Path, area: str, recipe: str) -> tuple[dict, Path]:
    """`bakehouse run` for one recipe from a fresh workspace: the process's wall time and peak
    memory, and the stages' as the run reports them."""
    workspace = scratch / "ws"
    key, signing_key = keys(scratch.parent.parent, workspace)
    command = bakehouse(
        "run",
        "--recipe",
        recipe,
        "--area",
        area,
        "--sources",
        str(world),
        "--workspace",
        str(workspace),
        "--key-file",
        str(key),
        "--out",
        str(scratch / "releases"),
        "--signing-key",
        str(signing_key),
        *(["--iod", str(IOD)] if IOD.exists() else []),
    )
    measured = json.loads(
        subprocess.run(
            [sys.executable, "-c", MEASURE, *command], check=True, capture_output=True, text=True
        ).stdout
    )
    if measured["code"] != 0:
        raise SystemExit(f"bakehouse run --recipe {recipe} failed:\n{measured['stderr']}")
    report = json.loads((workspace / "reports" / f"run-{recipe}.json").read_text())
    latest = json.loads((workspace / "models" / recipe / "latest.json").read_text())
    model_run = workspace / latest["folder"]
    headline = json.loads((model_run / "run.json").read_text()).get("headline", {})
    result = {
        "seconds": measured["seconds"],
        "peak_gb": measured["peak_kb"] / 1024**2,
        "rows_in": report["rows_in"],
        "persons": report["persons"],
        "stages": {
            stage: {
                "seconds": report["seconds"][stage],
                "cpu_seconds": report["cpu_seconds"][stage],
                "peak_gb": report["peak_bytes"][stage] / 1024**3,
            }
            for stage in STAGES
        },
        "test_auc": headline.get("test_auc"),
    }
    return result, model_run


def median_of(runs: list[dict]) -> dict:
    """Each recipe's medians over the runs: process time and memory, and each stage's."""
    median: dict = {}
    for recipe in runs[0]:
        of = [run[recipe] for run in runs]
        median[recipe] = {
            "seconds": statistics.median(r["seconds"] for r in of),
            "peak_gb": statistics.median(r["peak_gb"] for r in of),
            "rows_in": of[0]["rows_in"],
            "persons": of[0]["persons"],
            "test_auc": of[-1]["test_auc"],
            "stages": {
                stage: {
                    name: statistics.median(r["stages"][stage][name] for r in of)
                    for name in ("seconds", "cpu_seconds", "peak_gb")
                }
                for stage in STAGES
            },
        }
    return median


def print_table(median: dict) -> None:
    """Per recipe and stage: wall seconds, processor seconds (what the stage cost whatever else
    the machine ran) and peak memory."""
    print(f"{'recipe':<18}{'rows in':>11}" + "".join(f"{s:>24}" for s in STAGES) + f"{'run':>17}")
    for recipe, figures in median.items():
        stages = figures["stages"]
        cells = "".join(
            f"{stages[s]['seconds']:>7.1f} s ({stages[s]['cpu_seconds']:>5.0f})"
            f" {stages[s]['peak_gb']:>4.1f} GB"
            for s in STAGES
        )
        print(
            f"{recipe:<18}{figures['rows_in']:>11,}{cells}"
            f"{figures['seconds']:>8.1f} s {figures['peak_gb']:>4.1f} GB"
        )
    print("(wall seconds, processor seconds in brackets, peak resident memory)")


def against_targets(
    area: str, median: dict, total: float, peak: float, recipes: list[str]
) -> list[str]:
    """The figures beside the targets that apply to a full-scale world of this area."""
    lines = []
    if area in EVERY_RECIPE and set(recipes) == set(builtin_recipes()):
        target = EVERY_RECIPE[area]
        lines.append(
            f"every recipe: {total:.1f} s against {target:.0f} s, ratio {total / target:.2f}"
        )
    if area == "essex":
        lines.append(
            f"  goal {ESSEX_GOAL_SECONDS:.0f} s, ratio {total / ESSEX_GOAL_SECONDS:.2f}; peak "
            f"memory {peak:.2f} GB against {ESSEX_GB:.0f} GB, ratio {peak / ESSEX_GB:.2f}"
        )
    if area == "basildon" and "school-readiness" in median:
        seconds, gb = SCHOOL_READINESS_BASILDON
        sr = median["school-readiness"]
        lines.append(
            f"school readiness: {sr['seconds']:.1f} s against {seconds:.0f} s, ratio "
            f"{sr['seconds'] / seconds:.2f}; {sr['peak_gb']:.2f} GB against {gb:.0f} GB, ratio "
            f"{sr['peak_gb'] / gb:.2f}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--world", type=Path, help="an existing world (else one is built)")
    parser.add_argument("--area", default="basildon", help="area of a built world")
    parser.add_argument("--scale", type=float, default=1.0, help="world scale (built worlds)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--recipes",
        nargs="+",
        help="recipe ids (default: every built-in recipe; Basildon's target is school readiness)",
    )
    parser.add_argument("--json", type=Path, help="also write the medians here")
    args = parser.parse_args()
    recipes = args.recipes or builtin_recipes()
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as folder:
        scratch = Path(folder)
        world_seconds = None
        if args.world:
            world = args.world
        else:
            world, world_seconds = build_world(args.area, args.scale, scratch / "world")
            print(f"world built in {world_seconds:.1f} s (not part of the run)", flush=True)
        config = json.loads((world / "world.json").read_text())["config"]
        area, scale = config["area"], config["scale"]
        runs: list[dict] = []
        model_runs: dict[str, Path] = {}
        failed = None
        for number in range(args.runs):
            run: dict = {}
            for recipe in recipes:
                try:
                    run[recipe], model_runs[recipe] = one_recipe(
                        world, scratch / f"run-{number}" / recipe, area, recipe
                    )
                except SystemExit as stop:  # the recipes measured so far are still reported
                    failed = str(stop)
                    break
                print(
                    f"run {number + 1}, {recipe}: {run[recipe]['seconds']:.1f} s, "
                    f"peak {run[recipe]['peak_gb']:.2f} GB",
                    flush=True,
                )
            if failed:
                recipes = list(run)
                runs = [{recipe: past[recipe] for recipe in recipes} for past in runs]
            runs.append(run)
            if failed:
                break
        if not recipes:
            raise SystemExit(failed)
        median = median_of(runs)
        totals = [sum(run[r]["seconds"] for r in recipes) for run in runs]
        peaks = [max(run[r]["peak_gb"] for r in recipes) for run in runs]
        total, peak = statistics.median(totals), statistics.median(peaks)
        print(f"\n{area} at scale {scale}, median of {args.runs} run(s):")
        print_table(median)
        print(f"all {len(recipes)} recipe(s): {total:.1f} s, peak memory {peak:.2f} GB")
        if scale == 1.0:
            for line in against_targets(area, median, total, peak, recipes):
                print(line)
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "area": area,
                        "scale": scale,
                        "runs": args.runs,
                        "world_seconds": world_seconds,
                        "total_seconds": total,
                        "peak_gb": peak,
                        "recipes": median,
                    },
                    indent=2,
                )
                + "\n"
            )
        if failed:
            raise SystemExit(f"{failed}\n(the figures above are of the recipes that ran)")
        if "school-readiness" in model_runs:
            print("\nAccuracy of the school readiness release against the truth:")
            settings = area_settings(load_recipe("school-readiness"), area, None)
            predictions = model_runs["school-readiness"] / "predictions.parquet"
            accuracy(world, predictions, area, settings)


if __name__ == "__main__":
    main()
