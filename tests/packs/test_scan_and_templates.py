"""The pack's safety scan and templates on what Bakehouse ships: every built-in recipe, source
specification and agreement template passes the scan (no false alarm would stop an export),
while each kind of unsafe content is caught; a template validates except for its blanks."""

from __future__ import annotations

import json

import pytest
import yaml
from pydantic import BaseModel

from bakehouse.ingest.agreement import Agreement, load_agreements
from bakehouse.ingest.spec import SourceSpec, load_specs
from bakehouse.packs.scan import scan
from bakehouse.packs.templates import agreement_template, blank_fields, spec_template
from bakehouse.recipes import builtin_recipes, load_recipe

THRESHOLD, ROUNDING = 7, 5


def shipped_templates(recipe_id: str) -> dict[str, bytes]:
    loaded = load_recipe(recipe_id)
    specs, agreements = load_specs(), load_agreements()
    files: dict[str, bytes] = {}
    for path in sorted(loaded.folder.iterdir()):
        files[f"recipe/{path.name}"] = path.read_bytes()
    for source in loaded.recipe.sources:
        spec, agreement = specs[source], agreements[source]
        assert spec.path is not None and agreement.path is not None
        raw_spec = yaml.safe_load(spec.path.read_text(encoding="utf-8"))
        raw_agreement = yaml.safe_load(agreement.path.read_text(encoding="utf-8"))
        files[f"sources/{source}.yaml"] = spec_template(spec, raw_spec).text.encode()
        files[f"agreements/{agreement.id}.yaml"] = agreement_template(
            agreement, raw_agreement, recipe_id, list(loaded.recipe.sources)
        ).text.encode()
    return files


@pytest.mark.parametrize("recipe_id", builtin_recipes())
def test_every_shipped_recipe_and_its_templates_pass_the_scan(recipe_id: str) -> None:
    assert scan(shipped_templates(recipe_id), THRESHOLD, ROUNDING) == []


@pytest.mark.parametrize("recipe_id", builtin_recipes())
def test_a_template_is_valid_but_for_its_blanks(recipe_id: str) -> None:
    for name, data in shipped_templates(recipe_id).items():
        models: dict[str, type[BaseModel]] = {"sources": SourceSpec, "agreements": Agreement}
        model = models.get(name.split("/")[0])
        if model is None:
            continue
        blanks, problems = blank_fields(data.decode(), model)
        assert problems == [], name
        assert blanks, name
        if model is Agreement:
            purposes = yaml.safe_load(data)["purposes"]
            assert [purpose["id"] for purpose in purposes] == [recipe_id]
            assert "parties" in blanks and "approved_by" in blanks


@pytest.mark.parametrize(
    ("name", "content", "found"),
    [
        ("model/card.md", "Case 943 476 5919 was seen.", "looks like a NHS number"),
        ("recipe/notes.md", "NINO AB123456C", "looks like a National Insurance number"),
        ("recipe/recipe.yaml", "x: A12345678901B", "looks like a UPN"),
        ("evidence/summary.md", "At CM14 4AB.", "looks like a postcode"),
        ("model/card.json", json.dumps({"person_id": "p1"}), "named like a personal identifier"),
        ("model/card.json", json.dumps({"cohorts": {"2024": {"units": 6}}}), "cohorts.2024.units"),
        ("model/card.json", json.dumps({"units": 12}), "units: a count that is not 0"),
        ("recipe/people.parquet", b"PAR1", "not a text document"),
        ("recipe/people.csv", "name,nhs\n", "not a text document"),
        ("insight/notes.md", "# What people told us", "holds insight/summary.json only"),
        ("insight/summary.json", json.dumps({"quotes": ["I said"]}), "quotes: not a field"),
        ("insight/summary.json", "[1, 2", "not valid JSON"),
    ],
)
def test_each_kind_of_unsafe_content_is_found(name: str, content: str | bytes, found: str) -> None:
    data = content.encode() if isinstance(content, str) else content
    findings = scan({name: data}, THRESHOLD, ROUNDING)
    assert any(finding.file == name and found in finding.what for finding in findings)


def test_publishable_counts_and_settings_numbers_pass() -> None:
    card = json.dumps({"cohorts": {"2024": {"units": 15, "with_outcome": 0}}})
    settings = "threshold: 3\nmin_group_size: 4\n"  # settings, not counts from data
    assert scan({"model/card.json": card.encode(), "recipe/r.yaml": settings.encode()}, 7, 5) == []
