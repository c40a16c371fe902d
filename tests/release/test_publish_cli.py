"""`bakehouse publish` end to end: from a predictions file to a release, and its refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.geography import load_area
from bakehouse.recipes.loader import recipe_path
from bakehouse.release.signing import ENV_KEY_FILE, generate_key

from .conftest import synthetic_predictions

runner = CliRunner()


@pytest.fixture(autouse=True)
def signing_key(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The partnership's signing key, found through the environment as a deployment sets it."""
    key = generate_key(tmp_path_factory.mktemp("keys") / "release-signing.key")
    monkeypatch.setenv(ENV_KEY_FILE, key.origin)


def _predictions(tmp_path: Path) -> Path:
    path = tmp_path / "predictions.parquet"
    pq.write_table(synthetic_predictions(load_area("basildon").lsoa_codes, 12, seed=9), path)
    return path


def test_publish_writes_a_checked_release_and_names_its_previous_one(tmp_path: Path) -> None:
    predictions = _predictions(tmp_path)
    out = tmp_path / "releases"
    args = ["publish", str(predictions), "--out", str(out), "--as-at", "2025-09-30"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "110 areas" in first.output
    (release,) = [p for p in out.iterdir()]
    manifest = json.loads((release / "manifest.json").read_text())
    assert manifest["as_at"] == "2025-09-30"
    assert manifest["area"] == {"name": "basildon", "district_codes": ["E07000066"]}
    assert manifest["methods"]["model_uncertainty"] == "none"

    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "already exists" in again.output

    drivers = tmp_path / "drivers.parquet"
    pq.write_table(
        pa.table(
            {
                "lsoa11cd": ["E01021237", "E01021237"],
                "feature": ["early_education_takeup", "housing_instability"],
                "contribution": [0.04, 0.02],
            }
        ),
        drivers,
    )
    second = runner.invoke(app, [*args, "--drivers", str(drivers)])
    assert second.exit_code == 0, second.output
    newest = max(
        out.iterdir(),
        key=lambda p: json.loads((p / "manifest.json").read_text())["run_id"] != manifest["run_id"],
    )
    newer = json.loads((newest / "manifest.json").read_text())
    assert newer["previous_release"] == manifest["release_id"]
    table = pq.read_table(newest / "drivers.parquet").to_pylist()
    assert [row["label"] for row in table] == ["early education takeup", "housing instability"]


def test_publish_refuses_predictions_without_probabilities_naming_the_column(
    tmp_path: Path,
) -> None:
    path = tmp_path / "predictions.parquet"
    pq.write_table(
        pa.table({"lsoa11cd": ["E01021237"], "cohort": pa.array([2026], pa.int32())}), path
    )
    result = runner.invoke(app, ["publish", str(path), "--out", str(tmp_path / "releases")])
    assert result.exit_code == 2
    assert "p_outcome" in result.output
    assert not (tmp_path / "releases").exists() or not any((tmp_path / "releases").iterdir())


def test_publish_with_a_recipe_applies_its_publication_rule_when_stricter(tmp_path: Path) -> None:
    recipe = tmp_path / "stricter.yaml"
    text = recipe_path("school-readiness").read_text(encoding="utf-8")
    recipe.write_text(
        text.replace("disclosure_threshold: 7 ", "disclosure_threshold: 10")
        .replace("  rounding: 5\n", "  rounding: 10\n")
        .replace('\nversion: "', '\nversion: "strict-'),
        encoding="utf-8",
    )
    out = tmp_path / "releases"
    args = ["publish", str(_predictions(tmp_path)), "--out", str(out), "--as-at", "2025-09-30"]
    result = runner.invoke(app, [*args, "--recipe", str(recipe)])
    assert result.exit_code == 0, result.output
    (release,) = list(out.iterdir())
    manifest = json.loads((release / "manifest.json").read_text())
    assert manifest["disclosure"]["threshold"] == 10 and manifest["disclosure"]["rounding"] == 10
    assert manifest["recipe"]["id"] == "school-readiness"
    assert manifest["recipe"]["version"].startswith("strict-")
    areas = pq.read_table(release / "areas.parquet")
    for column in ("observed_population", "observed_events", "future_population"):
        counts = [c for c in areas.column(column).to_pylist() if c is not None]
        assert counts and all(c == 0 or (c % 10 == 0 and c > 10) for c in counts), column

    both = runner.invoke(app, [*args, "--recipe", str(recipe), "--config", str(recipe)])
    assert both.exit_code == 2 and "--config" in both.output


def test_units_placed_outside_the_area_are_left_out_and_counted(tmp_path: Path) -> None:
    table = synthetic_predictions(load_area("basildon").lsoa_codes, 12, seed=9)
    codes = table.column("lsoa11cd").to_pylist()
    neighbours = ["E01021476"] * 12  # Castle Point, across the border
    codes[: len(neighbours)] = neighbours
    path = tmp_path / "predictions.parquet"
    pq.write_table(table.set_column(0, "lsoa11cd", pa.array(codes)), path)
    out = tmp_path / "releases"
    result = runner.invoke(app, ["publish", str(path), "--out", str(out), "--as-at", "2025-09-30"])
    assert result.exit_code == 0, result.output
    (release,) = list(out.iterdir())
    manifest = json.loads((release / "manifest.json").read_text())
    outside = manifest["methods"]["units_outside_area"]
    assert (outside["count"], outside["suppressed"]) == (10, False)
    areas = pq.read_table(release / "areas.parquet").column("lsoa11cd").to_pylist()
    assert "E01021476" not in areas


def test_a_release_for_the_wrong_area_is_refused_naming_the_area_that_holds_the_data(
    tmp_path: Path,
) -> None:
    # Predictions for Colchester published as Basildon's (the default area): before, the output
    # checker refused the empty areas' withheld cells, which said nothing of the cause.
    table = synthetic_predictions(load_area("colchester").lsoa_codes, 12, seed=9)
    codes = table.column("lsoa11cd").to_pylist()
    codes[:12] = ["E01021237"] * 12  # a few in Basildon
    path = tmp_path / "predictions.parquet"
    pq.write_table(table.set_column(0, "lsoa11cd", pa.array(codes)), path)
    out = tmp_path / "releases"
    result = runner.invoke(app, ["publish", str(path), "--out", str(out), "--as-at", "2025-09-30"])
    assert result.exit_code != 0
    said = " ".join(result.output.split())
    assert "12,392 of the 12,404 children" in said and "outside Basildon" in said
    assert "most live in colchester" in said and "(--area colchester)" in said
    assert not out.exists() or not any(out.iterdir())
    fixed = runner.invoke(
        app,
        ["publish", str(path), "--out", str(out), "--as-at", "2025-09-30", "--area", "colchester"],
    )
    assert fixed.exit_code == 0, fixed.output
