"""Evaluations of interventions in a release: imported with it (each file's hash verified, the
output checker run again on them), kept as ``ReleaseEvaluation`` rows, and shown by
``published_evaluations`` only once a release is published, newest first. An evaluation the
manifest does not describe truly, or over too few areas, refuses the whole release."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bakehouse.evaluation import evaluate
from bakehouse.evaluation.plan import Design, EvaluationPlan
from bakehouse.evaluation.result import Result
from bakehouse.evaluation.simulate import Scenario, simulate_panel
from bakehouse.evaluation.workspace import keep_result
from bakehouse.release.evaluations import read_kept
from web.releases.evaluations import published_evaluations
from web.releases.importer import import_release
from web.releases.lifecycle import publish_release, withdraw_release
from web.releases.models import Release, ReleaseEvaluation
from web.releases.tests.builder import (
    ReleaseSpec,
    read_manifest,
    rehash,
    write_manifest,
    write_release,
)
from web.releases.verification import ReleaseRefused

pytestmark = pytest.mark.django_db

RECIPE = "school-readiness"


@pytest.fixture(scope="module")
def result() -> Result:
    panel = simulate_panel(Scenario(units=30, treated=6, effect=-0.08), 1)
    plan = EvaluationPlan(
        outcome="not reaching a Good Level of Development at the end of Reception",
        treated_units=sorted(panel.adoption),
        start=min(panel.adoption.values()),
        design=Design.DID,
        hypotheses="Fewer children are not ready for school.",
    )
    return evaluate(panel, plan)


def with_evaluation(folder: Path, result: Result, scratch: Path) -> Path:
    """``folder`` with ``result`` as `bakehouse evaluate --publish` keeps it and the writer
    carries it: flat files, the manifest's section, hashes, signature."""
    kept = read_kept(keep_result(scratch, RECIPE, result))
    files = kept.release_names()
    for kind, name in files.items():
        shutil.copy(kept.path(kind), folder / name)
    manifest = read_manifest(folder)
    manifest["evaluations"] = [
        {"plan_hash": result.plan_hash, "registration": result.registration, "files": files}
    ]
    write_manifest(folder, manifest)
    rehash(folder)
    return folder


@pytest.fixture
def evaluated_folder(release_folder: Path, result: Result, tmp_path: Path) -> Path:
    return with_evaluation(release_folder, result, tmp_path / "ws")


def refused(folder: Path) -> list[str]:
    with pytest.raises(ReleaseRefused) as refusal:
        import_release(folder)
    assert not Release.objects.exists()
    assert not ReleaseEvaluation.objects.exists()
    return refusal.value.problems


def test_an_evaluation_is_imported_with_its_release_and_shown_once_published(
    evaluated_folder: Path, result: Result
) -> None:
    release = import_release(evaluated_folder)
    [stored] = release.evaluations.all()
    assert stored.plan_hash == result.plan_hash
    assert stored.registration == "exploratory: not pre-registered"
    assert stored.is_exploratory
    assert stored.result["effect"] == pytest.approx(result.effect)
    assert stored.event_study_svg.lstrip().startswith("<?xml")
    assert stored.trajectories_csv.splitlines()[0] == "period,treated,comparison"
    assert not published_evaluations(result.plan_hash).exists()

    publish_release(release.id)

    assert list(published_evaluations(result.plan_hash)) == [stored]
    assert not published_evaluations("0" * 64).exists()


def test_the_newest_published_release_comes_first_and_a_withdrawn_one_not_at_all(
    tmp_path: Path, result: Result
) -> None:
    folders = [
        with_evaluation(
            write_release(tmp_path / f"r{i}", ReleaseSpec(created=created, run_id=run * 8)),
            result,
            tmp_path / f"ws{i}",
        )
        for i, (created, run) in enumerate((("20251001", "1a2b3c4d"), ("20260101", "5e6f7a8b")))
    ]
    older, newer = (publish_release(import_release(folder).id) for folder in folders)
    assert [e.release_id for e in published_evaluations(result.plan_hash)] == [newer.id, older.id]

    withdraw_release(newer.id, reason="A count was found unsafe.")

    assert [e.release_id for e in published_evaluations(result.plan_hash)] == [older.id]


def test_an_evaluation_file_the_manifest_does_not_describe_refuses_the_release(
    evaluated_folder: Path,
) -> None:
    manifest = read_manifest(evaluated_folder)
    del manifest["evaluations"]
    write_manifest(evaluated_folder, manifest)
    problems = refused(evaluated_folder)
    assert any("the manifest's evaluations do not list" in problem for problem in problems)


def test_a_registration_the_result_does_not_carry_refuses_the_release(
    evaluated_folder: Path,
) -> None:
    manifest = read_manifest(evaluated_folder)
    manifest["evaluations"][0]["registration"] = "pre-registered: frozen 2021-01-01 (plan x)"
    write_manifest(evaluated_folder, manifest)
    problems = refused(evaluated_folder)
    assert any("field registration" in problem for problem in problems)


def test_an_evaluation_over_two_areas_refuses_the_release_at_the_checker(
    evaluated_folder: Path, result: Result
) -> None:
    path = evaluated_folder / f"evaluation-{result.plan_hash[:12]}.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "n_treated": 2}))
    rehash(evaluated_folder)
    problems = refused(evaluated_folder)
    assert any(
        "evaluations_publishable" in problem and "n_treated 2" in problem for problem in problems
    )


def test_a_changed_evaluation_file_refuses_the_release_by_its_hash(
    evaluated_folder: Path, result: Result
) -> None:
    path = evaluated_folder / f"evaluation-{result.plan_hash[:12]}-trajectories.csv"
    path.write_text(path.read_text() + "2030,0.1,0.2\n")
    problems = refused(evaluated_folder)
    assert any("SHA-256 does not match" in problem for problem in problems)


def test_an_evaluation_whose_files_are_not_in_the_release_refuses_it(
    release_folder: Path, result: Result
) -> None:
    manifest = read_manifest(release_folder)
    short = result.plan_hash[:12]
    manifest["evaluations"] = [
        {
            "plan_hash": result.plan_hash,
            "registration": result.registration,
            "files": {
                "result": f"evaluation-{short}.json",
                "event_study_svg": f"evaluation-{short}-event_study.svg",
                "event_study_csv": f"evaluation-{short}-event_study.csv",
                "trajectories_svg": f"evaluation-{short}-trajectories.svg",
                "trajectories_csv": f"evaluation-{short}-trajectories.csv",
            },
        }
    ]
    write_manifest(release_folder, manifest)
    problems = refused(release_folder)
    assert f"evaluation-{short}.json is not in the release" in " ".join(problems)
