"""Benchmark features + training + evaluation (`bakehouse train` without writing artefacts).

    uv run python bench/model.py                     # Basildon, default noise, 3 runs
    uv run python bench/model.py --children 100000   # the Basildon zone replicated to ~100,000
    uv run python bench/model.py --workspace data/ws # any linked workspace, as it is
    uv run python bench/model.py --seed 2 --data /tmp/bench-model-2   # another draw of the world
    uv run python bench/model.py --recipe homelessness   # any recipe, in a workspace of its own

The Basildon world, its ingested and linked workspace and any replicated zone are built once and
kept in --data (default: a folder under the system's temporary directory), outside the
repository. The 100,000-child cohort is the linked Basildon analysis zone copied side by side
with every id prefixed by its copy (same LSOAs, so each area holds several times the children):
the same data shape at four times the size, without linking a county. Each run is a separate
process pinned to two cores, so its peak memory is its own. Printed: median wall time of the
full run (features, both candidates cross-fitted and calibrated, choice, test metrics with
bootstrap intervals, fairness audit, refit, bootstrap refits, explanations), of a logistic-only
baseline run without refits on the same data, their ratio, the ratio to the target, the peak
memory, and the test figures. On the bench's own world (or with --truth), the last full run is
also measured, after its clock stops, against the best achievable AUC (the true probability
given every record at the prediction date) and against hindsight of development, each gap with
a paired bootstrap interval.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bakehouse.world.config import WorldConfig
from prepared import cli, ingested_world

TARGETS = {"basildon": 60.0, "large": 180.0}


def prepare_basildon(data: Path, seed: int = 1, recipe: str = "school-readiness") -> Path:
    _, workspace, key = ingested_world(data, WorldConfig(area="basildon", seed=seed), recipe)
    if not (workspace / "reports" / "linkage.json").exists():
        print("linking ...", flush=True)
        cli(["link", "--workspace", str(workspace), "--key-file", str(key), *_settings(recipe)])
    return workspace


def _settings(recipe: str) -> list[str]:
    """The recipe's own linkage settings, as `bakehouse run` links with them, if it has any."""
    from bakehouse.recipes import load_recipe

    loaded = load_recipe(recipe)
    return ["--settings", str(loaded.path)] if loaded.linkage is not None else []


def replicate(source: Path, target: Path, copies: int) -> Path:
    """An analysis zone made of ``copies`` copies of ``source``'s, every id prefixed."""
    import duckdb

    done = target / "replicated.json"
    if done.exists() and json.loads(done.read_text())["copies"] == copies:
        return target
    target.mkdir(parents=True, exist_ok=True)
    path = target / "analysis.duckdb"
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute(f"ATTACH '{source / 'analysis.duckdb'}' AS src (READ_ONLY)")
    tables = [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'src'"
        ).fetchall()
    ]
    prefixed = {
        "token",
        "person_id",
        "household_id",
        "address_id",
        "claim_key",
        "case_key",
        "incident_key",
        "child_key",
    }
    for table in tables:
        columns = [
            row[0]
            for row in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_catalog = 'src' "
                "AND table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
        ]
        keys = [c for c in columns if c in prefixed]
        if not keys:
            con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM src."{table}"')
            continue
        parts = []
        for copy in range(copies):
            replace = ", ".join(f"'{copy}:' || {key} AS {key}" for key in keys)
            parts.append(f'SELECT * REPLACE ({replace}) FROM src."{table}"')
        con.execute(f'CREATE TABLE "{table}" AS {" UNION ALL ".join(parts)}')
    con.execute("UPDATE runs SET fingerprint = fingerprint || ?", [f"x{copies}"])
    con.close()
    done.write_text(json.dumps({"copies": copies}))
    return target


def _pin_two_cores() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2])


def child(workspace: Path, recipe_id: str, baseline: bool, truth: Path | None) -> dict[str, Any]:
    from bakehouse.features import build_features, connect
    from bakehouse.modelling import truth as world_truth
    from bakehouse.modelling.validation import run_model
    from bakehouse.recipes import load_recipe

    loaded = load_recipe(recipe_id)
    recipe = loaded.recipe
    if baseline:
        recipe = recipe.model_copy(
            update={
                "model": recipe.model.model_copy(
                    update={
                        "candidates": ["logistic"],
                        "uncertainty_refits": 0,
                        "selection": recipe.model.selection.model_copy(
                            update={"prefer": "logistic"}
                        ),
                    }
                )
            }
        )
    started = time.perf_counter()
    loaded = dataclasses.replace(loaded, recipe=recipe)
    features = build_features(connect(workspace / "analysis.duckdb"), loaded)
    run = run_model(recipe, features)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    chosen = run.test_metrics[run.chosen]
    measured = None
    if truth is not None and not baseline:  # after the clock: measurement, not the product
        measured = world_truth.measure_run(workspace, truth, recipe, run)
    return {
        "seconds": seconds,
        "features_seconds": features.seconds,
        "steps": run.seconds,
        "cohort_children": features.table.num_rows,
        "test_children": run.counts["test_units"],
        "chosen": run.chosen,
        "test_auc": chosen["auc"]["value"],
        "test_ece": chosen["ece"]["value"],
        "test_ece_by_chance": run.comparison["ece_by_chance"]["value"],
        "candidates_auc": {k: v["auc"]["value"] for k, v in run.test_metrics.items()},
        "peak_gb": peak,
        "truth": measured,
    }


