"""A pack carries the interventions a partnership describes and the evaluations it keeps for
publication: each result linked to its intervention by the plan's hash, its verdict in the
evidence summary, validated again and installed by the receiving partnership. An evaluation over
too few areas never leaves; a changed intervention is refused naming it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.errors import ConfigError, PackError
from bakehouse.packs import ExportResult, Supplied, install_pack, read_pack
from bakehouse.packs.manifest import Section, sha256
from bakehouse.packs.scan import scan
from bakehouse.release.evaluations import evaluation_folder

from .conftest import PRE_REGISTERED, RECIPE, Evaluated, Publisher, evaluated_plan, export
from .test_packs import entries, one_byte_changed, rewrite, trusted, with_manifest

runner = CliRunner()


def test_the_pack_carries_each_evaluation_linked_to_its_intervention_by_plan_hash(
    fuller: ExportResult, evaluated: Evaluated
) -> None:
    document = read_pack(fuller.path, trusted(fuller)).manifest
    assert document.format_version == 2
    assert "interventions" not in document.not_included
    assert "evaluations" not in document.not_included
    assert document.sections[Section.INTERVENTIONS] == [
        "interventions/story-sessions.yaml",
        "interventions/talk-and-play.yaml",
    ]
    by_plan = {entry.plan_hash: entry for entry in document.evaluations}
    assert set(by_plan) == {result.plan_hash for result in evaluated.results}
    for result, slug in zip(evaluated.results, ("talk-and-play", "story-sessions"), strict=True):
        entry = by_plan[result.plan_hash]
        assert entry.file == f"evaluations/{result.plan_hash[:12]}.json"
        assert entry.intervention == f"interventions/{slug}.yaml"
        assert entry.registration == result.registration
    # The result JSON only: a pack carries no tables (CSV) and no plots (SVG).
    names = list(entries(fuller.path))
    assert not [name for name in names if name.endswith((".csv", ".svg"))]


def test_the_fuller_pack_passes_the_scan_and_holds_no_person_count(
    fuller: ExportResult, evaluated: Evaluated
) -> None:
    files = {
        name: data
        for name, data in entries(fuller.path).items()
        if name not in ("manifest.json", "manifest.sig")
    }
    rule = fuller.manifest.disclosure
    assert scan(files, rule.threshold, rule.rounding) == []
    result = json.loads(files[f"evaluations/{evaluated.results[0].plan_hash[:12]}.json"])
    assert result["n_treated"] == 6 and result["n_comparison"] == 24
    # A whole number in a field a result does not have (a count of children, say) is refused.
    result["children_reached"] = 4
    files["evaluations/extra.json"] = json.dumps(result).encode()
    found = [str(item) for item in scan(files, rule.threshold, rule.rounding)]
    assert found == [
        "evaluations/extra.json: children_reached: a whole number where a result holds none "
        "(estimates only)"
    ]


def test_the_evidence_summary_gives_each_verdict_its_registration_and_the_intervention(
    fuller: ExportResult, evaluated: Evaluated
) -> None:
    summary = " ".join(entries(fuller.path)["evidence/summary.md"].decode().split())
    assert "Not yet evaluated" not in summary
    effect, none = evaluated.results
    assert effect.p_value < effect.alpha and none.p_value >= none.alpha
    assert f"**Talk and play at home** ({PRE_REGISTERED}): {effect.verdict}." in summary
    assert f"**Library story sessions** (exploratory: not pre-registered): {none.verdict}" in (
        summary
    )
    assert "difference-in-differences: quasi-experimental" in summary
    assert "6 areas with the intervention and 24 comparison areas" in summary
    assert (
        "2 evaluation(s): 1 found the outcome lower with the intervention, 0 found it higher, "
        "1 found no effect it could tell from chance" in summary
    )
    assert "1 of the 2 evaluation(s) are exploratory" in summary
    assert "Library story sessions: six sessions of an hour over twelve months." in summary


def test_import_validates_and_installs_the_interventions_and_evaluations(
    fuller: ExportResult, tmp_path: Path
) -> None:
    workspace = tmp_path / "harlow-ws"
    installed = install_pack(
        read_pack(fuller.path, trusted(fuller)), workspace, trusted(fuller), Supplied()
    )
    kept = workspace / "packs" / RECIPE
    assert [item.path for item in installed.interventions] == [
        kept / "interventions/story-sessions.yaml",
        kept / "interventions/talk-and-play.yaml",
    ]
    assert all(item.path.is_file() for item in installed.interventions)
    assert {item.intervention for item in installed.evaluations} == {
        "Talk and play at home",
        "Library story sessions",
    }
    assert all(item.path.is_file() and item.verdict for item in installed.evaluations)
    # Not in the recipe folder (a later export would carry them as recipe files), and not in
    # the workspace's own evaluations (its next release would publish them as its own).
    assert not (workspace / "recipes" / RECIPE / "interventions").exists()
    assert not (workspace / "evaluations").exists()


def test_import_prints_the_evaluations_installed(fuller: ExportResult, tmp_path: Path) -> None:
    imported = runner.invoke(
        app,
        ["recipe", "import", str(fuller.path), "--workspace", str(tmp_path / "ws"),
         "--public-key", fuller.public_key],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    said = " ".join(imported.output.split())
    assert "Intervention installed: Talk and play at home" in said
    assert "Evaluation installed: Library story sessions (exploratory: not pre-registered)" in said


def test_a_changed_byte_in_an_intervention_entry_is_refused_naming_it(
    fuller: ExportResult, tmp_path: Path
) -> None:
    files = entries(fuller.path)
    name = "interventions/talk-and-play.yaml"
    files[name] = one_byte_changed(files[name])
    changed = tmp_path / "changed.zip"
    rewrite(changed, files)
    with pytest.raises(PackError, match=re.escape(f"{name} does not match its SHA-256")):
        read_pack(changed, trusted(fuller))


def test_a_signed_intervention_that_does_not_validate_is_not_installed(
    fuller: ExportResult, publisher: Publisher, tmp_path: Path
) -> None:
    name = "interventions/story-sessions.yaml"
    files = entries(fuller.path)
    document = json.loads(files["manifest.json"])
    text = files[name].decode().replace("post_periods: 2", "post_periods: 0")
    listed = {**document["files"], name: {"sha256": sha256(text.encode()), "bytes": len(text)}}
    files = {**with_manifest(fuller, publisher.signing_key, files=listed), name: text.encode()}
    signed = tmp_path / "signed.zip"
    rewrite(signed, files)
    workspace = tmp_path / "ws"
    with pytest.raises(PackError, match=f"The intervention {name} does not validate") as refused:
        install_pack(read_pack(signed, trusted(fuller)), workspace, trusted(fuller), Supplied())
    assert refused.value.field == "post_periods"
    assert not (workspace / "recipes" / RECIPE).exists()


def test_an_evaluation_over_two_areas_refuses_the_export_naming_it(
    publisher: Publisher, evaluated: Evaluated, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(evaluated.workspace, workspace)
    result, _ = evaluated_plan("Two areas only", 3, -0.1, treated=2)
    # Kept by hand: `bakehouse evaluate --publish` refuses to keep it in the first place.
    folder = evaluation_folder(workspace, RECIPE, result.plan_hash)
    shutil.copytree(evaluation_folder(workspace, RECIPE, evaluated.results[0].plan_hash), folder)
    (folder / "result.json").write_text(result.to_json(), encoding="utf-8")
    out = tmp_path / "pack.zip"
    with pytest.raises(ConfigError, match="treated group of 2 area") as refused:
        export(publisher, out, workspace, tuple(evaluated.interventions))
    assert refused.value.file == str(folder)
    assert not out.exists()


def test_an_intervention_of_another_recipe_refuses_the_export(
    publisher: Publisher, evaluated: Evaluated, tmp_path: Path
) -> None:
    path = evaluated.interventions[0]
    other = tmp_path / path.name
    other.write_text(
        path.read_text(encoding="utf-8").replace(f"recipe: {RECIPE}", "recipe: homelessness"),
        encoding="utf-8",
    )
    with pytest.raises(PackError, match="of recipe 'homelessness', not 'school-readiness'"):
        export(publisher, tmp_path / "pack.zip", evaluated.workspace, (other,))


def test_a_pack_of_the_first_format_still_reads(
    pack: ExportResult, publisher: Publisher, tmp_path: Path
) -> None:
    files = entries(pack.path)
    document = json.loads(files["manifest.json"])
    for key in ("interventions", "evaluations"):
        del document[key]
    files["manifest.json"] = (json.dumps({**document, "format_version": 1}, indent=2,
                              sort_keys=True) + "\n").encode()  # fmt: skip
    files["manifest.sig"] = publisher.signing_key.signature_for(files["manifest.json"])
    first = tmp_path / "first.zip"
    rewrite(first, files)
    verified = read_pack(first, trusted(pack))
    assert verified.manifest.format_version == 1
    assert verified.manifest.evaluations == []


def test_interventions_without_a_kept_evaluation_travel_with_their_costs_but_no_effect(
    publisher: Publisher, evaluated: Evaluated, tmp_path: Path
) -> None:
    described = export(
        publisher, tmp_path / "pack.zip", publisher.workspace, tuple(evaluated.interventions)
    )
    document = described.manifest
    assert len(document.interventions) == 2 and document.evaluations == []
    assert "no evaluation kept" in document.not_included[Section.EVALUATIONS]
    summary = " ".join(entries(described.path)["evidence/summary.md"].decode().split())
    assert "Not yet evaluated: no evidence of effect." in summary
    assert "Talk and play at home: six sessions of an hour over twelve months." in summary
    assert "No costs are recorded" not in summary


def test_a_signed_result_whose_verdict_is_not_the_manifests_is_not_installed(
    fuller: ExportResult, evaluated: Evaluated, publisher: Publisher, tmp_path: Path
) -> None:
    name = f"evaluations/{evaluated.results[1].plan_hash[:12]}.json"
    files = entries(fuller.path)
    result = json.loads(files[name])
    result["verdict"] = "an effect of -20 percentage points"
    data = json.dumps(result).encode()
    document = json.loads(files["manifest.json"])
    listed = {**document["files"], name: {"sha256": sha256(data), "bytes": len(data)}}
    files = {**with_manifest(fuller, publisher.signing_key, files=listed), name: data}
    signed = tmp_path / "signed.zip"
    rewrite(signed, files)
    workspace = tmp_path / "ws"
    with pytest.raises(PackError, match=f"The evaluation {name} is not what the manifest says"):
        install_pack(read_pack(signed, trusted(fuller)), workspace, trusted(fuller), Supplied())
    assert not (workspace / "packs" / RECIPE).exists()
