"""Measurement against a synthetic world's truth (``--truth``): how far the model is from the best
any model could do.

Only this module reads a truth folder, and only to measure. Each child of the cohort is mapped to
the true person most of their records belong to (the custodian zone's record register gives each
token's file row; the truth names the person on every row).

The best achievable AUC is the AUC of the true probability of not reaching GLD given everything
the world's records hold at the prediction date (1 - ``p_gld_from_records``: circumstances known
exactly, development only as its reviews saw it), on the same test children the model was
measured on (like for like), and also on every assessed child of the test cohorts in the truth.
No model working from records can beat it. The AUC with hindsight (1 - ``p_gld``, which knows
each child's whole development at 2.5, as the outcome was drawn) is reported beside it: the
distance between the two is development nobody had measured by the prediction date.
The ECE of the true probabilities on the same children is the floor set by chance alone (one
draw of it; ``ece_of_true_probabilities_by_chance`` gives its median and range over many).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa

from bakehouse.custody.workspace import ANALYSIS
from bakehouse.errors import ConfigError
from bakehouse.modelling import metrics
from bakehouse.world.truth import check_records

if TYPE_CHECKING:
    from bakehouse.modelling.validation import ModelRun
    from bakehouse.recipes.schema import Recipe

TRUTH_FILES = ("children.parquet", "records.parquet")
PROBABILITIES = ("p_gld", "p_gld_from_records")


def check_truth(truth: Path) -> None:
    missing = [name for name in TRUTH_FILES if not (truth / name).exists()]
    if missing:
        raise ConfigError(
            f"The truth folder has no {', '.join(missing)}",
            file=truth,
            fix="Give the truth/ folder of a world written by `bakehouse world`",
        )
    columns = duckdb.execute(
        "SELECT name FROM parquet_schema(?)", [str(truth / "children.parquet")]
    ).fetchall()
    absent = set(PROBABILITIES) - {name for (name,) in columns}
    if absent:
        raise ConfigError(
            f"The truth's children table has no {', '.join(sorted(absent))}: the world was "
            "written by an older version of Bakehouse",
            file=truth / "children.parquet",
            fix="Build the world again with `bakehouse world` (or `make world`)",
        )
    check_records(truth)


def map_children(
    workspace: Path, truth: Path, child_ids: list[str]
) -> dict[str, tuple[float, float, bool, bool, int]]:
    """child id -> (true p_gld, p_gld_from_records, true gld, assessed, true cohort), for
    children the truth knows."""
    check_records(truth)
    con = duckdb.connect()
    con.execute("ATTACH ? AS az (READ_ONLY)", [str(workspace / ANALYSIS)])
    con.execute("ATTACH ? AS cz (READ_ONLY)", [str(workspace / "custodian.duckdb")])
    con.register("wanted", pa.table({"child_id": pa.array(child_ids, pa.string())}))
    rows = con.execute(
        """WITH found AS (
             SELECT l.person_id AS child_id, t.person_id AS true_id
             FROM wanted w JOIN az.person_links l ON l.person_id = w.child_id
             JOIN cz.records r ON r.token = l.token
             JOIN read_parquet(?) t ON t.source = r.source AND t.file = r.file
              AND t.row_number = r.row_number AND t.person_role = l.person_role),
           counted AS (SELECT child_id, true_id, count(*) AS n FROM found GROUP BY ALL),
           -- the true person most records belong to; a tie goes to the lowest id, so that
           -- reruns agree
           chosen AS (SELECT child_id, arg_max(true_id, (n, -true_id)) AS true_id
                      FROM counted GROUP BY 1)
        SELECT c.child_id, k.p_gld, k.p_gld_from_records, k.gld, k.assessed, k.cohort
        FROM chosen c JOIN read_parquet(?) k ON k.person_id = c.true_id""",
        [str(truth / "records.parquet"), str(truth / "children.parquet")],
    ).fetchall()
    return {
        row[0]: (float(row[1]), float(row[2]), bool(row[3]), bool(row[4]), int(row[5]))
        for row in rows
    }


@dataclass(frozen=True)
class HouseholdTruth:
    """Where the world keeps the truth of a household outcome: its table (one row per household
    and index date, with ``p_true``, ``p_from_records`` and the outcome drawn), and how a
    prediction date maps to the table's index date (the day after an incident; or the date
    itself)."""

    file: str
    outcome: str
    days_after_index: int


# The household outcomes the synthetic world simulates, by the recipe outcome's name
# (docs/world.md). A recipe with another outcome is not measured against a truth.
HOUSEHOLD_TRUTHS = {
    "escalation": HouseholdTruth("da_escalation.parquet", "escalated", 1),
    "approach": HouseholdTruth("homelessness.parquet", "approached", 0),
}


def measure_run(
    workspace: Path, truth: Path, recipe: Recipe, run: ModelRun
) -> dict[str, Any] | None:
    """:func:`measure` (or :func:`measure_households`) for a model run, with the recipe's
    validation settings; None when the world holds no truth of the recipe's outcome."""
    options = {
        "resamples": recipe.validation.bootstrap,
        "seed": recipe.validation.seed,
        "ece_bins": recipe.validation.ece_bins,
    }
    if recipe.unit == "household":
        known = HOUSEHOLD_TRUTHS.get(recipe.outcome.name)
        if known is None:
            return None
        return measure_households(
            workspace, truth, known, run.test_ids, run.test_y, run.test_p, run.split.test, **options
        )
    if recipe.outcome.name != "not_gld":
        return None
    return measure(
        workspace,
        truth,
        run.test_ids,
        run.test_y,
        run.test_p,
        run.split.test,
        **options,
    )


