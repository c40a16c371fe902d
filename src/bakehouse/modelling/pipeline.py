"""``train``: a recipe's model from the analysis zone, all at once or not at all.

1. Read and validate the recipe (every problem at once), before touching the workspace.
2. Check that each source the recipe relies on arrived under an agreement listing the recipe's
   purpose, the one pinned in the recipe, and in force.
3. Hash the recipe, the data and the code: an identical earlier run is reused.
4. Build the features, run the model (:mod:`.validation`), measure against a truth if given.
5. Write the artefacts in a staging folder and move them in at once; record ``latest.json`` and a
   ``train.run`` audit event (figures and counts only).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from bakehouse.custody.audit import AuditEvent
from bakehouse.custody.workspace import MODELS, Workspace, write_atomic
from bakehouse.errors import AgreementViolation
from bakehouse.features.build import SCHEMA, FeatureSet, build_features, connect
from bakehouse.geography import Deprivation, load_deprivation
from bakehouse.geography.deprivation import SHIPPED as SHIPPED_IOD
from bakehouse.ingest import Reporter, SilentReporter
from bakehouse.ingest.shortfall import accepted_shortfalls
from bakehouse.insight.review import ReviewList
from bakehouse.modelling import artefacts, baselines, documents, store, truth
from bakehouse.modelling.validation import ModelRun, run_model
from bakehouse.recipes import LoadedRecipe, Recipe
from bakehouse.release.disclosure import DisclosureRules
from bakehouse.release.publish import strictest_rules


@dataclass(frozen=True)
class TrainOptions:
    workspace: Path
    recipe: LoadedRecipe
    truth: Path | None = None
    as_at: date | None = None
    force: bool = False
    # The IoD 2019 folder for the deprivation baseline; without it deprivation is simulated and
    # the documents say so.
    iod_dir: Path | None = None
    # The areas validation rounds marked for review, listed in the documents.
    review: ReviewList | None = None


@dataclass
class TrainResult:
    run_id: str
    folder: Path
    reused: bool
    record: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def headline(self) -> dict[str, Any]:
        return dict(self.record.get("headline", {}))


def check_agreements(
    con: duckdb.DuckDBPyConnection, recipe: Recipe, today: date
) -> list[dict[str, Any]]:
    """Each source's agreement as the analysis zone records it; refuse, listing every problem,
    if one is missing, does not list the recipe's purpose, differs from the recipe's, or is past
    its review date."""
    rows = con.execute(
        f"SELECT source, title, supplier, agreement_id, agreement_version, purposes, review_date "  # noqa: S608
        f"FROM {SCHEMA}.sources"
    ).fetchall()
    found = {row[0]: row for row in rows}
    problems, sources = [], []
    for source, use in recipe.sources.items():
        row = found.get(source)
        if row is None:
            problems.append(f"source '{source}' was not ingested")
            continue
        _, title, supplier, agreement, version, purposes, review = row
        if recipe.id not in (purposes or []):
            problems.append(f"agreement {agreement} for '{source}' does not list '{recipe.id}'")
        if use.agreement is not None and use.agreement != agreement:
            problems.append(
                f"'{source}' arrived under {agreement}, the recipe expects {use.agreement}"
            )
        if review is not None and review < today:
            problems.append(f"agreement {agreement} for '{source}' was due for review on {review}")
        sources.append(
            {
                "source": source,
                "title": title,
                "supplier": supplier,
                "agreement": agreement,
                "version": version,
                "review": str(review),
                "why": use.why,
            }
        )
    if problems:
        raise AgreementViolation(
            f"{len(problems)} problem(s) with the agreements the recipe relies on: "
            + "; ".join(problems),
            field="sources",
            fix="Ingest under agreements that list the recipe's purpose and are in force",
        )
    return sources


def _truth_fingerprint(folder: Path | None) -> str:
    if folder is None:
        return ""
    truth.check_truth(folder)
    digest = hashlib.sha256()
    for name in truth.TRUTH_FILES:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()


def _iod_fingerprint(folder: Path | None) -> str:
    """The IoD files' content, for the run id: the deprivation baseline reads them (without a
    folder given, the shipped Essex extract, or simulated figures outside it)."""
    folder = folder or SHIPPED_IOD
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _deprivation(features: FeatureSet, iod_dir: Path | None) -> Deprivation:
    """IoD 2019 for the LSOAs the units live in (the files given, else the shipped Essex
    extract when it holds them all); simulated (seeded) otherwise."""
    codes = sorted(set(features.table.column("lsoa11cd").to_pylist()))
    return load_deprivation(codes, iod_dir, np.random.default_rng(0))


def _truth_of(
    folder: Path, workspace: Path, recipe: Recipe, features: FeatureSet, run: ModelRun
) -> baselines.Truth | None:
    """The world's truth for the comparison's units: its deprivation, and each test and coming
    unit's true probabilities (NaN where a unit maps to no true one)."""
    table = features.table
    units = np.array(table.column("unit_id").to_pylist(), dtype=object)
    wanted = run.rows["test"] | run.rows["coming"]
    probabilities = truth.unit_probabilities(workspace, folder, recipe, units[wanted].tolist())
    if probabilities is None:
        return None
    rank_of = truth.deprivation_ranks(folder)
    # A unit that linkage places outside the world's area has no deprivation in its truth.
    ranks = np.array(
        [rank_of.get(code, np.nan) for code in table.column("lsoa11cd").to_pylist()], dtype=float
    )
    missing = (np.nan, np.nan)

    def known(mask: np.ndarray) -> np.ndarray:
        return np.array([probabilities.get(u, missing) for u in units[mask]], dtype=float).reshape(
            -1, 2
        )

    return baselines.Truth(
        development_rank=ranks[run.rows["development"]],
        test_rank=ranks[run.rows["test"]],
        test=known(run.rows["test"]),
        coming=known(run.rows["coming"]),
    )


