"""Evaluations of interventions in a release: kept in the workspace, carried as flat files with
the manifest's ``evaluations`` section, held to the rule that no group mean is over fewer than
three areas by the writer and, on its own, by the output checker."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bakehouse.errors import ConfigError, ReleaseRefused
from bakehouse.evaluation import evaluate
from bakehouse.evaluation.plan import Design, EvaluationPlan
from bakehouse.evaluation.result import Result
from bakehouse.evaluation.simulate import Scenario, simulate_panel
from bakehouse.evaluation.workspace import keep_result
from bakehouse.release import checker
from bakehouse.release.evaluations import kept_evaluations
from bakehouse.release.writer import Documents, write_release

from .conftest import RULES, Built, content_for, info_for

RECIPE = "school-readiness"


def evaluated(treated: int = 6, seed: int = 1) -> Result:
    panel = simulate_panel(Scenario(units=30, treated=treated, effect=-0.08), seed)
    adoption = panel.adoption
    plan = EvaluationPlan(
        outcome="not ready for school",
        treated_units=sorted(adoption),
        start=min(adoption.values()),
        design=Design.DID,
        hypotheses="Fewer children are not ready for school.",
    )
    return evaluate(panel, plan)


@pytest.fixture(scope="module")
def result() -> Result:
    return evaluated()


def release_with(tmp_path: Path, built: Built, workspace: Path) -> Path:
    content = replace(content_for(built), evaluations=tuple(kept_evaluations(workspace, RECIPE)))
    return write_release(tmp_path / "out", content, Documents(), info_for(built), RULES, 0.95)


def evaluations_check(folder: Path) -> checker.Check:
    verdict = checker.check_release(folder, checker.Rules(RULES.threshold, RULES.rounding, 3))
    return next(c for c in verdict.checks if c.name == "evaluations_publishable")


def test_a_kept_evaluation_travels_in_the_release_listed_and_hashed(
    tmp_path: Path, basildon_built: Built, result: Result
) -> None:
    workspace = tmp_path / "ws"
    kept = keep_result(workspace, RECIPE, result)
    assert kept == workspace / "evaluations" / RECIPE / result.plan_hash[:12]

    folder = release_with(tmp_path, basildon_built, workspace)

    manifest = json.loads((folder / "manifest.json").read_text())
    short = result.plan_hash[:12]
    assert manifest["evaluations"] == [
        {
            "plan_hash": result.plan_hash,
            "registration": "exploratory: not pre-registered",
            "files": {
                "result": f"evaluation-{short}.json",
                "event_study_svg": f"evaluation-{short}-event_study.svg",
                "event_study_csv": f"evaluation-{short}-event_study.csv",
                "trajectories_svg": f"evaluation-{short}-trajectories.svg",
                "trajectories_csv": f"evaluation-{short}-trajectories.csv",
            },
        }
    ]
    for name in manifest["evaluations"][0]["files"].values():
        assert name in manifest["files"]
    assert json.loads((folder / f"evaluation-{short}.json").read_text())["effect"] == result.effect
    assert evaluations_check(folder).passed
    assert evaluations_check(folder).looked_at == 1


def test_a_release_without_evaluations_has_no_section(
    tmp_path: Path, basildon_built: Built
) -> None:
    folder = release_with(tmp_path, basildon_built, tmp_path / "empty-ws")
    assert "evaluations" not in json.loads((folder / "manifest.json").read_text())


def test_keeping_the_same_result_again_gives_the_same_bytes(tmp_path: Path, result: Result) -> None:
    first = keep_result(tmp_path / "ws", RECIPE, result)
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    again = keep_result(tmp_path / "ws", RECIPE, result)
    assert {p.name: p.read_bytes() for p in again.iterdir()} == before
    assert sorted(p.name for p in again.parent.iterdir()) == [again.name]


def test_an_evaluation_over_two_treated_areas_is_not_kept(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="fewer than 3 areas"):
        keep_result(tmp_path / "ws", RECIPE, evaluated(treated=2))
    assert not (tmp_path / "ws" / "evaluations" / RECIPE).exists()


def test_the_writer_refuses_a_kept_evaluation_changed_to_two_areas_and_publishes_nothing(
    tmp_path: Path, basildon_built: Built, result: Result
) -> None:
    workspace = tmp_path / "ws"
    kept = keep_result(workspace, RECIPE, result)
    evaluations = tuple(kept_evaluations(workspace, RECIPE))
    document = json.loads((kept / "result.json").read_text())
    (kept / "result.json").write_text(json.dumps({**document, "n_treated": 2}))
    content = replace(content_for(basildon_built), evaluations=evaluations)
    with pytest.raises(ReleaseRefused, match="fewer than 3 areas"):
        write_release(tmp_path / "out", content, Documents(), info_for(basildon_built), RULES, 0.95)
    assert list((tmp_path / "out").iterdir()) == []


@pytest.fixture
def published(tmp_path: Path, basildon_built: Built, result: Result) -> tuple[Path, str]:
    workspace = tmp_path / "ws"
    keep_result(workspace, RECIPE, result)
    folder = release_with(tmp_path, basildon_built, workspace)
    return folder, f"evaluation-{result.plan_hash[:12]}"


def rewrite_result(folder: Path, stem: str, **changes: object) -> None:
    path = folder / f"{stem}.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_the_checker_refuses_an_evaluation_over_two_treated_areas(
    published: tuple[Path, str],
) -> None:
    folder, stem = published
    rewrite_result(folder, stem, n_treated=2)
    check = evaluations_check(folder)
    assert not check.passed
    assert "n_treated 2" in check.findings[0]


def test_the_checker_refuses_a_result_that_carries_a_count(published: tuple[Path, str]) -> None:
    folder, stem = published
    rewrite_result(folder, stem, treated_population=143)
    assert "treated_population" in evaluations_check(folder).findings[0]


def test_the_checker_refuses_a_table_whose_csv_differs_from_its_result(
    published: tuple[Path, str],
) -> None:
    folder, stem = published
    path = folder / f"{stem}-trajectories.csv"
    path.write_text(path.read_text().replace("\n", ",extra\n", 1))
    assert evaluations_check(folder).findings == [
        f"{stem}-trajectories.csv does not hold exactly its result's table"
    ]


def test_the_checker_refuses_a_drawing_with_a_script(published: tuple[Path, str]) -> None:
    folder, stem = published
    path = folder / f"{stem}-event_study.svg"
    path.write_text(path.read_text().replace("</svg>", "<script>alert(1)</script></svg>"))
    assert evaluations_check(folder).findings == [f"{stem}-event_study.svg holds a script element"]


def test_the_checker_refuses_an_evaluation_missing_a_file(published: tuple[Path, str]) -> None:
    folder, stem = published
    (folder / f"{stem}-trajectories.svg").unlink()
    assert evaluations_check(folder).findings == [f"{stem}: {stem}-trajectories.svg missing"]


def test_the_checker_refuses_a_file_named_for_another_plan(published: tuple[Path, str]) -> None:
    folder, stem = published
    for path in list(folder.glob(f"{stem}*")):
        shutil.move(path, folder / path.name.replace(stem, "evaluation-" + "0" * 12))
    assert "named 000000000000 but of plan" in evaluations_check(folder).findings[0]


def test_the_checker_refuses_a_drawing_that_loads_from_outside(
    published: tuple[Path, str],
) -> None:
    folder, stem = published
    path = folder / f"{stem}-trajectories.svg"
    outside = '<image href="https://example.org/x.png"/><rect style="fill: url(http://x/y)"/>'
    path.write_text(path.read_text().replace("</svg>", outside + "</svg>"))
    findings = evaluations_check(folder).findings
    assert len(findings) == 2
    assert all("refers outside itself" in finding for finding in findings)


def test_the_checker_reads_a_drawings_words_for_identifiers(published: tuple[Path, str]) -> None:
    folder, stem = published
    path = folder / f"{stem}-event_study.svg"
    path.write_text(path.read_text().replace("</svg>", "<!-- 943 476 5919 --></svg>"))
    verdict = checker.check_release(folder, checker.Rules(RULES.threshold, RULES.rounding, 3))
    [identifiers] = [c for c in verdict.checks if c.name == "no_identifiers"]
    assert identifiers.findings == [
        f"{stem}-event_study.svg holds text that looks like a NHS number"
    ]
