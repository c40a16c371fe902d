"""Clerical review: the custodian labels a sample of the model's pairs, and precision and recall
are estimated from the labels, with intervals, where no truth exists.

The model's own estimates assume it is right about itself; real linkage teams check it by
looking at pairs. Each linkage run leaves its candidate pairs (one record standing for each
identity, the match weight and probability) in the custodian's folder of the workspace
(``review/candidate_pairs.parquet``). Then:

1. ``sample``: a stratified random sample of pairs, by match weight around the threshold: links
   well above it, links just above, non-links just below, non-links well below. The sample and
   the size of each stratum go into the custodian zone (``review_strata``, ``review_pairs``).
2. ``export``: the sampled pairs side by side (source, names, date of birth, sex, address,
   postcode of both records) in a CSV file in the custodian's folder, with a ``label`` column to
   fill in: ``match``, ``non-match`` or ``unsure``.
3. ``import``: the labels read back, strictly (every problem named by file, row and field).
4. ``estimate``: precision (the share of links that are true) and recall (the share of true
   pairs among the scored ones that are linked), each stratum's share of matches weighted by the
   stratum's size, with conservative 95% intervals from the labels' uncertainty (per stratum,
   seeded draws from the beta distributions of the Clopper-Pearson bounds). ``unsure`` labels
   are left out of the counts and reported.

What is estimated is pairwise, over the pairs blocking formed: a true pair that blocking never
compared is missed by the estimate as by the model. Nothing of the review reaches the analysis
zone, the audit log (counts only) or an error message (files, rows and fields only).
"""

from __future__ import annotations

import csv
import json
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bakehouse.custody.audit import AuditEvent
from bakehouse.custody.workspace import CUSTODIAN, REVIEW, REVIEW_PAIRS, Staging, Workspace
from bakehouse.errors import SchemaError, WorkspaceError
from bakehouse.linkage.measure import measured_over_candidates

PAIRS_FILE = REVIEW_PAIRS
EXPORTS = REVIEW
LABELS = ("match", "non-match", "unsure")
# Width, in match weight (bits), of the bands either side of the threshold.
BAND = 5.0
SIDES = ("a", "b")
SHOWN = ("source", "forename", "surname", "dob", "sex", "address", "postcode")


def write_candidate_pairs(
    con: duckdb.DuckDBPyConnection, pairs: pa.Table, run_id: str, target: Path
) -> int:
    """Write the run's scored pairs, each identity stood for by its first record (by token and
    person role, the order of ``rid``), to ``target`` (mode 0600). Needs ``lk_records`` and
    ``lk_record_identity``."""
    con.register("lk_review_pairs", pairs)
    table = con.sql(
        """WITH first AS (SELECT unique_id, min(rid) AS rid FROM lk_record_identity GROUP BY 1),
           rep AS (SELECT f.unique_id, r.token, r.person_role FROM first f
                   JOIN lk_records r USING (rid))
           SELECT $run AS run_id, a.token AS token_a, a.person_role AS role_a,
                  b.token AS token_b, b.person_role AS role_b, p.match_weight,
                  p.match_probability
           FROM lk_review_pairs p JOIN rep a ON a.unique_id = p.unique_id_l
           JOIN rep b ON b.unique_id = p.unique_id_r""",
        params={"run": run_id},
    ).to_arrow_table()
    con.unregister("lk_review_pairs")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pq.write_table(table, target)
    target.chmod(0o600)
    return int(table.num_rows)


@dataclass(frozen=True)
class Stratum:
    name: str
    low: float  # match weight, inclusive
    high: float  # exclusive
    linked: bool


def strata(threshold_weight: float) -> list[Stratum]:
    return [
        Stratum("links well above the threshold", threshold_weight + BAND, math.inf, True),
        Stratum("links just above the threshold", threshold_weight, threshold_weight + BAND, True),
        Stratum(
            "non-links just below the threshold", threshold_weight - BAND, threshold_weight, False
        ),
        Stratum("non-links well below the threshold", -math.inf, threshold_weight - BAND, False),
    ]


