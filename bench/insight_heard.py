"""Who a synthetic round hears, against the world's census: each group's share among those who
answered each optional question, its Wilson 95% interval, its share of the population of the
areas heard from, and whether it is under-heard (the interval wholly below).

    uv run python bench/insight_heard.py [--seed 1] [--world DIR] [--scale 0.1]

Without --world a Basildon world at --scale (this seed) is built in a temporary folder. The
round asks about the 15 areas of highest true need. Counts are shown exactly: this is the
analyst's measurement, not what the web app publishes under the threshold.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from bakehouse.areas.intervals import wilson  # noqa: E402
from bakehouse.insight.synthetic import area_truth, synthetic_round  # noqa: E402
from bakehouse.world.census import CENSUS_FILE, read_census  # noqa: E402
from bakehouse.world.config import WorldConfig  # noqa: E402
from bakehouse.world.generate import generate  # noqa: E402

MEASURES = ("age_band", "ethnic_group", "children_under_five")


def report(world: Path, seed: int) -> None:
    rate = area_truth(world).rate
    flagged = sorted(rate, key=rate.__getitem__)[-15:]
    found = synthetic_round(world, flagged, seed=seed)
    census = read_census(world / CENSUS_FILE)
    codes = {item.lsoa11cd for item in found.contributions}
    print(f"{len(found.contributions)} contributions in {len(codes)} areas")
    for measure in MEASURES:
        answers = [getattr(item, measure) for item in found.contributions]
        given = [answer for answer in answers if answer]
        population: Counter[str] = Counter()
        for code in codes:
            population.update(census[(code, measure)])
        total = sum(population.values())
        print(f"{measure}: {len(given)} answered, {len(answers) - len(given)} skipped")
        counts = Counter(given)
        for group, count in population.items():
            heard = counts.get(group, 0)
            low, high = (float(value) for value in wilson(heard, len(given)))
            share = count / total
            flag = "under-heard" if high < share else ""
            print(
                f"  {group:8s} {heard:4d} {heard / len(given):6.1%} ({low:.1%} to {high:.1%})"
                f"  population {share:.1%}  {flag}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--world", type=Path)
    parser.add_argument("--scale", type=float, default=0.1)
    args = parser.parse_args()
    if args.world is not None:
        report(args.world, args.seed)
        return
    with tempfile.TemporaryDirectory() as folder:
        world = Path(folder) / "world"
        generate(WorldConfig(area="basildon", seed=args.seed, scale=args.scale), world)
        report(world, args.seed)


if __name__ == "__main__":
    main()
