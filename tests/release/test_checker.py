"""The output checker: a good release passes; one unsafe cell anywhere and it is refused."""

from __future__ import annotations

import ast
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bakehouse.errors import ReleaseRefused
from bakehouse.release import checker
from bakehouse.release.checker import Rules, check_release
from bakehouse.release.writer import ReleaseContent

from .conftest import RULES, Built, content_for, info_for

CHECKER_RULES = Rules(RULES.threshold, RULES.rounding, RULES.protection)


def _edit(folder: Path, table: str, change: Callable[[list[dict[str, Any]]], None]) -> None:
    path = folder / table
    schema = pq.read_schema(path)
    rows = pq.read_table(path).to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


def _failed(folder: Path) -> set[str]:
    verdict = check_release(folder, CHECKER_RULES)
    return {c.name for c in verdict.checks if not c.passed}


def _first(rows: list[dict[str, Any]], **where: Any) -> dict[str, Any]:
    return next(
        r
        for r in rows
        if all(r[k] == v if v is not ... else r[k] is not None for k, v in where.items())
    )


def test_a_good_release_passes_every_check(good_release: Path) -> None:
    verdict = check_release(good_release)
    assert verdict.passed, verdict.failures()
    names = [c.name for c in verdict.checks]
    assert names == [
        "files_as_contract",
        "tables_match_contract",
        "counts_rounded_or_withheld",
        "withheld_cells_flagged",
        "rates_from_published_counts",
        "document_rates_from_published_counts",
        "nothing_from_withheld_counts",
        "no_recovery_by_subtraction",
        "no_disclosure_by_complement",
        "no_recovery_across_releases",
        "no_identifiers",
        "geometry_matches_areas",
        "added_value_from_published_counts",
        "evaluations_publishable",
    ]
    # No other release beside it; no table of added value (one written before it); and no
    # evaluation of an intervention.
    alone = {
        "no_recovery_across_releases",
        "added_value_from_published_counts",
        "evaluations_publishable",
    }
    assert all(c.looked_at > 0 for c in verdict.checks if c.name not in alone)


def test_one_unrounded_small_count_is_refused(good_release: Path) -> None:
    def leak(rows: list[dict[str, Any]]) -> None:
        row = _first(rows, kind="observed", events=None, population=...)
        row["events"], row["suppressed"] = 3, False

    _edit(good_release, "trend.parquet", leak)
    assert "counts_rounded_or_withheld" in _failed(good_release)


def test_a_tampered_rate_is_refused(good_release: Path) -> None:
    def nudge(rows: list[dict[str, Any]]) -> None:
        row = _first(rows, observed_rate=...)
        row["observed_rate"] += 0.01

    _edit(good_release, "areas.parquet", nudge)
    assert _failed(good_release) == {"rates_from_published_counts"}


def test_a_lone_withheld_cell_under_a_published_total_is_refused(good_release: Path) -> None:
    def unhide(rows: list[dict[str, Any]]) -> None:
        # Publish every cohort of one LSOA but one: the total then gives the last away.
        code = _first(rows, kind="observed", events=None)["lsoa11cd"]
        cells = [r for r in rows if r["lsoa11cd"] == code and r["kind"] == "observed"]
        for row in cells[1:]:
            row["events"], row["suppressed"] = 10, row["population"] is None
        cells[0]["events"], cells[0]["suppressed"] = None, True

    _edit(good_release, "trend.parquet", unhide)
    assert "no_recovery_by_subtraction" in _failed(good_release)


def test_a_cell_where_every_child_has_the_outcome_is_refused(good_release: Path) -> None:
    def everyone(rows: list[dict[str, Any]]) -> None:
        row = _first(rows, kind="observed", events=..., population=...)
        row["events"] = row["population"]

    _edit(good_release, "trend.parquet", everyone)
    assert "no_disclosure_by_complement" in _failed(good_release)


def test_a_pair_whose_complement_could_be_just_above_the_threshold_passes(
    good_release: Path,
) -> None:
    """10 of 15 may hide 8 or 9 who reached GLD (8 of 17 shows as 10 of 15): the published pair
    allows more than T, so it is not refused; 10 of 10 or 20 of 20 (at most 4) are."""
    release = checker._Release(good_release, Rules(threshold=7, rounding=5, protection=3))
    assert not release._telling_pair(10, 15)
    assert release._telling_pair(10, 10)
    assert release._telling_pair(20, 20)
    assert not release._telling_pair(0, 10)


def test_an_estimate_from_withheld_children_is_refused(good_release: Path) -> None:
    def withhold(rows: list[dict[str, Any]]) -> None:
        row = _first(rows, expected_rate=...)
        row["future_population"], row["future_suppressed"] = None, True

    _edit(good_release, "areas.parquet", withhold)
    failed = _failed(good_release)
    assert "nothing_from_withheld_counts" in failed


def test_text_that_looks_like_an_identifier_is_refused(good_release: Path) -> None:
    def write_nhs_number(rows: list[dict[str, Any]]) -> None:
        rows[0]["summary"] = "Ask about 943 476 5919."

    _edit(good_release, "areas.parquet", write_nhs_number)
    assert _failed(good_release) == {"no_identifiers"}


def test_ten_digits_inside_a_hash_are_not_taken_for_an_nhs_number(good_release: Path) -> None:
    # A run id or file hash can hold ten digits in a row; an NHS number stands alone.
    (good_release / "quality_summary.json").write_text(
        json.dumps({"ingest_run": "sha256 a5503592751d2cf8", "rows": 10})
    )
    assert _failed(good_release) == set()
    (good_release / "quality_summary.json").write_text(json.dumps({"note": "NHS:9434765919."}))
    assert _failed(good_release) == {"no_identifiers"}