def _report(workspace: Workspace) -> dict[str, Any]:
    path = workspace.root / "reports" / "linkage.json"
    pairs = workspace.root / PAIRS_FILE
    if not path.is_file() or not pairs.is_file():
        raise WorkspaceError(
            "The workspace holds no linkage run to review",
            file=workspace.root,
            fix="Run `bakehouse link` first",
        )
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _labelled(workspace: Workspace) -> int:
    with duckdb.connect(str(workspace.custodian_db), read_only=True) as con:
        try:
            return int(con.execute("SELECT count(label) FROM review_pairs").fetchall()[0][0])
        except duckdb.CatalogException:
            return 0


def _staged_custodian(workspace: Workspace, staging: Staging) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(workspace.copy_into(staging, CUSTODIAN)))


@dataclass(frozen=True)
class SampleResult:
    sample_id: str
    run_id: str
    strata: list[dict[str, Any]]


def sample(
    workspace_root: Path, *, size: int = 50, seed: int = 1, replace: bool = False
) -> SampleResult:
    """Draw up to ``size`` pairs from each stratum of the last linkage run into the custodian
    zone. An earlier sample with labels is replaced only when ``replace`` is given."""
    if size < 1:
        raise SchemaError("The sample size must be at least 1", field="--size")
    workspace = Workspace(workspace_root)
    workspace.require_zones()
    with workspace.locked():
        document = _report(workspace)
        if not replace and _labelled(workspace) > 0:
            raise WorkspaceError(
                "The custodian zone holds a review sample with labels",
                file=workspace.custodian_db,
                fix="Estimate from it first, or pass --replace to draw a new sample",
            )
        run_id = str(document["run_id"])
        sample_id = f"{run_id}-{uuid.uuid4().hex[:6]}"
        bands = strata(float(document["threshold_match_weight"]))
        rows: list[dict[str, Any]] = []
        with workspace.change(sample_id) as staging:
            con = _staged_custodian(workspace, staging)
            try:
                rows = _draw(con, workspace.root / PAIRS_FILE, bands, sample_id, size, seed)
            finally:
                con.close()
        workspace.audit.append(
            AuditEvent(
                action="link.review.sample",
                outcome="committed",
                counts={"pairs_sampled": sum(int(r["sampled"]) for r in rows)},
                details={"sample_id": sample_id, "run_id": run_id},
            )
        )
    return SampleResult(sample_id, run_id, rows)


def _draw(
    con: duckdb.DuckDBPyConnection,
    pairs_file: Path,
    bands: list[Stratum],
    sample_id: str,
    size: int,
    seed: int,
) -> list[dict[str, Any]]:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cand AS SELECT * FROM read_parquet($p)",
        {"p": str(pairs_file)},
    )
    con.execute(
        """CREATE OR REPLACE TABLE review_strata (sample_id VARCHAR, run_id VARCHAR,
        stratum INTEGER, name VARCHAR, low_weight DOUBLE, high_weight DOUBLE, linked BOOLEAN,
        pairs BIGINT, sampled BIGINT)"""
    )
    con.execute(
        """CREATE OR REPLACE TABLE review_pairs (sample_id VARCHAR, pair_id INTEGER,
        stratum INTEGER, token_a VARCHAR, role_a VARCHAR, token_b VARCHAR, role_b VARCHAR,
        match_weight DOUBLE, match_probability DOUBLE, label VARCHAR, labelled_at TIMESTAMP)"""
    )
    out = []
    for number, band in enumerate(bands):
        where = "match_weight >= $low AND match_weight < $high"
        bounds = {
            "low": max(band.low, -1e9),
            "high": min(band.high, 1e9),
        }
        total = int(
            con.execute(f"SELECT count(*) FROM cand WHERE {where}", bounds).fetchall()[0][0]  # noqa: S608
        )
        con.execute(
            f"""INSERT INTO review_pairs
            SELECT $sample, NULL, $stratum, token_a, role_a, token_b, role_b, match_weight,
                   match_probability, NULL, NULL
            FROM cand WHERE {where}
            ORDER BY md5(CAST($seed AS VARCHAR) || token_a || role_a || token_b || role_b)
            LIMIT $size""",  # noqa: S608
            {**bounds, "sample": sample_id, "stratum": number, "seed": seed, "size": size},
        )
        drawn = min(size, total)
        con.execute(
            "INSERT INTO review_strata VALUES ($sample, (SELECT any_value(run_id) FROM cand), "
            "$stratum, $name, $low, $high, $linked, $pairs, $sampled)",
            {
                "sample": sample_id,
                "stratum": number,
                "name": band.name,
                "low": None if math.isinf(band.low) else band.low,
                "high": None if math.isinf(band.high) else band.high,
                "linked": band.linked,
                "pairs": total,
                "sampled": drawn,
            },
        )
        out.append({"stratum": band.name, "pairs": total, "sampled": drawn})
    # Pair ids in a shuffled order, so the reviewer does not see the strata in sequence.
    con.execute(
        """UPDATE review_pairs SET pair_id = n FROM (
             SELECT token_a AS ta, role_a AS ra, token_b AS tb, role_b AS rb,
                    row_number() OVER (ORDER BY md5(token_b || token_a || role_a || role_b)) AS n
             FROM review_pairs) s
           WHERE token_a = ta AND role_a = ra AND token_b = tb AND role_b = rb"""
    )
    return out


