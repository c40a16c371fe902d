"""Clerical review: the custodian labels a stratified sample of the model's pairs, and precision
and recall are estimated from it. A reviewer is simulated from the synthetic world's truth, so
the estimate can be checked against the same figures measured over every pair."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from bakehouse.custody import PersonQuery, Workspace, add_optout, load_key
from bakehouse.errors import SchemaError, WorkspaceError
from bakehouse.linkage.measure import true_labels
from bakehouse.linkage.review import estimate, export, import_labels, sample, stratified_estimate
from bakehouse.world.noise import NoiseLevel

from .conftest import LinkedWorld

Linked = Callable[[NoiseLevel], LinkedWorld]


@pytest.fixture
def reviewed_copy(linked_world: Linked, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the small linked world's workspace (the review changes it), and its truth."""
    linked = linked_world(NoiseLevel.HIGH)
    workspace = tmp_path / "ws"
    shutil.copytree(linked.workspace, workspace)
    return workspace, linked.truth


def _label_as_the_truth_says(exported: Path, labels: dict[int, str]) -> None:
    with exported.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with exported.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "label": labels[int(row["pair_id"])]})


def test_estimate_from_a_labelled_sample_holds_the_measured_precision_and_recall(
    reviewed_copy: tuple[Path, Path],
) -> None:
    workspace, truth = reviewed_copy
    drawn = sample(workspace, size=80, seed=3)
    assert [row["sampled"] for row in drawn.strata] == [
        min(80, row["pairs"]) for row in drawn.strata
    ]
    exported = export(workspace)
    assert exported.parent == workspace / "review" and exported.stat().st_mode & 0o077 == 0
    _label_as_the_truth_says(exported, true_labels(workspace / "custodian.duckdb", truth))
    counts = import_labels(workspace, exported)
    assert counts["match"] + counts["non-match"] == sum(row["sampled"] for row in drawn.strata)
    result = estimate(workspace, truth)
    measured = result["measured"]
    for name in ("precision", "recall"):
        low, high = result[f"{name}_interval"]
        assert low <= measured[name] <= high, (name, result, measured)
        assert high - low < 0.1, (name, result)
    report = json.loads((workspace / "reports" / "linkage.json").read_text(encoding="utf-8"))
    assert report["review"]["precision"] == result["precision"]
    page = (workspace / "reports" / "linkage.html").read_text(encoding="utf-8")
    assert "Clerical review" in page


def test_nothing_of_the_review_reaches_the_analysis_zone_the_audit_log_or_the_report(
    reviewed_copy: tuple[Path, Path],
) -> None:
    workspace, truth = reviewed_copy
    sample(workspace, size=30)
    exported = export(workspace)
    _label_as_the_truth_says(exported, true_labels(workspace / "custodian.duckdb", truth))
    import_labels(workspace, exported)
    estimate(workspace)
    with exported.open(encoding="utf-8", newline="") as handle:
        shown = {
            value
            for row in csv.DictReader(handle)
            for key, value in row.items()
            if key.startswith(("forename", "surname", "address")) and len(value) >= 6
        }
    assert shown
    with duckdb.connect(str(workspace / "analysis.duckdb"), read_only=True) as con:
        tables = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
    assert not {name for name in tables if name.startswith("review")}
    for name in ("audit.jsonl", "reports/linkage.json", "reports/linkage.html"):
        text = (workspace / name).read_text(encoding="utf-8")
        assert not [value for value in shown if value in text], name


