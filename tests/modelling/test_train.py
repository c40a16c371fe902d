"""Training end to end on a small linked world: what is written, what it says, and reuse."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.errors import AgreementViolation
from bakehouse.modelling import TrainOptions, TrainResult, train
from bakehouse.recipes import load_recipe

from .conftest import LinkedWorld, quick_recipe_text

PREDICTION_COLUMNS = [
    "lsoa11cd",
    "cohort",
    "split",
    "p_outcome",
    "p_outcome_se",
    "p_outcome_low",
    "p_outcome_high",
    "p_outcome_draws",
    "observed_outcome",
]


@pytest.fixture(scope="session")
def trained(
    small_linked_world: LinkedWorld, tmp_path_factory: pytest.TempPathFactory
) -> TrainResult:
    recipe = tmp_path_factory.mktemp("recipes") / "quick.yaml"
    recipe.write_text(quick_recipe_text(), encoding="utf-8")
    return train(
        TrainOptions(
            workspace=small_linked_world.workspace,
            recipe=load_recipe(recipe),
            truth=small_linked_world.truth,
        )
    )


def _copy_workspace(world: LinkedWorld, to: Path) -> Path:
    target = to / "ws"
    shutil.copytree(
        world.workspace, target, ignore=shutil.ignore_patterns("models", ".lock", ".staging")
    )
    return target


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    return [value]


def test_predictions_are_per_unit_without_any_identifier(trained: TrainResult) -> None:
    table = pq.read_table(trained.folder / "predictions.parquet")
    assert table.column_names == PREDICTION_COLUMNS
    rows = table.to_pylist()
    splits = {row["split"] for row in rows}
    assert (
        {"development", "test", "future"}
        <= splits
        <= {"development", "test", "future", "unobserved"}
    )
    assert all(0 < row["p_outcome"] < 1 for row in rows)
    future = [row for row in rows if row["split"] == "future"]
    assert future and all(row["observed_outcome"] is None for row in future)
    assert all(len(row["p_outcome_draws"]) == 4 for row in future)
    assert all(row["p_outcome_low"] <= row["p_outcome_high"] for row in future)
    drivers = pq.read_table(trained.folder / "drivers.parquet")
    assert drivers.column_names == [
        "lsoa11cd",
        "position",
        "feature",
        "label",
        "contribution",
        "text",
    ]
    assert all(value > 0 for value in drivers.column("contribution").to_pylist())


def test_the_model_card_and_transparency_record_carry_the_run_s_own_figures(
    trained: TrainResult,
) -> None:
    folder = trained.folder
    measured = json.loads((folder / "metrics.json").read_text())
    chosen = measured["chosen"]
    auc = measured["test"][chosen]["auc"]
    ece = measured["test"][chosen]["ece"]
    card_md = (folder / "model_card.md").read_text()
    card = json.loads((folder / "model_card.json").read_text())
    assert f"{auc['value']:.3f} ({auc['low']:.3f} to {auc['high']:.3f})" in card_md
    assert card["evaluation"]["headline"]["test_expected_calibration_error"].startswith(
        f"{ece['value']:.3f}"
    )
    assert trained.run_id in card_md
    truth = json.loads((folder / "truth.json").read_text())
    assert (
        f"{truth['best_achievable_auc']:.3f}"
        in card["synthetic_world_check"]["best_achievable_auc"]
    )
    # each figure is rounded to 5 decimals on its own, so the difference may be 1e-5 off
    assert truth["gap"] == pytest.approx(
        truth["best_achievable_auc"] - truth["model_auc"], abs=1e-5
    )
    world_check = card["synthetic_world_check"]
    assert world_check["auc_with_hindsight"] == f"{truth['hindsight_auc']:.3f}"
    assert world_check["gap_to_hindsight"].startswith(f"{truth['gap_to_hindsight']:.3f} (")
    for group in json.loads((folder / "fairness.json").read_text())["groups"]:
        if group["flagged"]:
            assert f"{group['attribute']}: {group['group']}" in card["fairness"]["flags"]

    record = json.loads((folder / "transparency_record.json").read_text())
    owner = record["tier_2"]["owner_and_responsibility"]
    assert owner["organisation"].startswith("Essex Centre for Data Analytics")
    assert owner["team"] == {"to_complete": "the team that runs the model"}
    assert "to_complete" in record["tier_1"]["contact"]
    assert f"AUC {auc['value']:.3f}" in record["tier_2"]["model_specification"]["performance"]
    record_md = (folder / "transparency_record.md").read_text()
    assert "**To complete:** the team that runs the model" in record_md
    for document in (card, record):
        assert all(isinstance(leaf, str | int | float) for leaf in _leaves(document))


def test_models_are_saved_as_text_and_every_file_matches_its_hash(trained: TrainResult) -> None:
    folder = trained.folder
    names = [p.name for p in folder.rglob("*") if p.is_file()]
    assert not [n for n in names if n.endswith((".pkl", ".pickle", ".joblib"))]
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "complete" and record["run_id"] == trained.run_id
    assert set(record["files"]) >= {"predictions.parquet", "model_card.md", "fairness.json"}
    final = record["headline"]["chosen"]
    assert any(name.startswith("final/") for name in record["files"])
    if final == "lightgbm":
        assert (folder / "final" / "lightgbm.txt").read_text().startswith("tree")
    fairness = json.loads((folder / "fairness.json").read_text())
    assert set(fairness) >= {"groups", "reference", "tolerance"}
    latest = json.loads((folder.parent / "latest.json").read_text())
    assert latest["run_id"] == trained.run_id


def test_a_rerun_with_the_same_inputs_reuses_the_run_and_a_changed_recipe_does_not(
    small_linked_world: LinkedWorld, trained: TrainResult, tmp_path: Path
) -> None:
    recipe = tmp_path / "quick.yaml"
    recipe.write_text("# the same recipe, commented\n" + quick_recipe_text(), encoding="utf-8")
    before = {p: p.stat().st_mtime_ns for p in trained.folder.rglob("*") if p.is_file()}
    again = train(
        TrainOptions(
            workspace=small_linked_world.workspace,
            recipe=load_recipe(recipe),
            truth=small_linked_world.truth,
        )
    )
    assert again.reused and again.run_id == trained.run_id
    assert {p: p.stat().st_mtime_ns for p in trained.folder.rglob("*") if p.is_file()} == before

    changed = tmp_path / "changed.yaml"
    changed.write_text(
        quick_recipe_text(**{"flag_share: 0.3": "flag_share: 0.25"}), encoding="utf-8"
    )
    other = train(
        TrainOptions(
            workspace=small_linked_world.workspace,
            recipe=load_recipe(changed),
            truth=small_linked_world.truth,
        )
    )
    assert not other.reused and other.run_id != trained.run_id
    latest = json.loads((other.folder.parent / "latest.json").read_text())
    assert latest["run_id"] == other.run_id
    assert trained.folder.exists()  # earlier runs are kept


def test_a_source_whose_agreement_does_not_list_the_purpose_stops_training(
    small_linked_world: LinkedWorld, tmp_path: Path, quick_recipe: Callable[..., Path]
) -> None:
    workspace = _copy_workspace(small_linked_world, tmp_path)
    with duckdb.connect(str(workspace / "analysis.duckdb")) as con:
        con.execute("UPDATE sources SET purposes = ['other'] WHERE source = 'police'")
    with pytest.raises(AgreementViolation, match="police") as caught:
        train(TrainOptions(workspace=workspace, recipe=load_recipe(quick_recipe())))
    assert "does not list 'school-readiness'" in caught.value.message
    assert not (workspace / "models").exists()


def test_train_from_the_command_line(
    small_linked_world: LinkedWorld, tmp_path: Path, quick_recipe: Callable[..., Path]
) -> None:
    workspace = _copy_workspace(small_linked_world, tmp_path)
    result = CliRunner().invoke(
        app, ["train", "--recipe", str(quick_recipe()), "--workspace", str(workspace)]
    )
    assert result.exit_code == 0, result.output
    assert "AUC" in result.output and "Artefacts:" in result.output
    result = CliRunner().invoke(
        app, ["train", "--recipe", "no-such-recipe", "--workspace", str(workspace)]
    )
    assert result.exit_code == 2
    assert "No recipe here" in result.output


def test_the_documents_pass_the_release_checker_s_identifier_rule(trained: TrainResult) -> None:
    """The release's output checker refuses JSON keys named like identifiers ("birth",
    "household", "claim"...): feature names appear only as values."""
    from bakehouse.release.checker import IDENTIFIER_NAME

    def keys(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [k for key, item in value.items() for k in (key, *keys(item))]
        if isinstance(value, list):
            return [k for item in value for k in keys(item)]
        return []

    for name in ("model_card.json", "transparency_record.json", "fairness.json"):
        document = json.loads((trained.folder / name).read_text())
        assert [key for key in keys(document) if IDENTIFIER_NAME.search(key)] == [], name


def test_the_published_documents_show_counts_as_the_release_rule_allows(
    trained: TrainResult,
) -> None:
    """The model card and transparency record go out with the release: every count in them is
    rounded to 5, or withheld from 1 to 7, like the release's own tables."""
    card = json.loads((trained.folder / "model_card.json").read_text())
    counts = [
        value
        for cohort in card["data"]["cohorts"].values()
        for value in (cohort["units"], cohort["with_outcome"])
    ]
    counts += [group["units"] for group in card["fairness"]["groups"].values()]
    counts += [point["units"] for point in card["evaluation"]["calibration_plot"].values()]
    assert counts
    for value in counts:
        assert value == "1 to 7 (withheld)" or (value % 5 == 0 and (value == 0 or value > 7))
    text = (trained.folder / "model_card.md").read_text() + (
        trained.folder / "transparency_record.md"
    ).read_text()
    numbers = re.findall(r"\b(\d{1,3}(?:,\d{3})+|\d+) (?:test )?children\b", text)
    assert numbers
    for number in numbers:
        assert int(number.replace(",", "")) % 5 == 0, f"{number} children is not rounded"