def measure(
    workspace: Path,
    truth: Path,
    child_ids: list[str],
    y: np.ndarray,
    p: np.ndarray,
    test_cohorts: list[int],
    *,
    resamples: int,
    seed: int,
    ece_bins: int,
) -> dict[str, Any]:
    """The model's test AUC against the best achievable, on the same children and on the truth's
    own assessed children of the test cohorts."""
    check_truth(truth)
    known = map_children(workspace, truth, child_ids)
    keep = np.array([child in known for child in child_ids])
    kept = [c for c in child_ids if c in known]
    hindsight = np.array([1 - known[c][0] for c in kept])
    bs = np.array([1 - known[c][1] for c in kept])
    ys, ps = y[keep].astype(float), p[keep]
    agree = np.mean([known[c][2] != bool(v) for c, v in zip(kept, y[keep], strict=True)])
    children = duckdb.execute(
        "SELECT p_gld, p_gld_from_records, gld FROM read_parquet(?) "
        "WHERE assessed AND list_contains(?, cohort)",
        [str(truth / "children.parquet"), test_cohorts],
    ).fetchnumpy()
    return {
        "units_measured": int(keep.sum()),
        "units_unmapped": int((~keep).sum()),
        "outcome_matches_truth": float(agree),
        **_against_truth(
            ys,
            ps,
            bs,
            hindsight,
            ~children["gld"].astype(bool),
            1 - children["p_gld_from_records"],
            1 - children["p_gld"],
            resamples=resamples,
            seed=seed,
            ece_bins=ece_bins,
        ),
        "note": "Best achievable: the AUC, on the same test children, of the world's true "
        "probability of not reaching GLD given every record it holds at the prediction date "
        "(circumstances known exactly, development only as the reviews saw it). With "
        "hindsight: the AUC of the probability the outcome was drawn from, which also knows the "
        "development nobody had measured. The ECE of the true probabilities is what chance alone "
        "gave with this many children; by chance: its median and 95% range over outcomes drawn "
        "from the true probabilities.",
    }


