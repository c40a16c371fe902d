"""Benchmark `bakehouse link` on about a million records, against a deterministic baseline.

    uv run python bench/linkage.py            # Essex at 0.16 scale (~1.1 million records), 3 runs
    uv run python bench/linkage.py --quick    # one run of each
    uv run python bench/linkage.py --area basildon --scale 1.0 --noise high
    uv run --group spark python bench/linkage.py --spark   # also on Spark (pyspark and Java)

The world and its ingested workspace are built once and kept in --data (default: a folder under
the system's temporary directory), outside the repository. Each run is a separate process pinned
to two cores, so its peak resident memory is its own. Printed: the median wall time and peak
memory of the full linkage run (Splink persons, households, outputs, report, measurement) and of
the plain deterministic-rules baseline on the same prepared identities, their person-level
pairwise F1 against the world's truth, and the ratios (Splink over baseline; time over the
two-minute target). With --spark, Splink runs a third time on its Spark backend (a local
session on the same two cores) and its F1 is set beside DuckDB's: the two must agree within
0.002. The Spark run's peak memory is the larger of the Python process's and the Java one's
(sampled from /proc every half second, so Linux only).
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
import threading
import time
from pathlib import Path
from typing import Any

from bakehouse.world.config import WorldConfig
from bakehouse.world.noise import NoiseLevel
from prepared import ingested_world

TARGET_SECONDS = 120.0
TARGET_GB = 8.0


def _pin_two_cores() -> None:
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))[:2]
        os.sched_setaffinity(0, cores)


SPARK_F1_TOLERANCE = 0.002


def child_splink(
    world: Path, workspace: Path, key: Path, backend: str = "duckdb"
) -> dict[str, Any]:
    from bakehouse.linkage import LinkOptions, link

    started = time.perf_counter()
    result = link(
        LinkOptions(workspace=workspace, truth=world / "truth", key_file=key, backend=backend)
    )
    seconds = time.perf_counter() - started
    assert result.measured is not None
    return {
        "seconds": seconds,
        "steps": result.seconds,
        "records": result.counts["records"],
        "identities": result.counts["identities"],
        "f1": result.measured["scores"]["persons, pairwise"]["f1"],
        "precision": result.measured["scores"]["persons, pairwise"]["precision"],
        "recall": result.measured["scores"]["persons, pairwise"]["recall"],
        "children_household_correct": result.measured["children"]["correct"],
        "children": result.measured["children"]["children"],
    }


def child_spark(world: Path, workspace: Path, key: Path) -> dict[str, Any]:
    """Splink on a local Spark session. Its Java process runs beside this one and is stopped,
    not waited for, when the session ends, so its peak memory is sampled from /proc."""
    peaks: dict[int, int] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            for status in Path("/proc").glob("[0-9]*/status"):
                try:
                    fields = dict(
                        line.split(":", 1)
                        for line in status.read_text().splitlines()
                        if ":" in line
                    )
                except OSError:
                    continue
                if fields.get("PPid", "").strip() == str(os.getpid()) and "VmHWM" in fields:
                    pid = int(status.parent.name)
                    peaks[pid] = max(peaks.get(pid, 0), int(fields["VmHWM"].split()[0]))

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    try:
        result = child_splink(world, workspace, key, backend="spark")
    finally:
        done.set()
        watcher.join()
    result["java_peak_gb"] = max(peaks.values(), default=0) / 1024**2
    return result


def child_baseline(world: Path, workspace: Path, key: Path) -> dict[str, Any]:
    import duckdb

    from bakehouse.linkage import load_settings
    from bakehouse.linkage.baseline import deterministic_persons
    from bakehouse.linkage.measure import measure_persons
    from bakehouse.linkage.standardise import prepare

    del key  # the baseline needs no keyed ids
    started = time.perf_counter()
    settings = load_settings()
    con = duckdb.connect()
    con.execute("ATTACH $p AS c (READ_ONLY)", {"p": str(workspace / "custodian.duckdb")})
    counts = prepare(con, settings, "c.main.identifiers")
    clusters = deterministic_persons(con, settings)
    con.register("clusters", clusters)
    con.execute(
        "CREATE TEMP TABLE lk_record_person AS SELECT ri.rid, c.cluster AS person "
        "FROM lk_record_identity ri JOIN clusters c USING (unique_id)"
    )
    seconds = time.perf_counter() - started
    measured = measure_persons(con, world / "truth")
    score = measured["scores"]["persons, pairwise"]
    return {
        "seconds": seconds,
        "records": counts["records"],
        "identities": counts["identities"],
        "f1": score["f1"],
        "precision": score["precision"],
        "recall": score["recall"],
    }


def run_child(kind: str, world: Path, workspace: Path, key: Path) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--world",
        str(world),
        "--workspace",
        str(workspace),
        "--key",
        str(key),
    ]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of each")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--area", default="essex")
    parser.add_argument("--scale", type=float, default=0.16)
    parser.add_argument("--noise", default="default")
    parser.add_argument("--data", type=Path, default=None, help="cache folder for world and zones")
    parser.add_argument("--spark", action="store_true", help="run Splink on Spark too")
    parser.add_argument("--child", choices=["splink", "baseline", "spark"], help=argparse.SUPPRESS)
    parser.add_argument("--world", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--key", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.child:
        _pin_two_cores()
        work = {"splink": child_splink, "baseline": child_baseline, "spark": child_spark}
        result = work[options.child](options.world, options.workspace, options.key)
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        result["peak_gb"] = max(peak_gb, result.pop("java_peak_gb", 0.0))
        print(json.dumps(result))
        return

    tag = f"{options.area}-{options.scale}-{options.noise}"
    data = options.data or Path(tempfile.gettempdir()) / "bakehouse-bench-linkage" / tag
    config = WorldConfig(area=options.area, scale=options.scale, noise=NoiseLevel(options.noise))
    world, workspace, key = ingested_world(data, config)
    runs = 1 if options.quick else options.runs
    results: dict[str, list[dict[str, Any]]] = {"baseline": [], "splink": []}
    if options.spark:
        results["spark"] = []
    for _ in range(runs):
        for kind in results:
            results[kind].append(run_child(kind, world, workspace, key))
    first = results["splink"][0]
    print(
        f"{tag}: {first['records']:,} person rows ({first['identities']:,} distinct "
        f"identities), {runs} run(s) each, 2 cores"
    )
    medians = {}
    for kind, measured in results.items():
        seconds = statistics.median(m["seconds"] for m in measured)
        peak = max(m["peak_gb"] for m in measured)
        f1 = statistics.median(m["f1"] for m in measured)
        medians[kind] = (seconds, peak, f1)
        print(
            f"{kind:9s} median {seconds:6.1f} s (target {TARGET_SECONDS:.0f} s, ratio "
            f"{seconds / TARGET_SECONDS:.2f}); peak memory {peak:.2f} GB (ratio "
            f"{peak / TARGET_GB:.2f}); person pairwise F1 {f1:.4f} (precision "
            f"{statistics.median(m['precision'] for m in measured):.4f}, recall "
            f"{statistics.median(m['recall'] for m in measured):.4f})"
        )
    failed = False
    if options.spark:
        (s_t, _, s_f), (k_t, _, k_f) = medians["splink"], medians["spark"]
        failed = abs(k_f - s_f) > SPARK_F1_TOLERANCE
        print(
            f"spark/duckdb: F1 {k_f:.4f} vs {s_f:.4f} (difference {k_f - s_f:+.4f}, "
            f"tolerance {SPARK_F1_TOLERANCE}{', MISSED' if failed else ''}); time ratio "
            f"{k_t / s_t:.2f}"
        )
    (s_t, s_m, s_f), (b_t, b_m, b_f) = medians["splink"], medians["baseline"]
    print(
        f"splink/baseline: time ratio {s_t / b_t:.2f}, memory ratio {s_m / b_m:.2f}, "
        f"F1 {s_f:.4f} vs {b_f:.4f} (errors {(1 - s_f) / (1 - b_f):.2f} of the baseline's)"
    )
    children = first["children"]
    for name, count in first["children_household_correct"].items():
        print(f"children, {name} at the prediction date: {count / children:.2%} of {children:,}")
    steps = first["steps"]
    print("splink steps (s): " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()))
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
