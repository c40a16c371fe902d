"""The demo's interventions file: the world records it in its truth, and `--reuse` builds the
world again when the file changes (`make demo` then evaluates the new truth)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from bakehouse.cli import app

DEMO_TRUTH = Path(__file__).parents[2] / "demo" / "interventions" / "world.yaml"


def test_the_truth_records_the_interventions_and_a_changed_file_builds_the_world_again(
    tmp_path: Path,
) -> None:
    interventions = tmp_path / "world.yaml"
    interventions.write_text(DEMO_TRUTH.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "w"
    options = ["world", "--area", "basildon", "--scale", "0.05", "--out", str(out), "--reuse"]
    options += ["--intervention-file", str(interventions)]
    runner = CliRunner()

    assert runner.invoke(app, options).exit_code == 0
    recorded = json.loads((out / "truth" / "interventions.json").read_text())
    assert recorded == yaml.safe_load(interventions.read_text())
    kept = runner.invoke(app, options)
    assert kept.exit_code == 0 and "kept" in kept.output

    changed = yaml.safe_load(interventions.read_text())
    changed[0]["effect"] = 0.2
    interventions.write_text(yaml.safe_dump(changed), encoding="utf-8")
    rebuilt = runner.invoke(app, options)

    assert rebuilt.exit_code == 0 and "kept" not in rebuilt.output
    assert json.loads((out / "truth" / "interventions.json").read_text())[0]["effect"] == 0.2