def map_households(
    workspace: Path, truth: Path, known: HouseholdTruth, unit_ids: list[str]
) -> dict[str, tuple[float, float, bool | None]]:
    """unit id (``household@date``) -> (p_true, p_from_records, outcome drawn), for the units
    whose household maps to a true household (the one most of its records belong to) with a
    truth row on the same index date."""
    check_records(truth)
    rows = []
    for unit in unit_ids:
        household, _, day = unit.rpartition("@")
        index = date.fromisoformat(day) - timedelta(days=known.days_after_index)
        rows.append((unit, household, index))
    con = duckdb.connect()
    con.execute("ATTACH ? AS az (READ_ONLY)", [str(workspace / ANALYSIS)])
    con.execute("ATTACH ? AS cz (READ_ONLY)", [str(workspace / "custodian.duckdb")])
    con.register(
        "wanted",
        pa.table(
            {
                "unit_id": pa.array([r[0] for r in rows], pa.string()),
                "household_id": pa.array([r[1] for r in rows], pa.string()),
                "index_date": pa.array([r[2] for r in rows], pa.date32()),
            }
        ),
    )
    found = con.execute(
        f"""WITH households AS (SELECT DISTINCT household_id FROM wanted),
           found AS (
             SELECT h.household_id, t.household_id AS true_id
             FROM households h JOIN az.person_links l ON l.household_id = h.household_id
             JOIN cz.records r ON r.token = l.token
             JOIN read_parquet(?) t ON t.source = r.source AND t.file = r.file
              AND t.row_number = r.row_number AND t.person_role = l.person_role),
           counted AS (SELECT household_id, true_id, count(*) AS n FROM found GROUP BY ALL),
           chosen AS (SELECT household_id, arg_max(true_id, (n, -true_id)) AS true_id
                      FROM counted GROUP BY 1)
        SELECT w.unit_id, k.p_true, k.p_from_records, k.{known.outcome}
        FROM wanted w JOIN chosen c USING (household_id)
        JOIN read_parquet(?) k ON k.household_id = c.true_id AND k.index_date = w.index_date""",  # noqa: S608
        [str(truth / "records.parquet"), str(truth / known.file)],
    ).fetchall()
    return {
        row[0]: (float(row[1]), float(row[2]), None if row[3] is None else bool(row[3]))
        for row in found
    }


def measure_households(
    workspace: Path,
    truth: Path,
    known: HouseholdTruth,
    unit_ids: list[str],
    y: np.ndarray,
    p: np.ndarray,
    test_cohorts: list[int],
    *,
    resamples: int,
    seed: int,
    ece_bins: int,
) -> dict[str, Any]:
    """The model's test AUC against the best achievable, on the test units that map to the
    world's truth: households are linkage's, so a unit counts when its household's records
    belong mostly to one true household with a truth row on the same date."""
    missing = [name for name in ("records.parquet", known.file) if not (truth / name).exists()]
    if missing:
        raise ConfigError(
            f"The truth folder has no {', '.join(missing)}",
            file=truth,
            fix="Give the truth/ folder of a world written by this version of `bakehouse world`",
        )
    mapped = map_households(workspace, truth, known, unit_ids)
    # Scored against the outcome the world drew, so that the model and the best achievable are
    # judged on the same events: a household's records, as linkage groups them, can also hold an
    # event of someone who left it, which its features may foretell and the truth's may not.
    drawn_known = {unit: values for unit, values in mapped.items() if values[2] is not None}
    keep = np.array([unit in drawn_known for unit in unit_ids])
    kept = [unit for unit in unit_ids if unit in drawn_known]
    hindsight = np.array([mapped[u][0] for u in kept])
    bs = np.array([mapped[u][1] for u in kept])
    ps = p[keep]
    ys = np.array([float(bool(mapped[u][2])) for u in kept])
    agree = float(np.mean(ys == y[keep].astype(float))) if len(ys) else float("nan")
    table = duckdb.execute(
        f"SELECT p_true, p_from_records, {known.outcome} AS outcome FROM read_parquet(?) "  # noqa: S608
        "WHERE outcome_known AND list_contains(?, year)",
        [str(truth / known.file), test_cohorts],
    ).fetchnumpy()
    return {
        "units_measured": int(keep.sum()),
        "units_unmapped": int((~keep).sum()),
        "outcome_matches_truth": agree,
        **_against_truth(
            ys,
            ps,
            bs,
            hindsight,
            table["outcome"].astype(bool),
            table["p_from_records"],
            table["p_true"],
            resamples=resamples,
            seed=seed,
            ece_bins=ece_bins,
        ),
        "note": "Best achievable: the AUC, on the same test households and against the outcome "
        "the world drew for them, of the world's "
        "probability of the outcome given what its records hold at the prediction date (the "
        "household's disadvantage treated as known, so an upper bound). With hindsight: the "
        "AUC of the probability the outcome was drawn from. All assessed: the same over every "
        "household of the truth in the test years with its outcome known, seen by a service or "
        "not. The ECE of the true probabilities is what chance alone gave with this many "
        "households; by chance: its median and 95% range.",
    }