def test_an_identifier_in_a_document_is_refused(good_release: Path) -> None:
    (good_release / "quality_summary.json").write_text(
        json.dumps({"rows": 10, "postcode": "SS14 1AA"})
    )
    assert _failed(good_release) == {"no_identifiers"}


def test_an_extra_file_or_column_is_refused(good_release: Path) -> None:
    (good_release / "children.parquet").write_bytes(b"")
    assert "files_as_contract" in _failed(good_release)
    (good_release / "children.parquet").unlink()
    table = pq.read_table(good_release / "drivers.parquet")
    pq.write_table(
        table.append_column("person_id", pa.array([], pa.int64())), good_release / "drivers.parquet"
    )
    assert "tables_match_contract" in _failed(good_release)


def test_unrounded_fairness_group_sizes_are_refused(good_release: Path) -> None:
    fairness = {"groups": [{"attribute": "sex", "group": "F", "size": 1203}], "reference": {}}
    (good_release / "fairness.json").write_text(json.dumps(fairness))
    assert _failed(good_release) == {"counts_rounded_or_withheld"}


def test_the_writer_refuses_a_release_with_one_unsafe_cell_and_publishes_nothing(
    tmp_path: Path, basildon_built: Built
) -> None:
    content = content_for(basildon_built)
    rows = content.areas.to_pylist()
    rows[0]["observed_population"] = 123  # not a multiple of 5
    unsafe = ReleaseContent(
        pa.Table.from_pylist(rows, schema=content.areas.schema),
        content.trend,
        content.benchmarks,
        content.drivers,
        content.geometry,
    )
    from bakehouse.release.writer import Documents, write_release

    out = tmp_path / "releases"
    with pytest.raises(ReleaseRefused, match="counts_rounded_or_withheld"):
        write_release(out, unsafe, Documents(), info_for(basildon_built), RULES, 0.95)
    assert list(out.iterdir()) == []


def test_the_checker_shares_no_code_with_the_suppressor() -> None:
    source = Path(checker.__file__).read_text(encoding="utf-8")
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert not any(name.startswith("bakehouse") for name in imported), imported


def test_a_checked_release_can_be_rechecked_from_its_manifest(
    good_release: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(good_release, copy)
    assert check_release(copy).passed


def test_a_fairness_rate_not_from_its_published_counts_is_refused(good_release: Path) -> None:
    path = good_release / "fairness.json"
    data = json.loads(path.read_text())
    group = next(g for g in data["groups"] if g["fnr"] is not None)
    group["fnr"] = round(group["fnr"] + 0.001, 4)  # an exact rate beside rounded counts
    path.write_text(json.dumps(data))
    assert _failed(good_release) == {"document_rates_from_published_counts"}


def test_a_fairness_group_with_one_count_withheld_under_its_sum_is_refused(
    good_release: Path,
) -> None:
    path = good_release / "fairness.json"
    data = json.loads(path.read_text())
    group = next(g for g in data["groups"] if g["missed"] is not None)
    group["missed"], group["fnr"], group["fnr_interval"] = None, None, [None, None]
    group["fnr_ratio"], group["fnr_ratio_interval"] = None, [None, None]
    path.write_text(json.dumps(data))
    assert "document_rates_from_published_counts" in _failed(good_release)


def test_a_share_in_a_summary_without_its_counts_is_refused(good_release: Path) -> None:
    path = good_release / "quality_summary.json"
    data = json.loads(path.read_text())
    data["sources"][0]["share_placed_in_an_lsoa"] = 0.9529
    path.write_text(json.dumps(data))
    assert _failed(good_release) == {"document_rates_from_published_counts"}


def _beside(release: Path, edit: Callable[[list[dict[str, Any]]], None]) -> Path:
    """Another release of the same area beside ``release``, its trend edited."""
    other = release.parent / "school-readiness-20261001-aaaaaaaa"
    shutil.copytree(release, other)
    _edit(other, "trend.parquet", edit)
    return other


def test_a_count_that_moved_by_one_child_since_an_earlier_release_is_refused(
    good_release: Path,
) -> None:
    def one_fewer(rows: list[dict[str, Any]]) -> None:
        row = _first(rows, kind="observed", population=...)
        row["population"] += 5  # 20 then 25: from 23 down to 22, one child

    _beside(good_release, one_fewer)
    assert "no_recovery_across_releases" in _failed(good_release)


def test_a_release_identical_to_the_one_beside_it_passes(good_release: Path) -> None:
    _beside(good_release, lambda rows: None)
    verdict = check_release(good_release, CHECKER_RULES)
    assert verdict.passed, verdict.failures()
    across = next(c for c in verdict.checks if c.name == "no_recovery_across_releases")
    assert across.looked_at > 0


def test_a_ratio_interval_not_from_the_published_counts_is_refused(good_release: Path) -> None:
    """A bootstrap interval from exact counts, in place of the one the published counts give."""
    path = good_release / "fairness.json"
    data = json.loads(path.read_text())
    group = next(g for g in data["groups"] if g["fnr_ratio_interval"][0] is not None)
    low, high = group["fnr_ratio_interval"]
    group["fnr_ratio_interval"] = [round(low + 0.01, 4), round(high - 0.01, 4)]
    path.write_text(json.dumps(data))
    assert _failed(good_release) == {"document_rates_from_published_counts"}