def test_the_run_says_plainly_what_the_model_found_beyond_deprivation_and_service_contact(
    trained: TrainResult,
) -> None:
    """The deprivation compared with is Basildon's real IoD 2019 (shipped, no files given), so
    the sentence has no caveat about it; the same sentence is in the model card, the
    transparency record and the release's shape of the comparison, whose counts follow the
    disclosure rule."""
    added = json.loads((trained.folder / "added_value.json").read_text())
    exact = json.loads((trained.folder / "added_value_exact.json").read_text())
    card = json.loads((trained.folder / "model_card.json").read_text())
    record = json.loads((trained.folder / "transparency_record.json").read_text())
    sentence = added["sentence"]
    assert added["made"] is True
    assert "the model places in the top 10%" in sentence
    assert "simulated" not in sentence
    assert exact["comparison"]["deprivation_simulated"] is False
    assert card["added_value"]["said_plainly"] == sentence
    assert record["tier_2"]["model_specification"]["added_value"] == sentence
    assert sentence in (trained.folder / "model_card.md").read_text()
    assert set(added["rankings"]) == {
        "model",
        "deprivation",
        "known_to_services",
        "deprivation_and_known",
    }
    assert exact["comparison"]["units"] == exact["invisible_need"]["units"] > 0
    for name in ("above_line", "unknown", "unknown_with_outcome"):
        value = added["invisible_need"][name]
        assert value is None or value == 0 or (value % 5 == 0 and value > 7)
    assert exact["invisible_need"]["above_line"] >= exact["invisible_need"]["unknown"]
    # On a synthetic world the same figures come from the truth beside them: the world's own
    # deprivation, and the best achievable ranking against the baselines.
    beside = exact["truth"]
    assert beside["units_mapped"] > 0.9 * exact["comparison"]["units"]
    assert set(beside["best_achievable"]["comparison"]["rankings"]) == set(added["rankings"])
    assert beside["coming"]["unknown_mapped"] <= beside["coming"]["unknown"]
    assert "model_auc_minus_world_deprivation" in card["synthetic_world_check"]["added_value"]
    headline = trained.record["headline"]
    assert headline["best_baseline"] == added["best_baseline"]
    assert headline["model_better_than_baselines"] == added["model_better"]


