"""Measure the need-against-assets gap on synthetic worlds: does it find the areas whose early
years services were removed?

    python bench/asset_gap.py                   # seeds 1, 2 and 3, Basildon at scale 0.25
    python bench/asset_gap.py --seed 2 --scale 1

For each seed: builds a world, takes its truth's expected number of children not ready for
school in the cohorts still to start school (the sum of each child's true chance, with the
interval of that many chances: a release is too slow to build in a bench and would add the
model's error to the measure), reads the world's ORUK feed (``assets/services.json``), computes
the gap with the school readiness recipe's ``assets:`` section, and prints the precision and
recall of the top N and 2N areas by gap (N the number of truth gap areas) against
``truth/asset_gaps.json``, and the share of them that are gaps a resident would feel (a gap
area or a neighbour the closures left without, ``areas_left_without``), beside the precision
of the need's rate alone with no services counted; for the truth's areas,
the mean number of services still within the gap band beside every area's, and their mean rank
by need and by gap; and the median time of the gap computation. Then the gap's processor time at
county scale: 1,000 areas and 5,000 services placed at random (median of 5; target under 1 s).
Only this script reads the truth.
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

import duckdb

from bakehouse.assets import AreaNeed, lsoa_centroids, need_against_assets, services_from_feed
from bakehouse.recipes import load_recipe

Z = 1.959964
COMING_COHORTS = 3  # the last whole cohorts of the world: those still to start school


def make_world(seed: int, scale: float, out: Path) -> Path:
    command = [
        *(sys.executable, "-m", "bakehouse.cli", "world"),
        *("--seed", str(seed), "--scale", str(scale), "--out", str(out)),
    ]
    subprocess.run(command, check=True, capture_output=True)
    return out


def true_need(world: Path) -> list[AreaNeed]:
    children = str(world / "truth" / "children.parquet")
    relation = duckdb.sql(
        f"""
        with whole as (
            select cohort from read_parquet('{children}') group by cohort
            having count(*) >= 0.5 * (select median(n) from (
                select count(*) as n from read_parquet('{children}') group by cohort))
        ), coming as (select cohort from whole order by cohort desc limit {COMING_COHORTS})
        select lsoa_at_prediction, count(*), sum(1 - p_gld), sum(p_gld * (1 - p_gld))
        from read_parquet('{children}')
        where cohort in (select cohort from coming) and lsoa_at_prediction is not null
        group by all order by 1
        """
    )
    assert relation is not None
    rows = relation.fetchall()
    return [
        AreaNeed(
            code=code,
            expected=expected,
            low=max(0.0, expected - Z * variance**0.5),
            high=expected + Z * variance**0.5,
            population=children,
        )
        for code, children, expected, variance in rows
    ]


def measure(seed: int, scale: float, runs: int) -> dict[str, float]:
    spec = load_recipe("school-readiness").recipe.assets
    assert spec is not None
    with tempfile.TemporaryDirectory() as folder:
        world = make_world(seed, scale, Path(folder) / "world")
        areas = true_need(world)
        feed = json.loads((world / "assets" / "services.json").read_text(encoding="utf-8"))
        gaps = json.loads((world / "truth" / "asset_gaps.json").read_text(encoding="utf-8"))
    truth = set(gaps["gap_areas"])
    # Gaps a resident would feel: the gap areas and the neighbours their closures left without.
    felt = truth | set(gaps["areas_left_without"])
    services = services_from_feed(feed)
    centroids = lsoa_centroids(area.code for area in areas)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        table = need_against_assets(areas, services, centroids, spec)
        times.append(time.perf_counter() - started)
    order = [area.code for area in table.ranked()]
    # The need's rate alone, no provision: what the gap adds to ranking by need.
    alone = [area.code for area in need_against_assets(areas, [], centroids, spec).ranked()]
    figures = {"areas": float(len(areas)), "services": float(table.matched)}
    for label, top in (("N", len(truth)), ("2N", 2 * len(truth))):
        hits = len(truth & set(order[:top]))
        figures[f"precision@{label}"] = hits / top
        figures[f"recall@{label}"] = hits / len(truth)
        figures[f"precision_felt@{label}"] = len(felt & set(order[:top])) / top
        figures[f"precision_need_alone@{label}"] = len(truth & set(alone[:top])) / top
    # Why the truth's areas rank where they do: services still within the gap band of them
    # (from neighbouring areas) beside every area's, and their need's rank.
    band = [band.metres for band in spec.reach].index(spec.gap_metres)
    by_need = sorted(table.areas, key=lambda area: -(area.expected or 0.0))
    need_rank = {area.code: number for number, area in enumerate(by_need, start=1)}
    gap_areas = [area for area in table.areas if area.code in truth]
    figures["truth_services"] = statistics.mean(area.services[band] for area in gap_areas)
    figures["all_services"] = statistics.mean(area.services[band] for area in table.areas)
    figures["truth_need_rank"] = statistics.mean(need_rank[area.code] for area in gap_areas)
    figures["truth_gap_rank"] = statistics.mean(area.rank or 0 for area in gap_areas)
    figures["seconds"] = statistics.median(times)
    return figures


def county_seconds(runs: int = 5) -> float:
    """Median processor time of the gap for 1,000 areas and 5,000 services placed at random."""
    import numpy as np

    from bakehouse.assets import ServiceSite, Term

    rng = np.random.default_rng(1)
    spec = load_recipe("school-readiness").recipe.assets
    assert spec is not None
    codes = [f"E0{i:07d}" for i in range(1000)]
    centroids = {code: (51.5 + rng.uniform(0, 0.6), rng.uniform(0, 1.2)) for code in codes}
    term = Term("county", spec.terms[0])
    services = [
        ServiceSite(f"s{i}", (term,), points=((51.5 + rng.uniform(0, 0.6), rng.uniform(0, 1.2)),))
        for i in range(5000)
    ]
    areas = [AreaNeed(code, 5.0, 2.0, 8.0, 100) for code in codes]
    seconds = []
    for _ in range(runs):
        started = time.process_time()
        need_against_assets(areas, services, centroids, spec)
        seconds.append(time.process_time() - started)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, action="append", help="repeat for several seeds")
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    seeds = args.seed or [1, 2, 3]
    results = {seed: measure(seed, args.scale, args.runs) for seed in seeds}
    columns = list(next(iter(results.values())))
    print("seed  " + "  ".join(f"{name:>13}" for name in columns))
    for seed, figures in results.items():
        print(f"{seed:<4}  " + "  ".join(f"{figures[name]:>13.3f}" for name in columns))
    for name in columns:
        if name.startswith(("precision", "recall")):
            values = [figures[name] for figures in results.values()]
            print(f"mean {name}: {statistics.mean(values):.3f}")
    print(f"county (1,000 areas, 5,000 services): {county_seconds():.2f} s processor, median of 5")


if __name__ == "__main__":
    main()
