"""The scaling curve: `bench/pipeline.py --json` results at several sizes, side by side.

    uv run python bench/pipeline.py --area essex --scale 0.25 --runs 1 --json essex-0.25.json
    ...                                              (0.5, 1.0, 2.0 likewise)
    uv run python bench/scale_curve.py essex-0.25.json essex-0.5.json essex-1.0.json essex-2.0.json

Prints, per recipe and stage, wall seconds, processor seconds and peak memory at each size, and
how each grows: the exponent b of time = a * rows^b between the smallest and the largest size (1
is linear; above 1 grows faster than the data). Markdown, for docs/scale.md.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

STAGES = ("ingest", "link", "train", "publish")


def growth(small: float, large: float, rows_small: int, rows_large: int) -> str:
    if small <= 0 or large <= 0 or rows_small == rows_large:
        return "-"
    return f"{math.log(large / small) / math.log(rows_large / rows_small):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("results", nargs="+", type=Path)
    args = parser.parse_args()
    runs = sorted((json.loads(path.read_text()) for path in args.results), key=lambda r: r["scale"])
    scales = " | ".join(f"{run['area']} {run['scale']}" for run in runs)
    print(f"| | {scales} | growth |")
    print("|---" * (len(runs) + 2) + "|")
    totals = " | ".join(f"{run['total_seconds']:.0f} s, {run['peak_gb']:.1f} GB" for run in runs)
    print(f"| every recipe | {totals} | |")
    for recipe in runs[0]["recipes"]:
        rows = [run["recipes"][recipe]["rows_in"] for run in runs]
        print(f"| **{recipe}** rows in | {' | '.join(f'{r:,}' for r in rows)} | |")
        for stage in STAGES:
            figures = [run["recipes"][recipe]["stages"][stage] for run in runs]
            cells = " | ".join(
                f"{f['seconds']:.0f} s ({f['cpu_seconds']:.0f}), {f['peak_gb']:.1f} GB"
                for f in figures
            )
            time_growth = growth(
                figures[0]["cpu_seconds"], figures[-1]["cpu_seconds"], rows[0], rows[-1]
            )
            memory_growth = growth(figures[0]["peak_gb"], figures[-1]["peak_gb"], rows[0], rows[-1])
            print(f"| {stage} | {cells} | time {time_growth}, memory {memory_growth} |")


if __name__ == "__main__":
    main()