def export(workspace_root: Path, out: Path | None = None) -> Path:
    """Write the current sample side by side to a CSV in the custodian's folder (``out``, or
    ``review/<sample>.csv`` in the workspace), mode 0600, with an empty ``label`` column."""
    workspace = Workspace(workspace_root)
    workspace.require_zones()
    with duckdb.connect(str(workspace.custodian_db), read_only=True) as con:
        sample_id = _current_sample(con, workspace)
        shown = ", ".join(f"{side}.{name} AS {name}_{side}" for name in SHOWN for side in SIDES)
        rows = con.execute(
            f"""SELECT p.pair_id, s.name, round(p.match_probability, 4), {shown}
            FROM review_pairs p JOIN review_strata s USING (sample_id, stratum)
            JOIN identifiers a ON a.token = p.token_a AND a.person_role = p.role_a
            JOIN identifiers b ON b.token = p.token_b AND b.person_role = p.role_b
            ORDER BY p.pair_id"""  # noqa: S608
        ).fetchall()
    target = out or workspace.root / EXPORTS / f"{sample_id}.csv"
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    header = [
        "pair_id",
        "stratum",
        "match_probability",
        *(f"{name}_{side}" for name in SHOWN for side in SIDES),
        "label",
    ]
    with target.open("w", encoding="utf-8", newline="") as handle:
        target.chmod(0o600)
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([*("" if value is None else value for value in row), ""])
    return target


def _current_sample(con: duckdb.DuckDBPyConnection, workspace: Workspace) -> str:
    try:
        found = con.execute("SELECT DISTINCT sample_id FROM review_strata").fetchall()
    except duckdb.CatalogException:
        found = []
    if len(found) != 1:
        raise WorkspaceError(
            "The custodian zone holds no review sample",
            file=workspace.custodian_db,
            fix="Draw one with `bakehouse link review sample`",
        )
    return str(found[0][0])