def _measure(
    workspace: Path, recipe: str, baseline: bool, truth: Path | None = None
) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(workspace), "--recipe", recipe]
    if baseline:
        command.append("--baseline")
    if truth is not None:
        command += ["--truth", str(truth)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "bakehouse-bench-model"
    )
    parser.add_argument("--workspace", type=Path, help="an existing linked workspace")
    parser.add_argument("--children", type=int, help="replicate Basildon to about this many")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--recipe", default="school-readiness", help="a built-in recipe's id, or a folder"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="the world's seed (give each seed its own --data)"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--truth",
        type=Path,
        help="the world's truth/ folder for the gap to the best achievable AUC (default: the "
        "bench's own world's, unless --workspace is given)",
    )
    args = parser.parse_args()
    if args.child is not None:
        _pin_two_cores()
        print(json.dumps(child(args.child, args.recipe, args.baseline, args.truth)))
        return
    workspace = args.workspace or prepare_basildon(args.data, args.seed, args.recipe)
    truth = args.truth or (None if args.workspace else args.data / "world" / "truth")
    target_name = "basildon"
    if args.children:
        probe = _measure(workspace, args.recipe, baseline=True)
        copies = max(1, math.ceil(args.children / probe["cohort_children"]))
        print(f"replicating the zone x{copies} ...", flush=True)
        workspace = replicate(workspace, args.data / f"ws-x{copies}", copies)
        target_name = "large"
    full = [_measure(workspace, args.recipe, baseline=False) for _ in range(args.runs - 1)]
    full.append(
        _measure(workspace, args.recipe, baseline=False, truth=None if args.children else truth)
    )
    base = [_measure(workspace, args.recipe, baseline=True) for _ in range(args.runs)]
    median = statistics.median(r["seconds"] for r in full)
    base_median = statistics.median(r["seconds"] for r in base)
    last = full[-1]
    from bakehouse.recipes import load_recipe

    units = load_recipe(args.recipe).recipe.words.units
    print(
        f"{args.recipe}: cohort {units} {last['cohort_children']:,}; test {units} "
        f"{last['test_children']:,}; runs: {args.runs}"
    )
    print(
        f"full run (features, 2 candidates, audit, refits, explanations): median "
        f"{median:.1f} s; features {statistics.median(r['features_seconds'] for r in full):.1f} s;"
        f" steps {json.dumps({k: round(v, 1) for k, v in last['steps'].items()})}"
    )
    print(
        f"logistic-only baseline (no refits): median {base_median:.1f} s; ratio full/baseline "
        f"{median / base_median:.2f}"
    )
    target = TARGETS[target_name]
    print(
        f"target {target:.0f} s: ratio {median / target:.2f} "
        f"({'met' if median < target else 'NOT met'}); peak memory "
        f"{max(r['peak_gb'] for r in full):.2f} GB"
    )
    print(
        f"test AUC {last['test_auc']:.4f} ({last['chosen']}; candidates "
        f"{json.dumps({k: round(v, 4) for k, v in last['candidates_auc'].items()})}), "
        f"ECE {last['test_ece']:.4f} (a perfectly calibrated model by chance: "
        f"{last['test_ece_by_chance']:.4f})"
    )
    if last["truth"] is not None:
        t = last["truth"]
        low, high = t["gap_interval"]
        hind_low, hind_high = t["gap_to_hindsight_interval"]
        print(
            f"best achievable AUC (every record at the prediction date) "
            f"{t['best_achievable_auc']:.4f}: gap {t['gap']:.4f} ({low:.4f} to {high:.4f}); "
            f"with hindsight of development {t['hindsight_auc']:.4f}: gap "
            f"{t['gap_to_hindsight']:.4f} ({hind_low:.4f} to {hind_high:.4f}); "
            f"{t['units_measured']:,} {units}"
        )


if __name__ == "__main__":
    main()
