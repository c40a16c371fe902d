"""Heavy scenarios (``make test-all``): a disparity injected into a world is flagged; the Basildon
world at default noise, measured against its truth."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from bakehouse.ingest.agreement import sources_for
from bakehouse.modelling import TrainOptions, train
from bakehouse.recipes import load_recipe
from bakehouse.world.generate import WorldSummary

from .conftest import build_linked_world, quick_recipe_text

pytestmark = pytest.mark.slow


def test_a_disparity_injected_into_a_world_is_flagged_by_the_audit(tmp_path: Path) -> None:
    """In a fifth-scale world, half the children with English as an additional language who
    reached GLD are recorded as not reaching it: their need is beyond what the features show,
    and the audit must say so."""
    world = build_linked_world(tmp_path, scale=0.2, seed=11)
    with duckdb.connect(str(world.workspace / "analysis.duckdb")) as con:
        changed = con.execute(
            """UPDATE education SET eyfsp_gld = false
               WHERE eyfsp_gld AND first_language <> 'ENG' AND hash(token) % 2 = 0"""
        ).fetchall()
    assert changed
    recipe = tmp_path / "quick.yaml"
    recipe.write_text(quick_recipe_text(), encoding="utf-8")
    result = train(TrainOptions(workspace=world.workspace, recipe=load_recipe(recipe)))
    audit = json.loads((result.folder / "fairness_audit.json").read_text())
    flags = {(flag["attribute"], flag["group"]): flag["reasons"] for flag in audit["flags"]}
    assert ("eal", "yes") in flags
    assert any("observed rate above predicted" in reason for reason in flags[("eal", "yes")])


def test_basildon_at_default_noise_against_its_truth(
    basildon_world: WorldSummary, tmp_path: Path
) -> None:
    """The full Basildon world (with its real IoD 2019 figures). The figures
    asserted are the measured ones with a margin: gap 0.013 to the best achievable from records
    (docs/adr/0009-best-achievable-from-records.md), ECE 0.023, inside the range a perfectly
    calibrated model shows by chance on as many children."""
    from bakehouse.custody import init_key
    from bakehouse.ingest import IngestOptions, ingest
    from bakehouse.linkage import LinkOptions, link

    world = basildon_world.out
    workspace, key = tmp_path / "ws", init_key(tmp_path / "custodian.key")
    ingest(
        IngestOptions(
            sources=world,
            workspace=workspace,
            purpose="school-readiness",
            only=sources_for("school-readiness"),
            key_file=key,
        )
    )
    link(LinkOptions(workspace=workspace, key_file=key))
    result = train(
        TrainOptions(
            workspace=workspace, recipe=load_recipe("school-readiness"), truth=world / "truth"
        )
    )
    head = result.headline
    assert head["auc_lightgbm_minus_logistic"]["value"] >= -0.002
    assert head["test_ece"] <= head["test_ece_by_chance_interval"][1] + 0.005
    assert head["gap_to_best"] < 0.025
    assert head["gap_to_hindsight"] > head["gap_to_best"]
    assert head["test_auc"] > 0.7
