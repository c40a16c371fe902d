"""The release's table of added value: what the model found that services did not already
know, as disclosure-controlled figures only, checked by the output checker on its own."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bakehouse.modelling import baselines
from bakehouse.modelling.baselines import Inputs, Units
from bakehouse.modelling.documents import added_value_sentence
from bakehouse.release.added_value import added_value_table, flagged_not_most_deprived
from bakehouse.release.checker import Rules, check_release
from bakehouse.release.writer import Documents, write_release

from .conftest import RECIPE, RULES, Built, content_for, info_for

CHECKER_RULES = Rules(RULES.threshold, RULES.rounding, RULES.protection)


def _units(rng: np.random.Generator, n: int) -> tuple[Units, np.ndarray, np.ndarray]:
    rank = rng.integers(1, 32845, n)
    known = rng.random(n) < 0.3
    hidden = rng.standard_normal(n)
    log_odds = -1.0 + 0.7 * known + 0.8 * (rank < 8000) + 1.2 * hidden
    y = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(float)
    return Units(rank, known), y, 1 / (1 + np.exp(-log_odds))


def added_value_document(n: int = 1200) -> dict[str, Any]:
    """The training run's ``added_value.json`` for synthetic cohorts."""
    rng = np.random.default_rng(5)
    development, development_y, _ = _units(rng, n)
    test, test_y, test_p = _units(rng, n)
    coming, _, coming_p = _units(rng, n)
    measured = baselines.measure(
        Inputs(
            development=development,
            development_y=development_y,
            test=test,
            test_y=test_y,
            test_p=test_p,
            coming=coming,
            coming_p=coming_p,
            coming_draws=np.clip(coming_p + rng.normal(0, 0.02, (4, n)), 0.001, 0.999),
            capacity=0.1,
            resamples=60,
            seed=7,
            deprivation_simulated=False,
        )
    )
    published = baselines.publishable(measured, RULES)
    sentence = added_value_sentence(published, RECIPE.words)
    return {"made": True, "sentence": sentence, **published}


def _publish(out: Path, built: Built, document: dict[str, Any] | None) -> Path:
    areas = built.tables.areas
    figure = flagged_not_most_deprived(
        built.geography, areas.column("lsoa11cd").to_pylist(), areas.column("flagged").to_pylist()
    )
    content = replace(content_for(built), added_value=added_value_table(document, figure))
    info = replace(
        info_for(built),
        added_value={
            "made": document is not None,
            "model_better": None if document is None else document["model_better"],
            "sentence": added_value_sentence(document, RECIPE.words),
        },
    )
    path: Path = write_release(out, content, Documents(), info, RULES, 0.95)
    return path


@pytest.fixture
def with_added_value(tmp_path: Path, basildon_built: Built) -> Path:
    return _publish(tmp_path / "releases", basildon_built, added_value_document())


def _edit(folder: Path, change: Any) -> None:
    path = folder / "added_value.parquet"
    schema = pq.read_schema(path)
    rows = pq.read_table(path).to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


def _row(rows: list[dict[str, Any]], section: str, measure: str) -> dict[str, Any]:
    return next(r for r in rows if r["section"] == section and r["measure"] == measure)


def _failed(folder: Path) -> set[str]:
    return {c.name for c in check_release(folder, CHECKER_RULES).checks if not c.passed}


def test_a_release_with_its_added_value_passes_and_says_it_plainly(
    with_added_value: Path,
) -> None:
    verdict = check_release(with_added_value)
    assert verdict.passed, verdict.failures()
    checked = next(c for c in verdict.checks if c.name == "added_value_from_published_counts")
    assert checked.looked_at > 20
    manifest = json.loads((with_added_value / "manifest.json").read_text())
    assert "added_value.parquet" in manifest["files"]
    assert "the model places in the top 10%" in manifest["added_value"]["sentence"]
    rows = pq.read_table(with_added_value / "added_value.parquet").to_pylist()
    assert {r["section"] for r in rows} == {"ranking", "test", "coming"}


def test_unknown_to_services_counts_in_the_release_obey_the_disclosure_rule(
    with_added_value: Path,
) -> None:
    rows = pq.read_table(with_added_value / "added_value.parquet").to_pylist()
    counts = [r["count"] for r in rows if r["section"] in ("test", "coming")]
    assert any(count is not None for count in counts)
    for count in counts:
        assert count is None or count == 0 or (count % 5 == 0 and count > 7)


def test_a_count_tampered_to_three_is_refused(with_added_value: Path) -> None:
    _edit(with_added_value, lambda rows: _row(rows, "test", "unknown").update(count=3))
    assert "added_value_from_published_counts" in _failed(with_added_value)


def test_a_share_from_exact_counts_is_refused(with_added_value: Path) -> None:
    """A share the published counts do not give (the exact one) would undo their rounding."""

    def exact(rows: list[dict[str, Any]]) -> None:
        unknown = _row(rows, "test", "unknown")["count"]
        above = _row(rows, "test", "above_line")["count"]
        _row(rows, "test", "unknown_share")["value"] = (unknown + 2) / (above - 1)

    _edit(with_added_value, exact)
    assert _failed(with_added_value) == {"added_value_from_published_counts"}


def test_a_list_of_units_is_refused(with_added_value: Path) -> None:
    def listed(rows: list[dict[str, Any]]) -> None:
        rows.append(dict(_row(rows, "test", "unknown"), measure="unit_0017"))

    _edit(with_added_value, listed)
    assert "added_value_from_published_counts" in _failed(with_added_value)


def test_a_release_written_before_the_comparison_still_passes(good_release: Path) -> None:
    assert not (good_release / "added_value.parquet").exists()
    assert check_release(good_release).passed


def test_a_run_that_made_no_comparison_says_so_in_the_manifest(
    tmp_path: Path, basildon_built: Built
) -> None:
    path = _publish(tmp_path / "releases", basildon_built, None)
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["added_value"]["made"] is False
    assert "was not compared with what services already knew" in manifest["added_value"]["sentence"]
    assert check_release(path).passed


def test_flagged_areas_a_deprivation_ranking_would_have_missed_are_counted() -> None:
    from bakehouse.areas.counts import geography_of
    from bakehouse.geography import load_area, load_deprivation

    area = load_area("basildon")
    geography = geography_of(
        area, load_deprivation(area.lsoa_codes, None, np.random.default_rng(0))
    )
    assert geography.imd_score is not None
    codes = geography.codes
    by_need = [codes[i] for i in np.argsort(-geography.imd_score, kind="stable")]
    most = set(by_need[:3])
    least = set(by_need[-3:])
    assert flagged_not_most_deprived(geography, codes, [c in most for c in codes]) == (3, 0)
    assert flagged_not_most_deprived(geography, codes, [c in least for c in codes]) == (3, 3)


def test_an_area_count_that_is_not_the_areas_flagged_is_refused(
    tmp_path: Path, basildon_built: Built
) -> None:
    flagged = sum(bool(v) for v in basildon_built.tables.areas.column("flagged").to_pylist())
    table = added_value_table(added_value_document(), (flagged, 0))
    content = replace(content_for(basildon_built), added_value=table)
    path = write_release(
        tmp_path / "r", content, Documents(), info_for(basildon_built), RULES, 0.95
    )
    assert check_release(path).passed
    _edit(path, lambda rows: _row(rows, "areas", "flagged").update(count=flagged + 1))
    assert _failed(path) == {"added_value_from_published_counts"}
