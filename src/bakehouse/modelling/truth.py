"""Measurement against a synthetic world's truth (``--truth``): how far the model is from the best
any model could do.

Only this module reads a truth folder, and only to measure. Each child of the cohort is mapped to
the true person most of their records belong to (the custodian zone's record register gives each
token's file row; the truth names the person on every row). The best achievable AUC is the AUC of
the true probability of not reaching GLD, 1 - p_gld, on the same test children the model was
measured on (like for like), and also on every assessed child of the test cohorts in the truth.
The ECE of the true probabilities on the same children is the floor set by chance alone (one
draw of it; ``ece_of_true_probabilities_by_chance`` gives its median and range over many).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from bakehouse.errors import ConfigError
from bakehouse.modelling import metrics

TRUTH_FILES = ("children.parquet", "records.parquet")


def check_truth(truth: Path) -> None:
    missing = [name for name in TRUTH_FILES if not (truth / name).exists()]
    if missing:
        raise ConfigError(
            f"The truth folder has no {', '.join(missing)}",
            file=truth,
            fix="Give the truth/ folder of a world written by `bakehouse world`",
        )


def map_children(
    workspace: Path, truth: Path, child_ids: list[str]
) -> dict[str, tuple[float, bool, bool, int]]:
    """child id -> (true p_gld, true gld, assessed, true cohort), for children the truth knows."""
    con = duckdb.connect()
    con.execute("ATTACH ? AS az (READ_ONLY)", [str(workspace / "analysis.duckdb")])
    con.execute("ATTACH ? AS cz (READ_ONLY)", [str(workspace / "custodian.duckdb")])
    con.register("wanted", pa.table({"child_id": pa.array(child_ids, pa.string())}))
    rows = con.execute(
        """WITH found AS (
             SELECT l.person_id AS child_id, t.person_id AS true_id
             FROM wanted w JOIN az.person_links l ON l.person_id = w.child_id
             JOIN cz.records r ON r.token = l.token
             JOIN read_parquet(?) t ON t.source = r.source AND t.row_number = r.row_number
              AND t.person_role = l.person_role),
           chosen AS (SELECT child_id, mode(true_id) AS true_id FROM found GROUP BY 1)
        SELECT c.child_id, k.p_gld, k.gld, k.assessed, k.cohort
        FROM chosen c JOIN read_parquet(?) k ON k.person_id = c.true_id""",
        [str(truth / "records.parquet"), str(truth / "children.parquet")],
    ).fetchall()
    return {row[0]: (float(row[1]), bool(row[2]), bool(row[3]), int(row[4])) for row in rows}


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
    best_p = np.array([1 - known[c][0] if c in known else np.nan for c in child_ids])
    ys, ps, bs = y[keep].astype(float), p[keep], best_p[keep]
    indices = metrics.bootstrap_indices(len(ys), resamples, seed)
    gap = metrics.paired_difference(ys, ps, bs, metrics.auc, indices)
    agree = np.mean(
        [known[c][1] != bool(v) for c, v in zip(np.array(child_ids)[keep], y[keep], strict=True)]
    )
    children = duckdb.execute(
        "SELECT p_gld, gld FROM read_parquet(?) WHERE assessed AND list_contains(?, cohort)",
        [str(truth / "children.parquet"), test_cohorts],
    ).fetchnumpy()
    truth_auc = metrics.auc(~children["gld"].astype(bool), 1 - children["p_gld"])
    model_auc = metrics.auc(ys, ps)
    best_auc = metrics.auc(ys, bs)
    return {
        "children_measured": int(keep.sum()),
        "children_unmapped": int((~keep).sum()),
        "outcome_matches_truth": float(agree),
        "model_auc": model_auc,
        "best_achievable_auc": best_auc,
        "gap": best_auc - model_auc,
        "gap_interval": [-gap["high"], -gap["low"]],
        "best_achievable_auc_all_assessed": truth_auc,
        "assessed_in_truth": len(children["gld"]),
        "ece_of_true_probabilities": metrics.ece(ys, bs, ece_bins),
        "ece_of_true_probabilities_by_chance": metrics.ece_by_chance(bs, ece_bins, seed=seed),
        "note": "Best achievable: the AUC of the world's true probability of not reaching GLD on "
        "the same test children. The ECE of the true probabilities is what chance alone gave "
        "with this many children; by chance: its median and 95% range over outcomes drawn from "
        "the true probabilities.",
    }
