"""Benchmark `bakehouse world`: median wall time and peak memory, against the targets.

    uv run python bench/world.py            # Basildon x3 and Essex (1.45 million residents) x1
    uv run python bench/world.py --quick    # Basildon only

Each run is a separate process so that its peak resident memory is its own. Ratios compare
each median with its target (below 1.0 is within target) and Essex with Basildon per resident.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IOD = Path(__file__).resolve().parents[2] / "shared" / "data" / "iod2019"
CASES = {  # name: (arguments, runs, seconds target, memory target in GB)
    "basildon": (["--area", "basildon"], 3, 30.0, 2.0),
    "essex": (["--area", "essex"], 1, 300.0, None),
}


def run_once(arguments: list[str], out: Path) -> tuple[float, float, int]:
    command = [sys.executable, "-m", "bakehouse.cli", "world", "--out", str(out), *arguments]
    if IOD.exists():
        command += ["--iod", str(IOD)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    residents = json.loads((out / "world.json").read_text())["counts"]["residents_at_as_at"]
    # ru_maxrss of children is the largest child so far: runs go from small to large.
    return seconds, max(peak_kb, before) / 1024**2, residents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Basildon only")
    options = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (arguments, runs, target, memory) in CASES.items():
            if options.quick and name != "basildon":
                continue
            measured = [run_once(arguments, Path(tmp) / f"{name}-{i}") for i in range(runs)]
            seconds = statistics.median(m[0] for m in measured)
            peak = max(m[1] for m in measured)
            residents = measured[0][2]
            results[name] = (seconds, residents)
            memory_note = f", memory ratio {peak / memory:.2f}" if memory else ""
            print(
                f"{name:9s} runs={runs} median {seconds:6.1f} s (target {target:.0f} s, "
                f"ratio {seconds / target:.2f}); peak memory {peak:.2f} GB{memory_note}; "
                f"{residents:,} residents"
            )
    if "essex" in results:
        (b_s, b_n), (e_s, e_n) = results["basildon"], results["essex"]
        print(f"essex/basildon time per resident ratio {(e_s / e_n) / (b_s / b_n):.2f}")


if __name__ == "__main__":
    main()