def test_the_run_measures_how_far_each_feature_moved_and_the_card_shows_what_moved(
    trained: TrainResult,
) -> None:
    """Every feature is compared between the development and the test cohorts; the model card
    lists those that moved and counts the others. The earliest cohort has no earlier cohorts'
    results, so the area's prior results are missing for it and fill in later: a major shift."""
    measured = json.loads((trained.folder / "metrics.json").read_text())
    features = json.loads((trained.folder / "features.json").read_text())["features"]
    split = measured["split"]
    stability = measured["stability"]
    assert [item["feature"] for item in stability] == [f["name"] for f in features]
    for item in stability:
        assert item["psi"] >= 0 and item["psi_first"] >= 0
        assert item["shift"] in {"stable", "moderate", "major"}
        assert item["first_development"]["cohorts"] == split["development"][:1]
        assert item["last_development"]["cohorts"] == split["development"][-1:]
        assert item["test"]["cohorts"] == split["test"]
        assert (
            item["development"]["units"] + item["development"]["missing"]
            == (measured["counts"]["development_units"])
        )
    moved = sorted(
        (item for item in stability if item["shift"] != "stable"),
        key=lambda i: -max(i["psi"], i["psi_first"]),
    )
    prior = next(item for item in stability if item["feature"] == "area_prior_not_gld")
    assert prior["shift"] == "major" and prior["first_development"]["mean"] is None
    card = json.loads((trained.folder / "model_card.json").read_text())["feature_stability"]
    assert [row["feature"] for row in card["moved"].values()] == [i["feature"] for i in moved]
    assert card["did_not_move"].startswith(
        f"{len(stability) - len(moved)} of the {len(stability)} features did not move"
    )
    text = (trained.folder / "model_card.md").read_text()
    assert "## Feature stability" in text
    assert f"| 1 | {moved[0]['feature']} |" in text
    assert "area_prior_not_gld moved far" in text
    assert "stability" in trained.record["seconds"]