def _facts(
    loaded: LoadedRecipe,
    run_id: str,
    code: str,
    sources: list[dict[str, Any]],
    features: FeatureSet,
    run: ModelRun,
    measured: dict[str, Any] | None,
    rules: DisclosureRules,
) -> documents.RunFacts:
    review_share = None
    if "review_before_prediction" in features.names:  # the share of test units reviewed
        tested = run.rows["test"]  # the feature table's rows the test metrics are computed on
        column = features.table.column("review_before_prediction")
        reviewed = column.to_numpy(zero_copy_only=False)
        review_share = float(np.mean(reviewed[tested])) if tested.any() else None
    return documents.RunFacts(
        recipe=loaded.recipe,
        recipe_sha256=loaded.sha256,
        run_id=run_id,
        code_version=code,
        created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        as_at=features.as_at.isoformat(),
        sources=sources,
        features=[
            {"name": f.name, "label": f.label, "scope": f.scope, "source": f.source or ""}
            for f in features.features
        ],
        counts=run.counts,
        split=run.split.as_dict(),
        chosen=run.chosen,
        reason=run.reason,
        rounds=run.final.rounds,
        test_metrics=run.test_metrics,
        comparison=run.comparison,
        calibration_curve=run.calibration_curve,
        fairness=run.fairness,
        importance=run.importance,
        review_share=review_share,
        truth=measured,
        rules=rules,
        stability=run.stability,
    )


def _headline(
    run: ModelRun, measured: dict[str, Any] | None, added: dict[str, Any] | None
) -> dict[str, Any]:
    chosen = run.test_metrics[run.chosen]
    headline: dict[str, Any] = {
        "chosen": run.chosen,
        **{f"test_{name}": item["value"] for name, item in chosen.items()},
        "test_auc_interval": [chosen["auc"]["low"], chosen["auc"]["high"]],
        "test_ece_interval": [chosen["ece"]["low"], chosen["ece"]["high"]],
        "test_ece_by_chance": run.comparison["ece_by_chance"]["value"],
        "test_ece_by_chance_interval": [
            run.comparison["ece_by_chance"]["low"],
            run.comparison["ece_by_chance"]["high"],
        ],
        "candidates_test_auc": {k: v["auc"]["value"] for k, v in run.test_metrics.items()},
        "fairness_flags": len(run.fairness["flags"]),
    }
    if "auc_lightgbm_minus_logistic" in run.comparison:
        headline["auc_lightgbm_minus_logistic"] = run.comparison["auc_lightgbm_minus_logistic"]
    if added is not None:
        compared = added["comparison"]
        best = compared["best_baseline"]
        headline |= {
            "best_baseline": best,
            "best_baseline_auc": compared["rankings"][best]["auc"]["value"],
            "auc_minus_best_baseline": compared["rankings"][best]["model_minus"]["auc"],
            "model_better_than_baselines": compared["model_better"],
        }
    if measured is not None:
        headline |= {
            "best_achievable_auc": measured["best_achievable_auc"],
            "gap_to_best": measured["gap"],
            "hindsight_auc": measured["hindsight_auc"],
            "gap_to_hindsight": measured["gap_to_hindsight"],
            "ece_of_true_probabilities": measured["ece_of_true_probabilities"],
        }
    return headline


def _point_latest(workspace: Workspace, recipe_id: str, run_id: str, folder: str) -> None:
    path = workspace.root / MODELS / recipe_id / store.LATEST
    write_atomic(path, json.dumps({"run_id": run_id, "folder": folder}, indent=1) + "\n")