def _against_truth(
    ys: np.ndarray,
    ps: np.ndarray,
    best: np.ndarray,
    hindsight: np.ndarray,
    everyone: np.ndarray,
    everyone_best: np.ndarray,
    everyone_hindsight: np.ndarray,
    *,
    resamples: int,
    seed: int,
    ece_bins: int,
) -> dict[str, Any]:
    """The model's AUC beside the best achievable and hindsight's on the same units (paired
    bootstrap intervals of each gap), the same two over every unit of the truth's test years,
    and the ECE the true probabilities get (the floor chance sets)."""
    indices = metrics.bootstrap_indices(len(ys), resamples, seed)
    gap = metrics.paired_difference(ys, ps, best, metrics.auc, indices)
    gap_hindsight = metrics.paired_difference(ys, ps, hindsight, metrics.auc, indices)
    model_auc = metrics.auc(ys, ps)
    best_auc = metrics.auc(ys, best)
    hindsight_auc = metrics.auc(ys, hindsight)
    return {
        "model_auc": model_auc,
        "best_achievable_auc": best_auc,
        "gap": best_auc - model_auc,
        "gap_interval": [-gap["high"], -gap["low"]],
        "best_achievable_auc_all_assessed": metrics.auc(everyone, everyone_best),
        "hindsight_auc": hindsight_auc,
        "gap_to_hindsight": hindsight_auc - model_auc,
        "gap_to_hindsight_interval": [-gap_hindsight["high"], -gap_hindsight["low"]],
        "hindsight_auc_all_assessed": metrics.auc(everyone, everyone_hindsight),
        "assessed_in_truth": len(everyone),
        "ece_of_true_probabilities": metrics.ece(ys, best, ece_bins),
        "ece_of_true_probabilities_by_chance": metrics.ece_by_chance(best, ece_bins, seed=seed),
    }


def unit_probabilities(
    workspace: Path, truth: Path, recipe: Recipe, unit_ids: list[str]
) -> dict[str, tuple[float, float]] | None:
    """unit id -> (the true probability of the recipe's outcome, the best achievable from
    records), for the units the truth maps; None when the world does not simulate the outcome."""
    if recipe.unit == "household":
        known = HOUSEHOLD_TRUTHS.get(recipe.outcome.name)
        if known is None:
            return None
        mapped = map_households(workspace, truth, known, unit_ids)
        return {unit: (values[0], values[1]) for unit, values in mapped.items()}
    if recipe.outcome.name != "not_gld":
        return None
    check_truth(truth)
    children = map_children(workspace, truth, unit_ids)
    return {unit: (1 - values[0], 1 - values[1]) for unit, values in children.items()}


def deprivation_ranks(truth: Path) -> dict[str, int]:
    """The IMD rank per LSOA the world was built on (real IoD 2019, or its simulation)."""
    path = truth / "deprivation.parquet"
    if not path.exists():
        raise ConfigError(
            "The truth folder has no deprivation.parquet",
            file=truth,
            fix="Give the truth/ folder of a world written by this version of `bakehouse world`",
        )
    table = duckdb.execute("SELECT lsoa11cd, imd_rank FROM read_parquet(?)", [str(path)]).fetchall()
    return {str(code): int(rank) for code, rank in table}
