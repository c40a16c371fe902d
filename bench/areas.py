"""Benchmark the area estimates and `publish`: median times, and accuracy against the truth.

    uv run python bench/areas.py                    # Basildon (full scale), 5 runs
    uv run python bench/areas.py --world DIR        # an existing Basildon world
    uv run python bench/areas.py --area essex --runs 1

The model is not built yet, so predictions are the world's true probabilities seen through a
model's error (logit noise sd 0.5 per child, a shared bias sd 0.15 per LSOA): this measures the
area machinery, not a model. Only this script reads the truth.

Timed per run, in one process: building the tables (aggregate, disclosure control, simulation,
estimates) and writing the release (Parquet, output checker, manifest). The baseline is the
plainest possible area table: a DuckDB group-by summing probabilities per LSOA from the same
predictions file. Accuracy: Spearman of estimated and true expected need per LSOA (numbers and
rates), precision of flagged areas, and the error of shrunken rates against raw ones.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bakehouse.areas.config import AreasConfig, Prior
from bakehouse.areas.counts import geography_of
from bakehouse.areas.predictions import read_predictions
from bakehouse.geography import load_area, load_deprivation
from bakehouse.recipes import load_recipe
from bakehouse.release.disclosure import DisclosureRules
from bakehouse.release.publish import PublishOptions, publish
from bakehouse.release.tables import build_area_tables

RECIPE = load_recipe("school-readiness").recipe

IOD = Path(__file__).resolve().parents[2] / "shared" / "data" / "iod2019"
AS_AT = date(2025, 9, 30)
LAST_RESULTS = 2025
TARGET_SPEARMAN = 0.9


def _sql(query: str) -> duckdb.DuckDBPyRelation:
    relation = duckdb.sql(query)
    assert relation is not None
    return relation


def make_world(area: str, out: Path) -> Path:
    command = [sys.executable, "-m", "bakehouse.cli", "world", "--area", area, "--out", str(out)]
    if IOD.exists():
        command += ["--iod", str(IOD)]
    subprocess.run(command, check=True, capture_output=True)
    return out


def predictions_from_truth(truth: Path, out: Path, seed: int = 7) -> Path:
    table = _sql(
        f"""
        select lsoa_at_prediction as lsoa11cd, cohort, 1 - p_gld as p, gld, assessed
        from '{truth}/children.parquet'
        where lsoa_at_prediction is not null and prediction_date <= date '{AS_AT}'
        order by person_id
        """
    ).to_arrow_table()
    rng = np.random.default_rng(seed)
    p = table.column("p").to_numpy()
    codes = np.asarray(table.column("lsoa11cd").to_numpy(zero_copy_only=False))
    _, index = np.unique(codes, return_inverse=True)
    logit = (
        np.log(p / (1 - p))
        + rng.normal(0, 0.5, len(p))
        + rng.normal(0, 0.15, index.max() + 1)[index]
    )
    cohort = table.column("cohort").to_numpy()
    assessed = table.column("assessed").to_numpy(zero_copy_only=False)
    gld = table.column("gld").to_numpy(zero_copy_only=False)
    observed = [
        None if c > LAST_RESULTS or not a else not g
        for c, a, g in zip(cohort, assessed, gld, strict=True)
    ]
    pq.write_table(
        pa.table(
            {
                "lsoa11cd": pa.array(codes, pa.string()),
                "cohort": pa.array(cohort, pa.int32()),
                "p_outcome": pa.array(1 / (1 + np.exp(-logit))),
                "observed_outcome": pa.array(observed, pa.bool_()),
            }
        ),
        out,
    )
    return out


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])


def truth_by_lsoa(
    truth: Path,
) -> tuple[dict[str, tuple[float, float]], dict[str, float], dict[str, float]]:
    need = {
        code: (float(e), float(r))
        for code, e, r in _sql(
            f"""select lsoa_at_prediction, sum(1 - p_gld), avg(1 - p_gld)
            from '{truth}/children.parquet'
            where lsoa_at_prediction is not null and prediction_date <= date '{AS_AT}'
              and cohort > {LAST_RESULTS} group by 1"""
        ).fetchall()
    }
    area_need = {
        code: float(e)
        for code, e in _sql(
            f"""select lsoa11cd, sum(expected_not_gld) from '{truth}/area_need.parquet'
            where cohort between {LAST_RESULTS + 1} and {LAST_RESULTS + 3} group by 1"""
        ).fetchall()
    }
    past = {
        code: float(r)
        for code, r in _sql(
            f"""select lsoa_at_prediction, avg(1 - p_gld) from '{truth}/children.parquet'
            where assessed and lsoa_at_prediction is not null
              and prediction_date <= date '{AS_AT}' and cohort <= {LAST_RESULTS} group by 1"""
        ).fetchall()
    }
    return need, area_need, past


def accuracy(
    world: Path, predictions: Path, area_name: str, settings: AreasConfig | None = None
) -> None:
    """Spearman and flagged areas from tables built with ``settings`` (the release's: default
    settings unless given), then shrinkage towards each prior against raw rates."""
    area = load_area(area_name)
    deprivation = (
        load_deprivation(area.lsoa_codes, IOD, np.random.default_rng(0)) if IOD.exists() else None
    )
    geography = geography_of(area, deprivation)
    loaded = read_predictions(predictions)
    need, area_need, past = truth_by_lsoa(world / "truth")
    priors = [Prior.MODEL, Prior.DISTRICT] + (
        [Prior.DEPRIVATION] if deprivation is not None else []
    )
    settings = settings or AreasConfig()
    for prior in [None, *priors]:
        config = settings if prior is None else settings.model_copy(update={"prior": prior})
        tables = build_area_tables(
            loaded, geography, area.boundaries(), config, DisclosureRules(), RECIPE.words
        )
        rows = tables.areas.to_pylist()
        if prior is None:
            rule = config.flag.describe(RECIPE.words)
            print(f"As published: prior {config.prior.value}; flags: {rule}")
            shown = [r for r in rows if r["expected_events"] is not None]
            est = np.array([r["expected_events"] for r in shown])
            rate = np.array([r["expected_rate"] for r in shown])
            true_n = np.array([need[r["lsoa11cd"]][0] for r in shown])
            true_r = np.array([need[r["lsoa11cd"]][1] for r in shown])
            table_n = np.array([area_need[r["lsoa11cd"]] for r in shown])
            print(f"LSOAs published: {len(shown)} of {len(rows)}")
            print(
                f"Spearman expected number vs truth (same children): "
                f"{spearman(est, true_n):.3f} (target >= {TARGET_SPEARMAN})"
            )
            print(
                "Spearman expected number vs area_need.parquet 2026-2028: "
                f"{spearman(est, table_n):.3f}"
            )
            print(f"Spearman expected rate vs true rate: {spearman(rate, true_r):.3f}")
            district_rate = true_n.sum() / (true_n / true_r).sum()
            flagged = [r for r in shown if r["flagged"]]
            top = set(sorted(need, key=lambda c: -need[c][1])[: max(1, len(need) // 5)])
            above = [need[r["lsoa11cd"]][1] > district_rate for r in flagged]
            in_top = [r["lsoa11cd"] in top for r in flagged]
            print(
                f"Flagged: {len(flagged)}; precision vs truly above the district rate "
                f"{np.mean(above) if flagged else float('nan'):.2f}, vs the true top fifth "
                f"{np.mean(in_top) if flagged else float('nan'):.2f}; the true top fifth found "
                f"{sum(in_top)}/{len(top)}"
            )
            continue
        usable = [r for r in rows if r["shrunken_rate"] is not None]
        truth = np.array([past[r["lsoa11cd"]] for r in usable])
        raw = np.sqrt(np.mean((np.array([r["observed_rate"] for r in usable]) - truth) ** 2))
        shrunk = np.sqrt(np.mean((np.array([r["shrunken_rate"] for r in usable]) - truth) ** 2))
        inside = np.mean(
            [
                r["shrunken_low"] <= t <= r["shrunken_high"]
                for r, t in zip(usable, truth, strict=True)
            ]
        )
        print(
            f"Shrinkage towards {prior.value}: RMSE {shrunk:.4f} vs raw {raw:.4f} "
            f"(ratio {shrunk / raw:.2f}); 95% intervals hold the truth in {inside:.0%} of areas"
        )


def timings(predictions: Path, area_name: str, runs: int) -> None:
    build_times, publish_times, baseline_times = [], [], []
    area = load_area(area_name)
    geography = geography_of(area)
    boundaries = area.boundaries()
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(runs):
            start = time.perf_counter()
            _sql(
                "select lsoa11cd, cohort, count(*), sum(p_outcome) "
                f"from '{predictions}' group by all"
            ).fetchall()
            baseline_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            build_area_tables(
                read_predictions(predictions),
                geography,
                boundaries,
                AreasConfig(),
                DisclosureRules(),
                RECIPE.words,
            )
            build_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            publish(
                PublishOptions(
                    predictions=predictions,
                    recipe=RECIPE,
                    area=area_name,
                    out=Path(scratch) / "releases",
                    as_at=AS_AT,
                    created_at=datetime(2025, 10, 1, tzinfo=UTC),
                    replace=True,
                )
            )
            publish_times.append(time.perf_counter() - start)
    base = statistics.median(baseline_times)
    built = statistics.median(build_times)
    published = statistics.median(publish_times)
    print(f"Baseline (DuckDB group-by of the predictions): median {base:.3f} s")
    print(
        f"Area tables (aggregate, protect, simulate, estimate): median {built:.2f} s "
        f"({built / base:.0f}x baseline)"
    )
    print(
        f"publish (tables + write + output checker + manifest): median {published:.2f} s "
        f"({published / base:.0f}x baseline)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--world", type=Path)
    parser.add_argument("--area", default="basildon")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        world = args.world or make_world(args.area, Path(scratch) / "world")
        predictions = predictions_from_truth(world / "truth", Path(scratch) / "predictions.parquet")
        print(
            f"Area {args.area}: {pq.read_metadata(predictions).num_rows} children with predictions"
        )
        accuracy(world, predictions, args.area)
        timings(predictions, args.area, args.runs)


if __name__ == "__main__":
    main()
