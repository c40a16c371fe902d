"""`bakehouse evaluate` in the form the issue states, on any CSV panel."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from bakehouse.cli import app

from .conftest import small_panel, write_csv

runner = CliRunner()


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
    panel = write_csv(small_panel(0.0, seed=11), tmp_path / "panel.csv")
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        yaml.safe_dump(
            {
                "outcome": "the share not ready for school",
                "treated_units": [f"A{i:04d}" for i in range(6)],
                "start": 2021,
                "design": "did",
                "hypotheses": "The programme lowers the share not ready for school.",
            }
        )
    )
    out, plots = tmp_path / "result.json", tmp_path / "plots"
    arguments = ["evaluate", "--panel", str(panel), "--weight", "population"]
    arguments += ["--plan", str(plan), "--json", str(out), "--plots", str(plots)]
    result = runner.invoke(app, arguments)
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
