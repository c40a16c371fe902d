"""Measure the personal data screener on a planted set: recall and precision per kind with
95% Wilson intervals, and throughput (items a second, the median of --repeats passes).

    uv run python bench/screening.py [--items 2000] [--seed 1] [--repeats 3]

The names planted are held out of the screener's name lists (see bakehouse.insight.planted), so
name recall is for names the lists do not hold. Exits 1 when a recall target is missed:
0.98 for structured identifiers and addresses, 0.9 for names and a child's details.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from bakehouse.insight.measure import TARGETS, measure  # noqa: E402
from bakehouse.insight.planted import planted_items, split_names  # noqa: E402
from bakehouse.insight.screening import Screener, default_names  # noqa: E402
from bakehouse.modelling.metrics import wilson  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    kept, planted = split_names(default_names())
    screener = Screener(kept)
    print(f"start-up (analyzer built): {time.perf_counter() - started:.2f} s")
    items = planted_items(args.items, seed=args.seed, names=planted)
    scores = measure(screener, items)

    print(f"{len(items)} items, seed {args.seed}, {sum(not i.spans for i in items)} clean")
    header = f"{'kind':<14}{'planted':>8}{'recall':>8}  {'95% CI':<14}{'found':>7}"
    print(header + f"{'precision':>10}  {'95% CI':<14}{'target':>7}  met")
    missed = []
    for kind, score in scores.items():
        r_low, r_high = wilson(score.recalled, score.planted)
        p_low, p_high = wilson(score.correct, score.found)
        target = TARGETS.get(kind)
        met = target is None or score.recall >= target
        if not met:
            missed.append(kind.value)
        print(
            f"{kind.value:<14}{score.planted:>8}{score.recall:>8.3f}  "
            f"{f'{r_low:.3f}-{r_high:.3f}':<14}{score.found:>7}{score.precision:>10.3f}  "
            f"{f'{p_low:.3f}-{p_high:.3f}':<14}{target or float('nan'):>7.2f}  "
            f"{'yes' if met else 'NO'}"
        )

    rates = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        for item in items:
            screener.screen(item.text)
        rates.append(len(items) / (time.perf_counter() - started))
    print(f"throughput: {statistics.median(rates):.0f} items/s (median of {args.repeats})")
    if missed:
        print(f"recall target missed: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
