"""The community insight summary in a pack: the partnership's published figures travel signed
as ``insight/summary.json`` and the evidence summary says what communities said; a count below
the threshold, a free-text answer or a field the format does not name is refused at export,
naming the field, and again at import."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.errors import PackError
from bakehouse.packs import ExportResult, Supplied, install_pack, read_pack
from bakehouse.packs.insight import summary_problems
from bakehouse.packs.manifest import INSIGHT_SUMMARY, Section, sha256

from .conftest import Publisher, export, insight_summary, write_insight
from .test_packs import entries, rewrite, trusted, with_manifest

runner = CliRunner()
FREE_TEXT = "My neighbour at number 12 has three children and no help at all"


def test_the_summary_travels_signed_and_the_evidence_says_what_communities_said(
    with_insight: ExportResult,
) -> None:
    verified = read_pack(with_insight.path, trusted(with_insight))
    document = verified.manifest
    assert document.sections[Section.INSIGHT] == [INSIGHT_SUMMARY]
    assert Section.INSIGHT not in document.not_included
    threshold = document.disclosure.threshold
    assert json.loads(verified.files[INSIGHT_SUMMARY]) == insight_summary(threshold)
    said = verified.files["evidence/summary.md"].decode()
    section = said.split("## What communities said", 1)[1].split("## Cost notes", 1)[0]
    assert "1 closed validation round and 1 survey" in section
    assert (
        f"| Basildon 012C (E01021270) | yes | {3 * threshold} | fewer than {threshold} | "
        f"{threshold} or more | {2 * threshold} | fewer than {threshold} | yes |"
    ) in section
    assert "1 flagged area(s) marked for review" in section
    assert f"in {5 * threshold} published contributions" in section
    assert f"Family hub closed: {2 * threshold}; Buses: withheld" in section
    assert "25 to 34 75% (60% to 86%) against 20% of the population" in section
    assert f"16 to 24 fewer than {threshold}, share withheld against 15%" in section
    assert "under-heard" in section
    assert f"(out of {2 * threshold} who answered): On foot: {2 * threshold}; By bus: 0" in section


def test_a_pack_without_a_summary_says_no_community_insight_was_published(
    pack: ExportResult,
) -> None:
    verified = read_pack(pack.path, trusted(pack))
    why = verified.manifest.not_included[Section.INSIGHT]
    assert "no published community insight given" in why
    said = verified.files["evidence/summary.md"].decode()
    assert "## What communities said\n\nNo community insight was published with this pack" in said


def _below_threshold(document: dict[str, Any], threshold: int) -> str:
    document["rounds"][0]["areas"][1]["verdicts"]["agrees"] = threshold - 1
    return "rounds[0].areas[1].verdicts.agrees: a count below the threshold"


def _quotes(document: dict[str, Any], threshold: int) -> str:
    document["rounds"][0]["areas"][0]["quotes"] = [FREE_TEXT]
    return "rounds[0].areas[0].quotes: not a field of the insight summary"


def _answer_as_a_row(document: dict[str, Any], threshold: int) -> str:
    document["surveys"][0]["questions"][1]["rows"] = [{"label": FREE_TEXT, "count": threshold}]
    return "surveys[0].questions[1].rows: a free-text question travels as its count alone"


def _answer_as_a_count(document: dict[str, Any], threshold: int) -> str:
    document["surveys"][0]["questions"][1]["answered"] = FREE_TEXT
    return "surveys[0].questions[1].answered: not a count"


def _lower_threshold(document: dict[str, Any], threshold: int) -> str:
    document["threshold"] = document["rounds"][0]["threshold"] = threshold - 1
    return f"threshold: the figures were published under a threshold of {threshold - 1}"


PLANTED: dict[str, Callable[[dict[str, Any], int], str]] = {
    "a count below the threshold": _below_threshold,
    "a free-text answer in a field of its own": _quotes,
    "a free-text answer as an option": _answer_as_a_row,
    "a free-text answer as a count": _answer_as_a_count,
    "figures published under a lower threshold": _lower_threshold,
}


@pytest.mark.parametrize("planted", list(PLANTED))
def test_export_refuses_a_summary_holding_what_no_pack_may_naming_the_field(
    planted: str, publisher: Publisher, pack: ExportResult, tmp_path: Path
) -> None:
    threshold = pack.manifest.disclosure.threshold
    document = insight_summary(threshold)
    named = PLANTED[planted](document, threshold)
    out = tmp_path / "pack.zip"

    with pytest.raises(PackError) as refused:
        export(publisher, out, insight=write_insight(tmp_path, document))

    assert named in refused.value.message
    assert FREE_TEXT not in refused.value.message
    assert not out.exists()


def test_export_refuses_a_summary_of_another_recipe(
    publisher: Publisher, pack: ExportResult, tmp_path: Path
) -> None:
    document = {**insight_summary(pack.manifest.disclosure.threshold), "recipe": "homelessness"}
    with pytest.raises(PackError, match="summary is of recipe 'homelessness'"):
        export(publisher, tmp_path / "pack.zip", insight=write_insight(tmp_path, document))


def test_a_signed_pack_whose_summary_holds_a_small_count_is_refused_on_import(
    with_insight: ExportResult, publisher: Publisher, tmp_path: Path
) -> None:
    threshold = with_insight.manifest.disclosure.threshold
    document = insight_summary(threshold)
    _below_threshold(document, threshold)
    changed = json.dumps(document).encode()
    manifest = json.loads(entries(with_insight.path)["manifest.json"])
    entry = {"sha256": sha256(changed), "bytes": len(changed)}
    listed = {**manifest["files"], INSIGHT_SUMMARY: entry}
    files = with_manifest(with_insight, publisher.signing_key, files=listed)
    files[INSIGHT_SUMMARY] = changed
    unsafe = tmp_path / "unsafe.zip"
    rewrite(unsafe, files)
    verified = read_pack(unsafe, trusted(with_insight))  # signed by the publisher: it reads

    with pytest.raises(PackError) as refused:
        install_pack(verified, tmp_path / "ws", trusted(with_insight), Supplied())

    assert f"{INSIGHT_SUMMARY}: rounds[0].areas[1].verdicts.agrees" in refused.value.message
    assert not (tmp_path / "ws" / "recipes").exists()


def test_a_pack_whose_insight_section_holds_another_file_is_refused(
    pack: ExportResult, publisher: Publisher, tmp_path: Path
) -> None:
    notes = b"# What people told us\n"
    document = json.loads(entries(pack.path)["manifest.json"])
    sections = {**document["sections"], "insight": ["insight/notes.md"]}
    entry = {"sha256": sha256(notes), "bytes": len(notes)}
    listed = {**document["files"], "insight/notes.md": entry}
    files = with_manifest(pack, publisher.signing_key, sections=sections, files=listed)
    files["insight/notes.md"] = notes
    holding = tmp_path / "holding.zip"
    rewrite(holding, files)
    with pytest.raises(PackError, match="the insight section holds insight/summary.json alone"):
        read_pack(holding, trusted(pack))


def test_import_installs_the_summary_beside_the_pack_and_says_so(
    with_insight: ExportResult, tmp_path: Path
) -> None:
    outcome = runner.invoke(
        app,
        ["recipe", "import", str(with_insight.path), "--workspace", str(tmp_path / "ws"),
         "--public-key", with_insight.public_key],
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    said = " ".join(outcome.output.split())
    assert "Community insight installed: 1 round(s) and 1 survey(s)" in said
    kept = tmp_path / "ws" / "packs" / "school-readiness" / INSIGHT_SUMMARY
    assert kept.read_bytes() == entries(with_insight.path)[INSIGHT_SUMMARY]
    assert not (tmp_path / "ws" / "recipes" / "school-readiness" / "insight").exists()


def test_every_count_of_a_valid_summary_passes_and_every_problem_is_listed() -> None:
    document = insight_summary(10)
    assert summary_problems(json.dumps(document).encode(), 10) == []
    broken = copy.deepcopy(document)
    _below_threshold(broken, 10)
    _quotes(broken, 10)
    _answer_as_a_row(broken, 10)
    problems = summary_problems(json.dumps(broken).encode(), 10)
    # The unknown field stops the figures being read at all: it is named alone.
    assert problems == [
        "rounds[0].areas[0].quotes: not a field of the insight summary (only published figures "
        "travel; no free text)"
    ]
    assert summary_problems(json.dumps(document).encode(), 11)[0].startswith("threshold:")