def read_labels(path: Path, pair_ids: set[int]) -> dict[int, str]:
    """The labels in a review file, checked strictly: the header, every pair id (a whole number
    of the sample, once) and every label (one of LABELS, or empty for not yet reviewed).
    Errors name the file, row and field, never a value."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError:
        raise SchemaError("Cannot read the review file", file=path) from None
    labels: dict[int, str] = {}
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except (StopIteration, csv.Error, UnicodeDecodeError):
            raise SchemaError("The review file has no header row", file=path) from None
        for needed in ("pair_id", "label"):
            if needed not in header:
                raise SchemaError(
                    "The review file lacks a column",
                    file=path,
                    field=needed,
                    fix="Import the file `bakehouse link review export` wrote, with labels "
                    "filled in",
                )
        at_id, at_label = header.index("pair_id"), header.index("label")
        row_number = 1
        try:
            for row_number, row in enumerate(reader, start=1):
                labels.update(_label(row, row_number, path, at_id, at_label, pair_ids, labels))
        except (csv.Error, UnicodeDecodeError):
            raise SchemaError(
                "The review file is not CSV in UTF-8", file=path, row=row_number + 1
            ) from None
    return labels


def _label(
    row: list[str],
    number: int,
    path: Path,
    at_id: int,
    at_label: int,
    pair_ids: set[int],
    seen: dict[int, str],
) -> dict[int, str]:
    if len(row) <= max(at_id, at_label):
        raise SchemaError("The row has too few columns", file=path, row=number)
    text, label = row[at_id].strip(), row[at_label].strip().lower()
    if not text.isdigit() or int(text) not in pair_ids:
        raise SchemaError(
            "Not a pair id of the current sample",
            file=path,
            row=number,
            field="pair_id",
            fix="Keep the pair_id column as exported",
        )
    pair = int(text)
    if pair in seen:
        raise SchemaError("The pair appears twice", file=path, row=number, field="pair_id")
    if not label:
        return {}
    if label not in LABELS:
        raise SchemaError(
            "The label is not one of match, non-match, unsure (or empty)",
            file=path,
            row=number,
            field="label",
        )
    return {pair: label}


def import_labels(workspace_root: Path, path: Path) -> dict[str, int]:
    """Read a reviewed file into the custodian zone's sample; return counts per label."""
    workspace = Workspace(workspace_root)
    workspace.require_zones()
    with workspace.locked():
        with duckdb.connect(str(workspace.custodian_db), read_only=True) as con:
            sample_id = _current_sample(con, workspace)
            ids = {int(r[0]) for r in con.execute("SELECT pair_id FROM review_pairs").fetchall()}
        labels = read_labels(path, ids)
        with workspace.change(f"{sample_id}-labels-{uuid.uuid4().hex[:6]}") as staging:
            con = _staged_custodian(workspace, staging)
            try:
                con.register(
                    "new_labels",
                    pa.table(
                        {
                            "pair_id": pa.array(list(labels), pa.int32()),
                            "label": pa.array(list(labels.values()), pa.string()),
                        }
                    ),
                )
                con.execute(
                    "UPDATE review_pairs SET label = n.label, labelled_at = $now "
                    "FROM new_labels n WHERE review_pairs.pair_id = n.pair_id",
                    {"now": datetime.now(UTC).replace(tzinfo=None)},
                )
            finally:
                con.close()
        counts = {label: sum(1 for v in labels.values() if v == label) for label in LABELS}
        workspace.audit.append(
            AuditEvent(
                action="link.review.import",
                outcome="committed",
                counts=counts,
                details={"sample_id": sample_id},
            )
        )
    return counts


def estimate(
    workspace_root: Path, truth: Path | None = None, draws: int = 20_000
) -> dict[str, Any]:
    """Precision and recall from the labelled sample (see the module docstring), written into
    the linkage report; with ``truth`` (synthetic worlds), beside the same figures measured over
    every candidate pair."""
    workspace = Workspace(workspace_root)
    workspace.require_zones()
    with workspace.locked():
        document = _report(workspace)
        with duckdb.connect(str(workspace.custodian_db), read_only=True) as con:
            sample_id = _current_sample(con, workspace)
            counts = con.execute(
                """SELECT s.stratum, s.name, s.linked, s.pairs, s.sampled,
                          count(*) FILTER (WHERE p.label = 'match'),
                          count(*) FILTER (WHERE p.label = 'non-match'),
                          count(*) FILTER (WHERE p.label = 'unsure')
                   FROM review_strata s LEFT JOIN review_pairs p USING (sample_id, stratum)
                   GROUP BY ALL ORDER BY s.stratum"""
            ).fetchall()
            run_id = con.execute("SELECT any_value(run_id) FROM review_strata").fetchall()[0][0]
        if run_id != document["run_id"]:
            raise WorkspaceError(
                "The review sample was drawn from an earlier linkage run",
                file=workspace.custodian_db,
                fix="Draw a new sample with `bakehouse link review sample`",
            )
        rows = [
            {
                "stratum": name,
                "linked": bool(linked),
                "pairs": int(pairs),
                "sampled": int(sampled),
                "match": int(match),
                "non_match": int(non),
                "unsure": int(unsure),
            }
            for _, name, linked, pairs, sampled, match, non, unsure in counts
        ]
        result: dict[str, Any] = {
            "sample_id": sample_id,
            "strata": rows,
            **stratified_estimate(rows, draws=draws),
        }
        if truth is not None:
            result["measured"] = measured_over_candidates(
                workspace.custodian_db,
                workspace.root / PAIRS_FILE,
                truth,
                float(document["threshold"]),
            )
        document["review"] = result
        _rewrite_report(workspace, document)
    return result


