"""Benchmark `bakehouse run` on the Basildon world: extracts to release, against 2 min and 4 GB.

    uv run python bench/pipeline.py                        # builds a world (not timed), 3 runs
    uv run python bench/pipeline.py --world DIR --runs 5
    uv run python bench/pipeline.py --area essex --runs 1  # the county (target 15 min)

Each run is `bakehouse run --recipe school-readiness` in its own process, from a fresh workspace
(so nothing is reused: ingest, link, train and publish all do their work), as a partnership
would run it: without the synthetic truth. Reported: the median wall time and the median of each
run's peak resident memory, with their ratios to the targets, and each stage's median seconds.

Then the release's accuracy, from the last run's model predictions (only this script reads the
truth): Spearman of estimated and true expected need per LSOA, the precision of the flagged
areas, and the error of shrunken against raw rates (see bench/areas.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from areas import IOD, accuracy, make_world
from bakehouse.areas.config import area_settings
from bakehouse.recipes.loader import load_recipe

TARGET_SECONDS = {"basildon": 120.0, "essex": 900.0}  # extracts to release (DESIGN.md)
TARGET_GB = 4.0  # Basildon

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


def one_run(world: Path, scratch: Path, area: str) -> tuple[dict[str, float], Path]:
    workspace, key, releases = scratch / "ws", scratch / "key" / "custodian.key", scratch / "rel"
    key.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        bakehouse("custodian", "init", "--key-file", str(key), "--workspace", str(workspace)),
        check=True,
        capture_output=True,
    )
    signing_key = key.parent / "release-signing.key"
    subprocess.run(
        bakehouse("release", "keygen", "--key-file", str(signing_key)),
        check=True,
        capture_output=True,
    )
    command = bakehouse(
        "run",
        "--recipe",
        "school-readiness",
        "--area",
        area,
        "--sources",
        str(world),
        "--workspace",
        str(workspace),
        "--key-file",
        str(key),
        "--out",
        str(releases),
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
        raise SystemExit(f"bakehouse run failed:\n{measured['stderr']}")
    latest = json.loads((workspace / "models" / "school-readiness" / "latest.json").read_text())
    model_run = workspace / latest["folder"]
    linkage = json.loads((workspace / "reports" / "linkage.json").read_text())
    model = json.loads((model_run / "run.json").read_text())
    return (
        {
            "total": measured["seconds"],
            "peak_gb": measured["peak_kb"] / 1024**2,
            "link": linkage["seconds"]["total"],
            "train": model["seconds"]["total"],
        },
        model_run,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--world", type=Path)
    parser.add_argument("--area", default="basildon", choices=sorted(TARGET_SECONDS))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as folder:
        scratch = Path(folder)
        world = args.world or make_world(args.area, scratch / "world")
        target = TARGET_SECONDS[args.area]
        results = []
        run_folder = scratch
        for number in range(args.runs):
            result, run_folder = one_run(world, scratch / f"run-{number}", args.area)
            results.append(result)
            print(
                f"run {number + 1}: {result['total']:.1f} s, peak {result['peak_gb']:.2f} GB "
                f"(link {result['link']:.1f} s, train {result['train']:.1f} s)",
                flush=True,
            )
        median = {name: statistics.median(r[name] for r in results) for name in results[0]}
        print(
            f"bakehouse run, {args.area}, median of {args.runs}: {median['total']:.1f} s "
            f"(target {target:.0f} s, ratio {median['total'] / target:.2f}); "
            f"peak memory {median['peak_gb']:.2f} GB"
            + (
                f" (target {TARGET_GB:.0f} GB, ratio {median['peak_gb'] / TARGET_GB:.2f})"
                if args.area == "basildon"
                else ""
            )
        )
        print(f"  of which link {median['link']:.1f} s, train {median['train']:.1f} s")
        print("Accuracy of the last run's release against the truth (real model predictions):")
        settings = area_settings(load_recipe("school-readiness"), args.area, None)
        accuracy(world, run_folder / "predictions.parquet", args.area, settings)


if __name__ == "__main__":
    main()
