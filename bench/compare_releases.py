"""Compare two runs of a recipe number by number: the model's headline and every numeric column of
the release tables, with format 1 column names read as format 2's.

    uv run python bench/compare_releases.py WORKSPACE_A RELEASE_A WORKSPACE_B RELEASE_B

Prints, per measure and table, whether the two agree exactly, and the columns that differ. Both
runs must be of the same world with the same custodian key (pseudonyms, and so the order of
rows, follow the key).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pyarrow.parquet as pq

from bakehouse.release.checker import FORMAT_1_NAMES as FORMAT_1

HEADLINE = ("test_auc", "best_achievable_auc", "gap_to_best", "test_ece")
TABLES = ("areas", "trend", "benchmarks", "drivers")


def headline(workspace: Path) -> dict[str, float]:
    runs = sorted(workspace.glob("models/*/*/run.json"))
    if len(runs) != 1:
        raise SystemExit(f"{workspace}: expected one model run, found {len(runs)}")
    return json.loads(runs[0].read_text(encoding="utf-8"))["headline"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("workspace_a", "release_a", "workspace_b", "release_b"):
        parser.add_argument(name, type=Path)
    args = parser.parse_args()
    a, b = headline(args.workspace_a), headline(args.workspace_b)
    for measure in HEADLINE:
        same = a.get(measure) == b.get(measure)
        print(f"{measure}: {a.get(measure)} and {b.get(measure)}: same {same}")
    for table in TABLES:
        left = pq.read_table(args.release_a / f"{table}.parquet").to_pandas()
        right = pq.read_table(args.release_b / f"{table}.parquet").to_pandas()
        left = left.rename(columns=FORMAT_1)
        right = right.rename(columns=FORMAT_1)
        numeric = [c for c in left.columns if left[c].dtype.kind in "fiub"]
        differ = [c for c in numeric if c not in right or not left[c].equals(right[c])]
        words = [c for c in left.columns if c not in numeric and not left[c].equals(right.get(c))]
        print(
            f"{table}: {len(left)} and {len(right)} rows; numeric columns that differ: "
            f"{differ or 'none'}; text columns reworded: {words or 'none'}"
        )


if __name__ == "__main__":
    main()
