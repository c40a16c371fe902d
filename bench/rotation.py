"""Benchmark register matching across custodian key versions: forced ingestion with the same
three opt-outs made under one key version, and under three (two rotations between them).

    uv run python bench/rotation.py                 # Basildon at scale 0.05, 5 runs each
    uv run python bench/rotation.py --scale 0.2 --runs 3

The two workspaces are ingested in turn, run after run, so the machine's load falls on both
alike. Prints each one's median and the ratio three versions / one.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from bakehouse.custody import PersonQuery, Workspace, add_optout, init_key, load_key, rotate_key
from bakehouse.ingest import IngestOptions, ingest
from bakehouse.ingest.agreement import sources_for
from bakehouse.world.config import WorldConfig
from bakehouse.world.generate import generate

PURPOSE = "school-readiness"


def _nhs_numbers(workspace: Path, count: int) -> list[str]:
    with duckdb.connect(str(workspace / "custodian.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT nhs_number FROM identifiers WHERE nhs_number IS NOT NULL "
            "ORDER BY 1 LIMIT ?",
            [count],
        ).fetchall()
    return [str(row[0]) for row in rows]


def _prepare(root: Path, world: Path, rotate_between: bool) -> IngestOptions:
    """A workspace with three opt-outs, made under one version or one each under three."""
    workspace, key_file = root / "ws", init_key(root / "keys" / "custodian.key")
    options = IngestOptions(
        sources=world,
        workspace=workspace,
        purpose=PURPOSE,
        key_file=key_file,
        only=sources_for(PURPOSE),
    )
    ingest(options)
    for number, nhs in enumerate(_nhs_numbers(workspace, 3)):
        if rotate_between and number:
            rotate_key(key_file)
            ingest(options)
        key = load_key(key_file)
        query = PersonQuery(nhs_number=nhs)
        add_optout(Workspace(workspace), key, query, f"OBJ-{number}", "Art. 21 objection")
    return IngestOptions(
        sources=world,
        workspace=workspace,
        purpose=PURPOSE,
        key_file=key_file,
        force=True,
        only=sources_for(PURPOSE),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate(WorldConfig(area="basildon", seed=2, scale=args.scale), root / "world")
        cases = {
            "one version": _prepare(root / "one", root / "world", False),
            "three versions": _prepare(root / "three", root / "world", True),
        }
        seconds: dict[str, list[float]] = {name: [] for name in cases}
        withheld: dict[str, int] = {}
        for _ in range(args.runs):
            for name, options in cases.items():
                started = time.perf_counter()
                result = ingest(options)
                seconds[name].append(time.perf_counter() - started)
                withheld[name] = sum(count.withheld_optout for count in result.files)
        medians = {name: statistics.median(times) for name, times in seconds.items()}
        for name, median in medians.items():
            runs = ", ".join(f"{t:.2f}" for t in seconds[name])
            print(f"{name}: {withheld[name]} records withheld, median {median:.2f} s ({runs})")
        print(f"ratio three / one: {medians['three versions'] / medians['one version']:.2f}")


if __name__ == "__main__":
    main()
