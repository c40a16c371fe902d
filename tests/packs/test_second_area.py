"""Proof by a second area: the school readiness pack exported from the Basildon workspace is
imported into a fresh workspace for Harlow's world, its templates completed, and run there end
to end to a release the output checker passes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.custody import init_key
from bakehouse.geography import load_area
from bakehouse.packs import ExportResult
from bakehouse.release.checker import check_release
from bakehouse.world.config import WorldConfig
from bakehouse.world.generate import generate

from .conftest import complete_templates, run_recipe

runner = CliRunner()


@pytest.mark.slow
def test_the_basildon_pack_bakes_in_harlow_to_a_checked_release(
    pack: ExportResult, tmp_path: Path
) -> None:
    world = generate(WorldConfig(area="harlow", seed=2, scale=0.1), tmp_path / "harlow").out
    workspace = tmp_path / "harlow-ws"
    imported = runner.invoke(
        app,
        ["recipe", "import", str(pack.path), "--workspace", str(workspace),
         "--public-key", pack.public_key, "--sources", str(world)],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    kept = workspace / "packs" / "school-readiness"
    specs = complete_templates(kept / "sources", tmp_path / "specs", "Harlow")
    agreements = complete_templates(kept / "agreements", tmp_path / "agreements", "Harlow")
    signing = tmp_path / "keys" / "signing.key"
    assert runner.invoke(app, ["release", "keygen", "--key-file", str(signing)]).exit_code == 0
    written = tmp_path / "release-path.txt"
    run_recipe(
        [
            "--recipe", "school-readiness",
            "--workspace", str(workspace),
            "--sources", str(world),
            "--specs", str(specs),
            "--agreements", str(agreements),
            "--area", "harlow",
            "--out", str(tmp_path / "releases"),
            "--key-file", str(init_key(tmp_path / "keys" / "custodian.key")),
            "--signing-key", str(signing),
            "--write-path", str(written),
        ]
    )  # fmt: skip
    release = Path(written.read_text(encoding="utf-8").strip())
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["checker"]["passed"] is True
    # The checker again, on the release as published (the signature aside, which it predates).
    unsigned = tmp_path / "checked" / release.name
    shutil.copytree(release, unsigned, ignore=shutil.ignore_patterns("manifest.sig"))
    verdict = check_release(unsigned)
    assert verdict.passed, verdict.failures()
    assert manifest["recipe"]["id"] == "school-readiness"
    card = json.loads((release / "model_card.json").read_text(encoding="utf-8"))
    # Trained on the pack's recipe (as installed), not the shipped one.
    assert f"sha256 {pack.manifest.recipe.sha256[:16]}" in card["model_details"]["recipe"]
    codes = {row["lsoa11cd"] for row in pq.read_table(release / "areas.parquet").to_pylist()}
    assert codes == set(load_area("harlow").lsoa_codes)