def stratified_estimate(
    rows: list[dict[str, Any]], *, draws: int = 20_000, seed: int = 1
) -> dict[str, Any]:
    """Precision and recall with 95% intervals from per-stratum labels (see module docstring).
    A stratum with pairs but no decided label leaves the figures unestimated."""
    missing = [r["stratum"] for r in rows if r["pairs"] and not (r["match"] + r["non_match"])]
    if missing:
        return {
            "precision": None,
            "recall": None,
            "not_estimated": f"no decided labels in: {', '.join(missing)}",
        }
    pairs = np.array([r["pairs"] for r in rows], dtype=float)
    match = np.array([r["match"] for r in rows], dtype=float)
    other = np.array([r["non_match"] for r in rows], dtype=float)
    linked = np.array([r["linked"] for r in rows], dtype=bool)

    def figures(link_share: np.ndarray, other_share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        found = (link_share * pairs * linked).sum(axis=-1)
        missed = (other_share * pairs * ~linked).sum(axis=-1)
        return found / max((pairs * linked).sum(), 1), found / np.maximum(found + missed, 1e-12)

    share = match / np.maximum(match + other, 1)
    precision, recall = figures(share, share)
    # Each stratum's share of matches drawn as the two beta distributions whose quantiles are
    # the Clopper-Pearson bounds (a share of 1 when every label is a match, 0 when none is), so
    # the bounds of a weighted sum are conservative and reach 1 or 0 when the labels do.
    rng = np.random.default_rng(seed)
    low = _beta(rng, match, other + 1, draws)
    high = _beta(rng, match + 1, other, draws)
    precision_low, _ = figures(low, low)
    precision_high, _ = figures(high, high)
    _, recall_low = figures(low, high)
    _, recall_high = figures(high, low)
    return {
        "precision": round(float(precision), 5),
        "precision_interval": [_pct(precision_low, 2.5), _pct(precision_high, 97.5)],
        "recall": round(float(recall), 5),
        "recall_interval": [_pct(recall_low, 2.5), _pct(recall_high, 97.5)],
        "unsure": int(sum(r["unsure"] for r in rows)),
    }


def _beta(rng: np.random.Generator, a: np.ndarray, b: np.ndarray, draws: int) -> np.ndarray:
    """Beta(a, b) draws per stratum, where a parameter of 0 puts all weight on 0 or 1."""
    drawn = rng.beta(np.maximum(a, 1e-9), np.maximum(b, 1e-9), size=(draws, len(a)))
    return np.where(b == 0, 1.0, np.where(a == 0, 0.0, drawn))


def _pct(values: np.ndarray, q: float) -> float:
    return round(float(np.percentile(values, q)), 5)


def _rewrite_report(workspace: Workspace, document: dict[str, Any]) -> None:
    from bakehouse.linkage.report import render_html

    text = json.dumps(document, indent=2, default=str)
    page = render_html(document)
    with workspace.change(f"{document['run_id']}-review-{uuid.uuid4().hex[:6]}") as staging:
        for folder in ("reports", f"reports/runs/{document['run_id']}"):
            staging.path(f"{folder}/linkage.json").write_text(text, encoding="utf-8")
            staging.path(f"{folder}/linkage.html").write_text(page, encoding="utf-8")
