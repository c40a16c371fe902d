"""How long feature stability takes at the size of the homelessness run: 370,000 units and 15
features, ten cohorts, the last two tested.

    uv run python bench/stability.py            # a third of the features continuous measures
    uv run python bench/stability.py --whole    # every feature a whole number (counts, flags, days)

Prints the median and the fastest of seven runs, wall clock and CPU. The features are made in
the script: counts of records since 2010 (growing with each cohort), flags, and measures.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bakehouse.modelling.stability import feature_stability

UNITS, FEATURES, RUNS = 370_000, 15, 7


def matrix(whole: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    cohort = rng.integers(2015, 2025, UNITS)
    columns = []
    for index in range(FEATURES):
        if index % 3 == 0:
            columns.append(rng.poisson(0.3 * (cohort - 2010)).astype(float))
        elif index % 3 == 1:
            columns.append((rng.random(UNITS) < 0.2).astype(float))
        elif whole:
            columns.append(np.round(rng.normal(900, 300, UNITS)))
        else:
            columns.append(rng.normal(3300, 500, UNITS))
    return np.column_stack(columns), cohort


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--whole", action="store_true", help="every feature a whole number")
    whole = parser.parse_args().whole
    x, cohort = matrix(whole)
    development, test = cohort < 2023, cohort >= 2023
    names = [f"feature_{index}" for index in range(FEATURES)]
    wall, cpu = [], []
    for _ in range(RUNS):
        started, used = time.perf_counter(), time.process_time()
        feature_stability(x, names, cohort, development, test)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    kind = "whole numbers" if whole else "a third continuous"
    print(
        f"{UNITS:,} units x {FEATURES} features ({kind}): wall median "
        f"{1000 * np.median(wall):.0f} ms (fastest {1000 * min(wall):.0f}), CPU median "
        f"{1000 * np.median(cpu):.0f} ms"
    )


if __name__ == "__main__":
    main()
