"""`bakehouse run` (ingest, link, train, publish): one command from extracts to a checked
release, and a rerun that reuses every stage."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.custody import init_key
from bakehouse.geography.deprivation import SHIPPED
from bakehouse.recipes import load_recipe
from bakehouse.release.checker import DOCUMENT_FILES
from bakehouse.release.signing import generate_key
from bakehouse.run import RunOptions, RunResult, StageMeter, run
from bakehouse.world.config import WorldConfig
from bakehouse.world.generate import generate

from .conftest import quick_recipe_text

# The official files' format, as `--iod` takes for an area outside Essex: the shipped extract.
IOD_DIR = SHIPPED


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("run")
    world = root / "world"
    generate(WorldConfig(area="basildon", seed=3, scale=0.1), world)
    recipe = root / "recipe.yaml"
    recipe.write_text(quick_recipe_text(), encoding="utf-8")
    return {
        "root": root,
        "world": world,
        "recipe": recipe,
        "key": init_key(root / "key" / "custodian.key"),
    }


@pytest.fixture(scope="module")
def first_run(setting: dict[str, Path]):  # type: ignore[no-untyped-def]
    options = RunOptions(
        sources=setting["world"],
        workspace=setting["root"] / "ws",
        out=setting["root"] / "releases",
        recipe=load_recipe(setting["recipe"]),
        key_file=setting["key"],
        truth=setting["world"] / "truth",
    )
    return options, run(options)


def test_run_writes_a_checked_release_with_every_document(first_run) -> None:  # type: ignore[no-untyped-def]
    _, result = first_run
    release = result.release
    manifest = json.loads((release.path / "manifest.json").read_text())
    assert manifest["checks"] and all(check["passed"] for check in manifest["checks"])
    assert release.areas == 110
    for name in DOCUMENT_FILES:
        if name.endswith(".json"):
            content = json.loads((release.path / name).read_text())
            assert content.get("status") != "not produced by this run", name
    assert set(result.seconds) == {"ingest", "link", "train", "publish", "total"}
    assert not result.model_reused and not release.reused


def test_the_release_says_what_the_model_found_beyond_deprivation_and_service_contact(
    first_run: tuple[RunOptions, RunResult],
) -> None:
    """With the IoD files the comparison reads real deprivation (no simulated caveat), and the
    release's table holds the flagged areas a deprivation ranking would have missed."""
    _, result = first_run
    path = result.release.path
    manifest = json.loads((path / "manifest.json").read_text())
    sentence = manifest["added_value"]["sentence"]
    assert manifest["added_value"]["made"] is True
    assert "the model places in the top 10%" in sentence
    assert "simulated" not in sentence
    assert sentence in (path / "model_card.md").read_text()
    rows = pq.read_table(path / "added_value.parquet").to_pylist()
    areas = {r["measure"]: r["count"] for r in rows if r["section"] == "areas"}
    assert areas["flagged"] == result.release.flagged
    assert 0 <= areas["flagged_not_most_deprived"] <= areas["flagged"]


def test_the_release_summaries_carry_the_runs_figures(first_run) -> None:  # type: ignore[no-untyped-def]
    options, result = first_run
    linkage = json.loads((result.release.path / "linkage_summary.json").read_text())
    quality = json.loads((result.release.path / "quality_summary.json").read_text())
    report = json.loads((options.workspace / "reports" / "linkage.json").read_text())
    assert linkage["linkage_run"] == result.link_run_id
    assert linkage["totals"]["people"] == 5 * round(report["counts"]["persons"] / 5)
    assert linkage["measured_against_the_synthetic_truth"]
    assert quality["ingest_run"] == result.ingest_run_id
    assert quality["every_row_accounted_for"] is True
    assert len(quality["sources"]) == 7


