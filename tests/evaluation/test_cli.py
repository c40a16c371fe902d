"""`bakehouse evaluate` in the form the issue states, on any CSV panel."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner, Result

from bakehouse.cli import app
from bakehouse.evaluation import Design, EvaluationPlan, frozen_document

from .conftest import small_panel, write_csv

runner = CliRunner()

PLAN = EvaluationPlan(
    outcome="the share not ready for school",
    treated_units=[f"A{i:04d}" for i in range(6)],
    start=2021,
    design=Design.DID,
    hypotheses="The programme lowers the share not ready for school.",
)
FROZEN_AT = datetime(2020, 9, 1, 9, 30, tzinfo=UTC)


def _run_plan(tmp_path: Path, document: dict[str, Any], *extra: str) -> tuple[Result, Path]:
    panel = write_csv(small_panel(0.0, seed=11), tmp_path / "panel.csv")
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(document))
    out = tmp_path / "result.json"
    arguments = ["evaluate", "--panel", str(panel), "--plan", str(plan), "--json", str(out)]
    return runner.invoke(app, [*arguments, *extra]), out


def test_the_issue_s_command_writes_the_result_json(tmp_path: Path) -> None:
    panel = write_csv(small_panel(-0.15, seed=5), tmp_path / "panel.csv")
    out = tmp_path / "result.json"
    arguments = ["evaluate", "--panel", str(panel), "--unit", "unit", "--period", "period"]
    arguments += ["--outcome", "outcome", "--treatment", "treatment", "--design", "did"]
    result = runner.invoke(app, [*arguments, "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert {"effect", "low", "high", "p_value", "design"} <= set(data)
    assert data["design"] == "did"
    assert data["low"] <= -0.15 <= data["high"]
    assert "An effect of" in result.output


def test_a_frozen_plan_and_plots_give_each_plot_with_its_table(tmp_path: Path) -> None:
    plots = tmp_path / "plots"
    extra = ("--weight", "population", "--plots", str(plots))
    result, out = _run_plan(tmp_path, frozen_document(PLAN, FROZEN_AT), *extra)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["verdict"].startswith("no evidence of an effect")
    assert data["icc"] is not None
    names = sorted(path.name for path in plots.iterdir())
    assert names == ["event_study.csv", "event_study.svg", "trajectories.csv", "trajectories.svg"]
    assert (plots / "trajectories.csv").read_text().splitlines()[0] == "period,treated,comparison"


def test_a_panel_with_a_bad_row_is_one_line_naming_it(tmp_path: Path) -> None:
    panel = tmp_path / "panel.csv"
    write_csv(small_panel(), panel)
    lines = panel.read_text().splitlines()
    fields = lines[3].split(",")
    fields[3] = "yes"
    lines[3] = ",".join(fields)
    panel.write_text("\n".join(lines) + "\n")
    arguments = ["evaluate", "--panel", str(panel), "--design", "did"]
    result = runner.invoke(app, [*arguments, "--json", str(tmp_path / "out.json")])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "row 3" in result.output and "treatment" in result.output
    assert not (tmp_path / "out.json").exists()


def test_the_issue_s_command_without_a_plan_says_it_is_exploratory(tmp_path: Path) -> None:
    panel = write_csv(small_panel(-0.15, seed=5), tmp_path / "panel.csv")
    out = tmp_path / "result.json"
    arguments = ["evaluate", "--panel", str(panel), "--design", "did", "--json", str(out)]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "Exploratory: not pre-registered." in result.output
    assert json.loads(out.read_text())["registration"] == "exploratory: not pre-registered"


def test_a_frozen_plan_s_result_says_when_it_was_frozen(tmp_path: Path) -> None:
    result, out = _run_plan(tmp_path, frozen_document(PLAN, FROZEN_AT))
    assert result.exit_code == 0, result.output
    registration = json.loads(out.read_text())["registration"]
    assert registration.startswith("pre-registered: frozen 2020-09-01T09:30:00+00:00")
    assert "exploratory" not in result.output.lower()


def test_a_plan_never_frozen_is_refused_and_nothing_written(tmp_path: Path) -> None:
    result, out = _run_plan(tmp_path, PLAN.model_dump(mode="json"))
    assert result.exit_code == 2
    assert "not frozen" in result.output and "--exploratory" in result.output
    assert not out.exists()


def test_a_plan_changed_after_freezing_is_refused_and_nothing_written(tmp_path: Path) -> None:
    document = frozen_document(PLAN, FROZEN_AT)
    document["treated_units"] = document["treated_units"][:3]  # dropping areas that did badly
    result, out = _run_plan(tmp_path, document)
    assert result.exit_code == 2
    assert "changed after it was frozen on 2020-09-01" in result.output
    assert not out.exists()


def test_an_unfrozen_plan_runs_when_marked_exploratory_and_says_so(tmp_path: Path) -> None:
    document = frozen_document(PLAN, FROZEN_AT)
    document["hypotheses"] = "The programme raises the share ready for school."
    result, out = _run_plan(tmp_path, document, "--exploratory")
    assert result.exit_code == 0, result.output
    assert "Exploratory: not pre-registered." in result.output
    data = json.loads(out.read_text())
    assert data["registration"] == "exploratory: not pre-registered"
    assert any("not frozen, or changed after it was" in caveat for caveat in data["caveats"])
