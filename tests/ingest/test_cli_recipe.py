"""`bakehouse ingest --recipe`: a folder holding every agency's extracts, taken in for one
recipe, its sources alone, as `bakehouse run` takes them in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.recipes.loader import BUILTIN_DIR

from .conftest import Setup, csv_text
from .test_council_tax import FILE, HEADER, council_tax_rows

runner = CliRunner()

SCHOOL_READINESS_SOURCES = [
    "benefits",
    "csc",
    "early_education",
    "education",
    "health_visiting",
    "housing",
    "police",
]


@pytest.fixture
def every_source(setup: Setup) -> Setup:
    """The hand-made extracts of the seven school readiness sources, and council tax, whose
    agreement lists the homelessness purpose alone."""
    setup.write()
    (setup.sources / FILE).write_bytes(csv_text(council_tax_rows(), "|", HEADER).encode("utf-8"))
    return setup


def _ingest(setup: Setup, *arguments: str) -> Any:
    return runner.invoke(
        app,
        [
            "ingest",
            "--sources",
            str(setup.sources),
            "--workspace",
            str(setup.workspace),
            "--key-file",
            str(setup.key_file),
            *arguments,
        ],
    )


def _manifest(setup: Setup) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((setup.workspace / "manifest.json").read_text("utf-8"))
    return loaded


def _taken_in(setup: Setup) -> list[str]:
    return sorted({item["source"] for item in _manifest(setup)["files"]})


def test_the_recipe_takes_in_its_own_sources_and_reports_council_tax_as_not_taken(
    every_source: Setup,
) -> None:
    result = _ingest(every_source, "--recipe", "school-readiness")
    assert result.exit_code == 0, result.output
    assert "Not taken in (recipe school-readiness does not read them): council_tax." in (
        " ".join(result.output.split())
    )
    assert _taken_in(every_source) == SCHOOL_READINESS_SOURCES
    assert _manifest(every_source)["purpose"] == "school-readiness"
    with every_source.analysis() as con:
        tables = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
    assert "education" in tables and "council_tax" not in tables


def test_the_same_purpose_alone_is_refused_and_the_refusal_offers_the_recipe(
    every_source: Setup,
) -> None:
    result = _ingest(every_source, "--purpose", "school-readiness")
    assert result.exit_code == 2 and "Traceback" not in result.output
    message = " ".join(result.output.split())
    assert "does not list the purpose 'school-readiness'" in message
    assert "--only the others" in message and "--recipe school-readiness" in message
    assert not (every_source.workspace / "manifest.json").exists()


def test_a_purpose_that_names_no_recipe_is_not_offered_one(every_source: Setup) -> None:
    result = _ingest(every_source, "--purpose", "mental-health")
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "does not list the purpose 'mental-health'" in message
    assert "--recipe" not in message


def test_a_purpose_other_than_the_recipe_s_id_is_refused_naming_the_option(
    every_source: Setup,
) -> None:
    result = _ingest(every_source, "--recipe", "school-readiness", "--purpose", "homelessness")
    assert result.exit_code == 2 and "Traceback" not in result.output
    message = " ".join(result.output.split())
    assert "--purpose 'homelessness' is not the purpose of recipe 'school-readiness'" in message
    assert "field '--purpose'" in message and "Leave --purpose out" in message
    assert not every_source.workspace.exists()


def test_the_recipe_s_own_id_as_purpose_is_the_same_run(every_source: Setup) -> None:
    result = _ingest(every_source, "--recipe", "school-readiness", "--purpose", "school-readiness")
    assert result.exit_code == 0, result.output
    assert _taken_in(every_source) == SCHOOL_READINESS_SOURCES


def test_only_with_a_recipe_is_refused_and_told_to_use_the_purpose_instead(
    every_source: Setup,
) -> None:
    result = _ingest(every_source, "--recipe", "school-readiness", "--only", "csc")
    assert result.exit_code == 2 and "Traceback" not in result.output
    message = " ".join(result.output.split())
    assert "--only cannot narrow it" in message and "field '--only'" in message
    assert "--purpose school-readiness --only csc" in message
    assert not every_source.workspace.exists()


def test_a_recipe_folder_of_the_partnership_s_own_is_taken_in_by_its_sources(
    every_source: Setup, tmp_path: Path
) -> None:
    """A copy of the homelessness recipe outside the package: council tax is one of its sources,
    early education is not."""
    folder = shutil.copytree(BUILTIN_DIR / "homelessness", tmp_path / "our-recipes" / "homes")
    result = _ingest(every_source, "--recipe", str(folder))
    assert result.exit_code == 0, result.output
    assert "Not taken in (recipe homelessness does not read them): early_education." in (
        " ".join(result.output.split())
    )
    assert _manifest(every_source)["purpose"] == "homelessness"
    assert "council_tax" in _taken_in(every_source)
    assert "early_education" not in _taken_in(every_source)


def test_a_recipe_source_missing_since_the_last_run_is_refused_unless_accepted(
    every_source: Setup,
) -> None:
    assert _ingest(every_source, "--recipe", "school-readiness").exit_code == 0
    (every_source.sources / "housing_cases.tsv").unlink()
    refused = _ingest(every_source, "--recipe", "school-readiness")
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    message = " ".join(refused.output.split())
    assert "'housing' is missing" in message and "--accept housing" in message
    accepted = _ingest(every_source, "--recipe", "school-readiness", "--accept", "housing")
    assert accepted.exit_code == 0, accepted.output
    assert [item["source"] for item in _manifest(every_source)["sources_missing"]] == ["housing"]


def test_a_recipe_that_is_neither_an_id_nor_a_folder_is_refused(every_source: Setup) -> None:
    result = _ingest(every_source, "--recipe", "no-such-recipe")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "No recipe here" in " ".join(result.output.split())


def test_a_recipe_source_with_no_extract_is_refused_on_a_first_run_unless_accepted(
    every_source: Setup,
) -> None:
    """As ``bakehouse run`` does: the recipe declares what it reads, so a source absent from the
    very first run is missing too; taking in by purpose expects only what an earlier run had."""
    (every_source.sources / "housing_cases.tsv").unlink()
    refused = _ingest(every_source, "--recipe", "school-readiness")
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    message = " ".join(refused.output.split())
    assert "'housing' is missing (no extract of it, and no earlier run had it)" in message
    assert "--accept housing" in message
    assert not (every_source.workspace / "manifest.json").exists()
    accepted = _ingest(every_source, "--recipe", "school-readiness", "--accept", "housing")
    assert accepted.exit_code == 0, accepted.output
    assert _manifest(every_source)["sources_missing"] == [
        {"source": "housing", "rows": 0, "rows_last": None, "last_run_id": None}
    ]
    assert "housing" not in _manifest(every_source)["baseline"]
    with every_source.analysis() as con:  # the model reads an empty table, not a missing one
        assert con.execute("SELECT count(*) FROM housing").fetchone() == (0,)


def test_a_purpose_with_only_on_a_first_run_expects_only_the_sources_found(
    every_source: Setup,
) -> None:
    (every_source.sources / "housing_cases.tsv").unlink()
    named = [f"--only={source}" for source in SCHOOL_READINESS_SOURCES]
    result = _ingest(every_source, "--purpose", "school-readiness", *named)
    assert result.exit_code == 0, result.output
    assert _taken_in(every_source) == [s for s in SCHOOL_READINESS_SOURCES if s != "housing"]
    assert _manifest(every_source)["sources_missing"] == []