def test_the_run_report_gives_each_stages_time_and_memory_and_no_person(first_run) -> None:  # type: ignore[no-untyped-def]
    options, result = first_run
    assert result.report == options.workspace / "reports" / f"run-{options.recipe.recipe.id}.json"
    report = json.loads(result.report.read_text())
    assert report["release"] == result.release.release_id
    assert set(report["seconds"]) == set(report["peak_bytes"]) == {*result.seconds}
    assert set(report["cpu_seconds"]) == {*result.seconds}
    assert all(report["cpu_seconds"][stage] > 0 for stage in report["cpu_seconds"])
    assert report["seconds"]["total"] == pytest.approx(
        sum(report["seconds"][stage] for stage in ("ingest", "link", "train", "publish")), abs=0.05
    )
    # Linkage holds the most in memory; every stage holds at least the interpreter.
    assert all(report["peak_bytes"][stage] > 50 * 1024**2 for stage in report["peak_bytes"])
    assert report["peak_bytes"]["total"] == max(report["peak_bytes"].values())
    assert report["reused"] == {"ingest": False, "link": False, "train": False, "publish": False}
    assert report["persons"] > 0 and report["rows_in"] > 0
    # Counts and times only: no token, name or identifier of anyone.
    assert set(report) == {
        "recipe", "area", "started_at", "release", "reused", "rows_in", "persons", "households",
        "seconds", "cpu_seconds", "peak_bytes",
    }  # fmt: skip


def test_a_stage_meter_sees_the_memory_a_stage_held_and_let_go() -> None:
    held = 400 * 1024**2
    with StageMeter(interval=0.05) as first:
        block = np.ones(held // 8)  # written, so resident
        del block
    with StageMeter(interval=0.05) as second:
        pass
    assert first.peak_bytes >= held
    assert second.peak_bytes < first.peak_bytes - held // 2
    assert first.seconds > 0 and second.seconds >= 0
    assert first.cpu_seconds > 0


def test_a_rerun_reuses_every_stage(first_run) -> None:  # type: ignore[no-untyped-def]
    options, result = first_run
    again = run(options)
    assert again.ingest_run_id == result.ingest_run_id
    assert again.link_run_id == result.link_run_id
    assert again.model_reused and again.train_run_id == result.train_run_id
    assert again.release.reused and again.release.path == result.release.path
    report = json.loads(again.report.read_text())
    assert report["reused"] == {"ingest": True, "link": True, "train": True, "publish": True}


def test_an_area_without_deprivation_figures_is_shrunk_towards_the_district(
    setting: dict[str, Path], first_run, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    options, first = first_run
    manifest = json.loads((first.release.path / "manifest.json").read_text())
    assert manifest["methods"]["shrinkage"]["prior"] == "deprivation"  # Essex's are shipped
    # An area outside Essex, with no --iod: no real deprivation anywhere.
    for module in ("bakehouse.areas.config", "bakehouse.geography.deprivation"):
        monkeypatch.setattr(f"{module}.iod_folder", lambda codes, given: None)
    result = run(replace(options, iod_dir=None))
    manifest = json.loads((result.release.path / "manifest.json").read_text())
    assert manifest["methods"]["shrinkage"]["prior"] == "district"


def test_the_command_prints_the_release(first_run, setting: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    options, result = first_run
    arguments = [
        "run",
        "--recipe", str(setting["recipe"]),
        "--sources", str(setting["world"]),
        "--workspace", str(options.workspace),
        "--out", str(options.out),
        "--key-file", str(setting["key"]),
        "--truth", str(setting["world"] / "truth"),
        "--iod", str(IOD_DIR),
        "--signing-key", str(generate_key(setting["key"].parent / "signing.key").origin),
    ]  # fmt: skip
    outcome = CliRunner().invoke(app, arguments)
    assert outcome.exit_code == 0, outcome.output
    assert result.release.release_id in outcome.output
    assert "identical to the release already there" in outcome.output


def test_the_areas_command_writes_the_tables_the_release_publishes(
    first_run, setting: dict[str, Path]
) -> None:  # type: ignore[no-untyped-def]
    options, result = first_run
    arguments = [
        "areas",
        "--recipe", str(setting["recipe"]),
        "--workspace", str(options.workspace),
    ]  # fmt: skip
    outcome = CliRunner().invoke(app, arguments)
    assert outcome.exit_code == 0, outcome.output
    assert "could use additional support" in outcome.output
    folder = options.workspace / "areas" / "school-readiness" / result.train_run_id[:16]
    written = pq.read_table(folder / "areas.parquet")
    published = pq.read_table(result.release.path / "areas.parquet")
    assert written.equals(published)
