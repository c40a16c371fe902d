"""Benchmark `bakehouse ingest`: median wall time, CPU time, rows per second and peak memory,
against the targets, with a read-only baseline for scale.

    uv run python bench/ingest.py                  # Basildon x3 and Essex (1.45 million) x1
    uv run python bench/ingest.py --quick          # Basildon only
    uv run python bench/ingest.py --world DIR --runs 3   # an existing world (default 1 run)

Worlds are generated first (not timed) unless given. Each ingest runs in its own process with a
fresh workspace and a throwaway custodian key outside the repository. The baseline is reading
every extract once with pyarrow (CSV) and the project's own xlsx reader, nothing else: the ratio
says how much governance, checking, standardisation and hashing cost on top of reading.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.csv as pacsv

from bakehouse.custody import init_key
from bakehouse.ingest.xlsx import Workbook

TARGETS = {"basildon": 60.0, "essex": 480.0}  # seconds
RUNS = {"basildon": 3, "essex": 1}
CSV_LAYOUT = {  # file: (encoding, delimiter), as docs/world.md gives them
    "csc_referrals.csv": ("utf-8", ","),
    "school_census.csv": ("cp1252", ","),
    "health_visiting.psv": ("utf-8", "|"),
    "police_da_incidents.csv": ("utf-8", ","),
    "housing_cases.tsv": ("utf-16", "\t"),
    "benefits_claims.csv": ("cp1252", ";"),
    "marac_referrals.csv": ("utf-8", ","),
    "council_tax_accounts.csv": ("utf-8", "|"),
}
# The purpose every shipped agreement lists (council tax is shared for it alone), so that every
# extract of the world is taken in.
PURPOSE = "homelessness"


def make_world(area: str, out: Path) -> Path:
    command = [sys.executable, "-m", "bakehouse.cli", "world", "--area", area, "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True)
    return out


def baseline(world: Path) -> tuple[float, int]:
    """Seconds to read every extract once, and the rows read."""
    extracts = world / "extracts"
    start = time.perf_counter()
    rows = 0
    for name, (encoding, delimiter) in CSV_LAYOUT.items():
        if not (extracts / name).is_file():  # a world written before the source was added
            continue
        table = pacsv.read_csv(
            extracts / name,
            read_options=pacsv.ReadOptions(encoding=encoding),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=False),
        )
        rows += table.num_rows
    book = Workbook(extracts / "early_education.xlsx")
    rows += sum(1 for _ in book.rows("Headcount")) - 1
    book.close()
    return time.perf_counter() - start, rows


def ingest_once(world: Path, key: Path, workspace: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak memory (GB) of one ingest in its own process."""
    command = [
        sys.executable,
        "-m",
        "bakehouse.cli",
        "ingest",
        "--sources",
        str(world),
        "--workspace",
        str(workspace),
        "--key-file",
        str(key),
        "--purpose",
        PURPOSE,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024**2


def rows_ingested(workspace: Path) -> int:
    manifest = json.loads((workspace / "manifest.json").read_text(encoding="utf-8"))
    return sum(int(item["rows_in"]) for item in manifest["files"])


def bench(name: str, world: Path, runs: int, scratch: Path, key: Path) -> dict[str, object]:
    read_seconds, read_rows = baseline(world)
    walls, cpus, peak = [], [], 0.0
    rows = 0
    for run in range(runs):
        workspace = scratch / f"ws-{name}-{run}"
        wall, cpu, peak = ingest_once(world, key, workspace)
        walls.append(wall)
        cpus.append(cpu)
        rows = rows_ingested(workspace)
    median = statistics.median(walls)
    target = TARGETS.get(name)
    result = {
        "case": name,
        "runs": runs,
        "rows": rows,
        "median_seconds": round(median, 1),
        "median_cpu_seconds": round(statistics.median(cpus), 1),
        "rows_per_second": round(rows / median),
        "peak_memory_gb": round(peak, 2),
        "baseline_read_seconds": round(read_seconds, 1),
        "ratio_to_baseline": round(median / read_seconds, 1),
        "target_seconds": target,
        "ratio_to_target": round(median / target, 2) if target else None,
        "load_average": round(os.getloadavg()[0], 1),
    }
    assert read_rows == rows, "the baseline and ingest saw different row counts"
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Basildon only.")
    parser.add_argument("--world", type=Path, help="Benchmark this world instead.")
    parser.add_argument("--runs", type=int, default=1, help="Runs for --world (default 1).")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
        scratch = Path(folder)
        key = init_key(scratch / "key" / "custodian.key")
        if arguments.world is not None:
            manifest = json.loads((arguments.world / "world.json").read_text(encoding="utf-8"))
            area = str(manifest.get("config", manifest).get("area", "given"))
            cases = [(area, arguments.world, arguments.runs)]
        else:
            areas = ["basildon"] if arguments.quick else ["basildon", "essex"]
            cases = [(area, make_world(area, scratch / area), RUNS[area]) for area in areas]
        for name, world, runs in cases:
            result = bench(name, world, runs, scratch, key)
            verdict = ""
            if result["ratio_to_target"] is not None:
                verdict = " PASS" if float(result["ratio_to_target"]) < 1 else " FAIL"  # type: ignore[arg-type]
            print(json.dumps(result) + verdict, flush=True)


if __name__ == "__main__":
    main()
