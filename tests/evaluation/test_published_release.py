"""End to end: a small world with an intervention of known effect, run to a release, the
intervention evaluated on the workspace and kept, and the next release carrying the evaluation,
checked; the evaluation finds the effect the world gave."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.custody import init_key
from bakehouse.recipes import load_recipe
from bakehouse.release.signing import generate_key
from bakehouse.run import RunOptions, run
from bakehouse.world.config import Intervention, WorldConfig
from bakehouse.world.generate import generate

# A world of 0.3 of Basildon's population (enough children for every treated LSOA to have a rate
# in each cohort), run twice: about two minutes of one core, more on a busy machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

TREATED = [
    *("E01021243", "E01021251", "E01021262", "E01021279"),
    *("E01021296", "E01021309", "E01021318", "E01021333"),
]
GLD_EFFECT = 0.15  # on the chance of reaching a good level of development, from 2023


def test_an_intervention_is_evaluated_kept_and_published_with_the_next_release(
    tmp_path: Path,
) -> None:
    truth = Intervention.model_validate({"areas": TREATED, "from": 2023, "effect": GLD_EFFECT})
    generate(
        WorldConfig(area="basildon", seed=3, scale=0.3, interventions=[truth]), tmp_path / "world"
    )
    options = RunOptions(
        sources=tmp_path / "world",
        workspace=tmp_path / "ws",
        out=tmp_path / "releases",
        recipe=load_recipe("school-readiness"),
        key_file=init_key(tmp_path / "keys" / "custodian.key"),
        truth=tmp_path / "world" / "truth",
        signing_key=generate_key(tmp_path / "keys" / "release-signing.key"),
    )
    first = run(options).release
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        yaml.safe_dump(
            {
                "outcome": "not reaching a Good Level of Development at the end of Reception",
                "treated_units": TREATED,
                "start": 2023,
                "design": "did",
                "hypotheses": "Fewer children are not ready for school from 2023.",
            }
        )
    )
    arguments = ["evaluate", "--workspace", str(tmp_path / "ws"), "--plan", str(plan)]
    done = CliRunner().invoke(app, [*arguments, "--exploratory", "--publish"])
    assert done.exit_code == 0, done.output

    second = run(options).release

    assert second.release_id != first.release_id
    manifest = json.loads((second.path / "manifest.json").read_text())
    assert manifest["previous_release"] == first.release_id
    [entry] = manifest["evaluations"]
    assert entry["registration"] == "exploratory: not pre-registered"
    assert set(entry["files"].values()) <= set(manifest["files"])
    checks = {check["name"]: check for check in manifest["checks"]}
    assert manifest["checker"]["passed"]
    assert checks["evaluations_publishable"]["detail"] == "1 cells or items checked"
    result = json.loads((second.path / entry["files"]["result"]).read_text())
    assert result["low"] < -GLD_EFFECT < result["high"]
    assert result["p_value"] < 0.05
    assert run(options).release.reused