@pytest.mark.parametrize(
    ("change", "row", "field"),
    [
        (lambda rows: rows[1].__setitem__("label", "probably"), 2, "label"),
        (lambda rows: rows[2].__setitem__("pair_id", "99999"), 3, "pair_id"),
        (lambda rows: rows.append(dict(rows[0])), 5, "pair_id"),
    ],
)
def test_a_reviewed_file_with_a_bad_row_is_refused_naming_the_row_and_field(
    reviewed_copy: tuple[Path, Path],
    change: Callable[[list[dict[str, str]]], None],
    row: int,
    field: str,
) -> None:
    workspace, _ = reviewed_copy
    sample(workspace, size=1)
    exported = export(workspace)
    with exported.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4
    for each in rows:
        each["label"] = "match"
    change(rows)
    with exported.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(SchemaError) as raised:
        import_labels(workspace, exported)
    assert raised.value.row == row and raised.value.field == field
    assert "probably" not in raised.value.message and "99999" not in raised.value.message
    with duckdb.connect(str(workspace / "custodian.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(label) FROM review_pairs").fetchall() == [(0,)]


def test_a_labelled_sample_is_not_replaced_unless_asked(
    reviewed_copy: tuple[Path, Path],
) -> None:
    workspace, truth = reviewed_copy
    first = sample(workspace, size=5)
    exported = export(workspace)
    _label_as_the_truth_says(exported, true_labels(workspace / "custodian.duckdb", truth))
    import_labels(workspace, exported)
    with pytest.raises(WorkspaceError, match="with labels"):
        sample(workspace, size=5, seed=2)
    assert sample(workspace, size=5, seed=2, replace=True).sample_id != first.sample_id


def test_a_stratum_without_labels_leaves_the_figures_unestimated() -> None:
    rows = [
        {
            "stratum": "links",
            "linked": True,
            "pairs": 100,
            "match": 10,
            "non_match": 0,
            "unsure": 0,
        },
        {"stratum": "below", "linked": False, "pairs": 40, "match": 0, "non_match": 0, "unsure": 3},
    ]
    result = stratified_estimate(rows)
    assert result["precision"] is None and "below" in result["not_estimated"]


def test_an_objection_reaches_the_review_sample_its_export_and_the_scored_pairs(
    linked_world: Linked, tmp_path: Path
) -> None:
    linked = linked_world(NoiseLevel.HIGH)
    workspace, keys = tmp_path / "ws", tmp_path / "keys"
    shutil.copytree(linked.workspace, workspace)
    shutil.copytree(linked.key_file.parent, keys)  # the key with the anchors of this log
    key = load_key(keys / linked.key_file.name)
    sample(workspace, size=30, seed=5)
    exported = export(workspace)
    held_before = _tokens_held(workspace)
    with duckdb.connect(str(workspace / "custodian.duckdb"), read_only=True) as con:
        row = con.execute(
            "SELECT i.surname, i.forename, i.dob FROM review_pairs p JOIN identifiers i "
            "ON i.token = p.token_a AND i.person_role = p.role_a "
            "WHERE i.surname IS NOT NULL AND i.forename IS NOT NULL AND i.dob IS NOT NULL "
            "ORDER BY p.pair_id LIMIT 1"
        ).fetchone()
    assert row is not None
    surname, forename, dob = row
    result = add_optout(
        Workspace(workspace),
        key,
        PersonQuery(surname=surname, forename=forename.split(" ")[0], dob=dob),
        "OBJ-REVIEW-1",
        "Art. 21",
    )
    assert result.withdrawal is not None and result.withdrawal.review_pairs > 0
    assert result.withdrawal.review_exports == 1 and not exported.exists()
    tokens = held_before - _tokens_held(workspace)
    assert tokens
    with duckdb.connect(str(workspace / "custodian.duckdb"), read_only=True) as con:
        left = con.execute(
            "SELECT count(*) FROM review_pairs WHERE token_a IN (SELECT unnest($t)) "
            "OR token_b IN (SELECT unnest($t))",
            {"t": sorted(tokens)},
        ).fetchone()
    assert left == (0,)
    pairs = pq.read_table(workspace / "review" / "candidate_pairs.parquet")
    kept = set(pairs.column("token_a").to_pylist()) | set(pairs.column("token_b").to_pylist())
    assert not kept & tokens


def _tokens_held(workspace: Path) -> set[str]:
    with duckdb.connect(str(workspace / "custodian.duckdb"), read_only=True) as con:
        return {str(row[0]) for row in con.execute("SELECT token FROM records").fetchall()}
