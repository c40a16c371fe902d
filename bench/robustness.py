"""`bakehouse run` on worlds unlike the demo's: does the pipeline finish, and what does it publish?

    uv run python bench/robustness.py                    # Basildon high noise seeds 1-5, then
                                                         # every Essex district at default noise
    uv run python bench/robustness.py --only basildon-high
    uv run python bench/robustness.py --only districts --district-seed 41
    uv run python bench/robustness.py --data DIR         # keep the worlds between invocations

Real extracts are noisier than the demo's and hold families across the border: this runs the
school readiness recipe end to end, from a fresh workspace, on high-noise Basildon worlds for
several seeds and on a world for each of Essex's 12 districts, and prints for each whether it
completed, its wall time, the areas published and flagged, and the children left out as living
outside the area. Worlds are built first (not timed) and kept in ``--data`` when given. The script
exits 1 if any run failed, printing the failure's last lines.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from bakehouse.geography.areas import DISTRICTS

IOD = Path(__file__).resolve().parents[2] / "shared" / "data" / "iod2019"


@dataclass(frozen=True)
class Case:
    area: str
    noise: str
    seed: int

    @property
    def name(self) -> str:
        return f"{self.area}-{self.noise}-{self.seed}"


def bakehouse(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "bakehouse.cli", *arguments]


def world_for(case: Case, data: Path) -> Path:
    out = data / "worlds" / case.name
    command = bakehouse(
        "world",
        *("--area", case.area, "--seed", str(case.seed), "--noise", case.noise),
        *("--out", str(out), "--reuse"),
        *(["--iod", str(IOD)] if IOD.exists() else []),
    )
    subprocess.run(command, check=True, capture_output=True)
    return out


def run_case(case: Case, world: Path, scratch: Path) -> dict[str, object]:
    workspace, releases = scratch / "ws", scratch / "rel"
    key, signing = scratch / "keys" / "custodian.key", scratch / "keys" / "release-signing.key"
    for command in (
        ["custodian", "init", "--key-file", str(key), "--workspace", str(workspace)],
        ["release", "keygen", "--key-file", str(signing)],
    ):
        subprocess.run(bakehouse(*command), check=True, capture_output=True)
    command = bakehouse(
        "run",
        *("--recipe", "school-readiness", "--area", case.area, "--sources", str(world)),
        *("--workspace", str(workspace), "--key-file", str(key), "--out", str(releases)),
        *("--signing-key", str(signing)),
        *(["--iod", str(IOD)] if IOD.exists() else []),
    )
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        return {"ok": False, "seconds": seconds, "error": (done.stdout + done.stderr)[-1500:]}
    (release,) = [p for p in releases.iterdir() if (p / "manifest.json").is_file()]
    manifest = json.loads((release / "manifest.json").read_text())
    flagged = pq.read_table(release / "areas.parquet", columns=["flagged"]).column(0).to_pylist()
    outside = manifest["methods"].get("units_outside_area", {})
    return {
        "ok": True,
        "seconds": seconds,
        "areas": len(flagged),
        "flagged": sum(bool(f) for f in flagged),
        "outside": "1-7" if outside.get("suppressed") else outside.get("count", 0),
    }


def cases(only: str | None, seeds: int, district_seed: int) -> list[Case]:
    chosen = []
    if only in (None, "basildon-high"):
        chosen += [Case("basildon", "high", seed) for seed in range(1, seeds + 1)]
    if only in (None, "districts"):
        chosen += [Case(area, "default", district_seed) for area in sorted(DISTRICTS)]
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, help="keep worlds here (default: a temporary folder)")
    parser.add_argument("--only", choices=["basildon-high", "districts"])
    parser.add_argument("--seeds", type=int, default=5, help="high-noise Basildon seeds 1..N")
    parser.add_argument("--district-seed", type=int, default=41)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-robustness-") as folder:
        data = args.data or Path(folder)
        results = []
        for case in cases(args.only, args.seeds, args.district_seed):
            world = world_for(case, data)
            result = run_case(case, world, Path(folder) / "runs" / case.name)
            results.append((case, result))
            if result["ok"]:
                print(
                    f"{case.name:28} completed in {result['seconds']:6.1f} s: "
                    f"{result['areas']} areas, {result['flagged']} flagged, "
                    f"children outside the area {result['outside']}",
                    flush=True,
                )
            else:
                print(f"{case.name:28} FAILED after {result['seconds']:.1f} s:", flush=True)
                print("    " + str(result["error"]).replace("\n", "\n    "), flush=True)
        completed = sum(bool(r["ok"]) for _, r in results)
        print(f"completed {completed} of {len(results)} runs")
        if completed < len(results):
            sys.exit(1)


if __name__ == "__main__":
    main()