def train(options: TrainOptions, reporter: Reporter | None = None) -> TrainResult:
    """Train, validate, audit and document a recipe's model; reuse an identical earlier run."""
    reporter = reporter or SilentReporter()
    started = time.perf_counter()
    loaded = options.recipe
    recipe = loaded.recipe
    workspace = Workspace(options.workspace)
    workspace.require_zones()
    truth_sha = _truth_fingerprint(options.truth)
    with workspace.locked():
        con = connect(workspace.analysis_db)
        sources = check_agreements(con, recipe, date.today())
        data = store.data_fingerprint(con, SCHEMA)
        code = store.code_version()
        run_options = {
            "as_at": str(options.as_at or ""),
            "truth": truth_sha,
            "iod": _iod_fingerprint(options.iod_dir),
        }
        if options.review is not None:
            # The documents list the areas, so another list is another run.
            run_options["review"] = options.review.sha256
        run_id = store.run_id(loaded.canonical, data["sha256"], code, run_options)
        artefact_store = store.ArtefactStore(workspace.root, recipe.id)
        existing = None if options.force else artefact_store.complete(run_id)
        if existing is not None:
            if artefact_store.latest() != run_id:
                _point_latest(workspace, recipe.id, run_id, artefact_store.relative(run_id))
            reporter.note(f"Reusing run {run_id[:16]}: same recipe, data and code.")
            return TrainResult(
                run_id,
                artefact_store.folder(run_id),
                True,
                existing,
                {"total": time.perf_counter() - started},
            )
        clock: dict[str, float] = {}
        reporter.start(f"features as of each {recipe.words.unit}'s prediction date", 1)
        features = build_features(con, loaded, as_at=options.as_at)
        reporter.finish()
        clock["features"] = features.seconds
        reporter.start("models: validate, choose, audit, refit, explain", 1)
        run = run_model(recipe, features)
        reporter.finish()
        clock |= run.seconds
        measured = None
        if options.truth is not None:
            mark = time.perf_counter()
            measured = truth.measure_run(workspace.root, options.truth, recipe, run)
            clock["truth"] = time.perf_counter() - mark
        mark = time.perf_counter()
        compared = baselines.inputs_of(
            recipe, features, run, _deprivation(features, options.iod_dir)
        )
        added = baselines.measure(compared) if compared is not None else None
        if added is not None and compared is not None and options.truth is not None:
            beside = _truth_of(options.truth, workspace.root, recipe, features, run)
            if beside is not None:
                added["truth"] = baselines.beside_truth(compared, beside)
        clock["baselines"] = time.perf_counter() - mark
        rules = strictest_rules(workspace.root, recipe)
        facts = _facts(loaded, run_id, code, sources, features, run, measured, rules)
        facts.added_value = added
        facts.shortfalls = accepted_shortfalls(workspace.manifest())
        facts.review = options.review
        relative = artefact_store.relative(run_id)
        with workspace.change(run_id[:16]) as staging:
            folder = staging.path(relative)
            folder.mkdir(parents=True, exist_ok=True)
            written = artefacts.write_run(folder, run, features, facts, measured)
            (folder / "recipe.yaml").write_text(loaded.text, "utf-8")
            written.append("recipe.yaml")
            clock["total"] = time.perf_counter() - started
            record = {
                "run_id": run_id,
                "status": "complete",
                "recipe": {"id": recipe.id, "version": recipe.version, "sha256": loaded.sha256},
                "data": data,
                "code_version": code,
                "options": run_options,
                "as_at": features.as_at.isoformat(),
                "created": facts.created,
                "split": run.split.as_dict(),
                "headline": _headline(run, measured, added),
                "seconds": clock,
                "files": store.file_hashes(folder, written),
            }
            (folder / store.RUN_FILE).write_text(json.dumps(record, indent=1) + "\n", "utf-8")
            latest = staging.path(f"models/{recipe.id}/{store.LATEST}")
            latest.write_text(json.dumps({"run_id": run_id, "folder": relative}, indent=1) + "\n")
        workspace.audit.append(
            AuditEvent(
                action="train.run",
                counts={
                    "cohort_units": int(features.table.num_rows),
                    "test_units": int(run.counts["test_units"]),
                    "future_units": int(run.counts["future_units"]),
                },
                details={
                    "run_id": run_id,
                    "recipe": recipe.id,
                    "recipe_version": recipe.version,
                    "chosen": run.chosen,
                    "test_auc": round(run.test_metrics[run.chosen]["auc"]["value"], 4),
                    "fairness_flags": len(run.fairness["flags"]),
                },
            )
        )
        return TrainResult(run_id, artefact_store.folder(run_id), False, record, clock)
