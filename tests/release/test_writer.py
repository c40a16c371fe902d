"""The release folder: laid out per the contract, hashed, written atomically."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bakehouse.errors import ConfigError
from bakehouse.release import writer
from bakehouse.release.writer import Documents

from .conftest import Built, publish_built

CONTRACT = {
    "manifest.json", "areas.parquet", "trend.parquet", "benchmarks.parquet", "drivers.parquet",
    "geometry.geojson", "model_card.md", "model_card.json", "transparency_record.md",
    "transparency_record.json", "fairness.json", "linkage_summary.json", "quality_summary.json",
}  # fmt: skip


def test_release_holds_exactly_the_contract_files_under_its_id(good_release: Path) -> None:
    assert good_release.name == "school-readiness-20251001-3f2a9c1d"
    assert {p.name for p in good_release.iterdir()} == CONTRACT


def test_manifest_lists_every_file_with_its_hash_and_the_checks_that_passed(
    good_release: Path,
) -> None:
    manifest = json.loads((good_release / "manifest.json").read_text())
    assert set(manifest["files"]) == CONTRACT - {"manifest.json"}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((good_release / name).read_bytes()).hexdigest() == digest
    assert manifest["checker"] == {
        "name": "bakehouse.release.checker",
        "version": "1",
        "passed": True,
    }
    assert manifest["checks"] and all(check["passed"] for check in manifest["checks"])
    assert manifest["disclosure"] == {
        "threshold": 7,
        "rounding": 5,
        "rule": "suppress 1-7, round others to 5",
    }
    assert manifest["cohorts"]["predicted"] == [2026, 2027, 2028]
    assert manifest["run_id"].startswith("3f2a9c1d") and manifest["format_version"] == 2


def test_manifest_carries_the_recipe_s_title_question_unit_and_words(good_release: Path) -> None:
    recipe = json.loads((good_release / "manifest.json").read_text())["recipe"]
    assert set(recipe) == {"id", "version", "sha256", "title", "question", "unit", "words"}
    assert recipe["title"] == "School readiness in the early years"
    assert recipe["question"].startswith("For each child living in the area at age 2 years 6")
    assert "\n" not in recipe["question"]
    assert recipe["unit"] == "child"
    assert recipe["words"] == {
        "unit": "child",
        "units": "children",
        "outcome": "not reaching a Good Level of Development at the end of Reception",
        "events": "children not ready for school",
        "event_rate": "share of children not ready for school",
        "population": "children aged 2 years 6 months living in the area",
        "coming": "the cohorts still to start school",
    }


def test_tables_use_outcome_neutral_column_names(good_release: Path) -> None:
    areas = pq.read_schema(good_release / "areas.parquet").names
    trend = pq.read_schema(good_release / "trend.parquet").names
    for column in ("observed_population", "observed_events", "future_population"):
        assert column in areas
    assert "expected_events" in areas
    assert {"population", "events"} <= set(trend)
    for name in areas + trend:
        assert "gld" not in name and "child" not in name and "ready" not in name, name


def test_documents_not_supplied_say_so_and_supplied_ones_are_kept(
    tmp_path: Path, basildon_built: Built
) -> None:
    fairness = {"groups": [], "reference": {"group": "all"}, "tolerance": [0.8, 1.25]}
    folder = publish_built(tmp_path, basildon_built, Documents(fairness=fairness))
    assert json.loads((folder / "fairness.json").read_text()) == fairness
    assert json.loads((folder / "model_card.json").read_text()) == {
        "status": "not produced by this run"
    }
    assert "Not produced by this run" in (folder / "transparency_record.md").read_text()


def test_a_failure_while_writing_leaves_the_previous_release_intact(
    tmp_path: Path, basildon_built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish_built(tmp_path, basildon_built)
    before = (first / "manifest.json").read_bytes()

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(writer, "_write_json", crash)
    with pytest.raises(OSError, match="disk full"):
        publish_built(tmp_path, basildon_built, replace=True)
    assert (first / "manifest.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [first.name]


def test_a_partial_folder_left_by_an_interrupted_run_is_cleared(
    tmp_path: Path, basildon_built: Built
) -> None:
    stale = tmp_path / "school-readiness-20251001-3f2a9c1d.partial"
    stale.mkdir()
    (stale / "areas.parquet").write_bytes(b"half written")
    folder = publish_built(tmp_path, basildon_built)
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]


def test_a_release_is_not_overwritten_unless_asked(tmp_path: Path, basildon_built: Built) -> None:
    publish_built(tmp_path, basildon_built)
    with pytest.raises(ConfigError, match="already exists"):
        publish_built(tmp_path, basildon_built)
    assert publish_built(tmp_path, basildon_built, replace=True).is_dir()
    assert len(list(tmp_path.iterdir())) == 1


def test_geometry_keeps_only_codes_and_names(good_release: Path) -> None:
    geometry = json.loads((good_release / "geometry.geojson").read_text())
    assert len(geometry["features"]) == 110
    assert {k for f in geometry["features"] for k in f["properties"]} == {"lsoa11cd", "lsoa11nm"}
    assert (good_release / "geometry.geojson").stat().st_size < 300_000
