"""Benchmark ingest to release on the Basildon world, against the 2-minute target.

    uv run python bench/pipeline.py               # builds a world (not timed), one run
    uv run python bench/pipeline.py --world DIR --runs 3

`bakehouse run` waits for the model stage, so this times the stages that exist, each as its own
command in its own process, as `bakehouse run` will chain them: `ingest`, `link` and `publish`.
Features and training are stood in for by predictions made from the world's truth (not timed,
and read here only, as measurement code may): the total printed is what is left of the budget
for the model. Medians over runs; each run starts from a fresh workspace.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from areas import AS_AT, make_world, predictions_from_truth

TARGET = 120.0  # seconds, ingest to release (DESIGN.md)


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bakehouse.cli", *command], check=True, capture_output=True
    )
    return time.perf_counter() - start


def one_run(world: Path, predictions: Path, scratch: Path) -> dict[str, float]:
    workspace, key, releases = scratch / "ws", scratch / "key" / "custodian.key", scratch / "rel"
    key.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "bakehouse.cli", "custodian", "init", "--key-file", str(key)],
        check=True,
        capture_output=True,
    )
    times = {
        "ingest": _timed(
            [
                "ingest",
                "--sources",
                str(world),
                "--workspace",
                str(workspace),
                "--key-file",
                str(key),
            ]
        ),
        "link": _timed(["link", "--workspace", str(workspace), "--key-file", str(key)]),
        "publish": _timed(
            [
                "publish",
                str(predictions),
                "--out",
                str(releases),
                "--as-at",
                AS_AT.isoformat(),
                "--workspace",
                str(workspace),
            ]
        ),
    }
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--world", type=Path)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as folder:
        scratch = Path(folder)
        world = args.world or make_world("basildon", scratch / "world")
        predictions = predictions_from_truth(world / "truth", scratch / "predictions.parquet")
        runs = []
        for run in range(args.runs):
            runs.append(one_run(world, predictions, scratch / f"run-{run}"))
        total = statistics.median(sum(r.values()) for r in runs)
        for stage in runs[0]:
            print(f"{stage:8s} median {statistics.median(r[stage] for r in runs):6.1f} s")
        print(
            f"ingest + link + publish: median {total:.1f} s of the {TARGET:.0f} s target; "
            f"{TARGET - total:.1f} s left for features and training (not yet built)"
        )


if __name__ == "__main__":
    main()
