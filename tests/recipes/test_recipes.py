"""Recipes are validated before any work starts, and every problem is reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bakehouse.features import CATALOGUE
from bakehouse.recipes import RecipeError, builtin_recipes, load_recipe

BUILTIN = Path(load_recipe("school-readiness").path)


def test_the_built_in_school_readiness_recipe_is_valid_and_complete() -> None:
    loaded = load_recipe("school-readiness")
    recipe = loaded.recipe
    assert "school-readiness" in builtin_recipes()
    assert recipe.prediction_point.age_months == 30
    assert recipe.outcome.positive_when is False
    assert set(recipe.model.candidates) == {"logistic", "lightgbm"}
    assert set(recipe.fairness.groups) == {
        "sex",
        "ethnicity",
        "eal",
        "sen",
        "deprivation_quintile",
        "linkage_completeness",
    }
    assert all(name in CATALOGUE for name in recipe.features)
    # Groups audited for fairness are never features.
    assert not {"ethnicity", "eal", "sen"} & set(recipe.features)
    assert len(loaded.sha256) == 64


def test_the_run_hash_ignores_comments_but_not_content(tmp_path: Path) -> None:
    text = BUILTIN.read_text()
    commented = tmp_path / "commented.yaml"
    commented.write_text("# a new comment\n" + text)
    changed = tmp_path / "changed.yaml"
    changed.write_text(text.replace("flag_share: 0.3", "flag_share: 0.25"))
    base = load_recipe(BUILTIN)
    assert load_recipe(commented).canonical == base.canonical
    assert load_recipe(changed).canonical != base.canonical


def test_every_problem_is_reported_together_with_its_field_and_line(tmp_path: Path) -> None:
    text = BUILTIN.read_text()
    broken = (
        text.replace("  - moves\n", "  - moves\n  - shoe_size\n")
        .replace("tolerance: [0.8, 1.25]", "tolerance: [1.2, 1.25]")
        .replace("  age_months: 30", "  age_months: thirty")
        .replace("  test_cohorts: 2", "  test_cohorts: 2\n  test_cohort: 3")
        .replace("  source: education\n", "  source: school_census\n", 1)
    )
    path = tmp_path / "broken.yaml"
    path.write_text(broken)
    with pytest.raises(RecipeError) as caught:
        load_recipe(path)
    message = caught.value.message
    assert "5 problem(s)" in message
    assert str(path) in message
    line_of = {
        needle: next(i for i, line in enumerate(broken.splitlines(), 1) if needle in line)
        for needle in ("shoe_size", "tolerance: [", "age_months", "test_cohort:", "school_census")
    }
    assert f"(line {line_of['shoe_size']}): unknown feature 'shoe_size'" in message
    assert f"fairness.tolerance (line {line_of['tolerance: [']})" in message
    assert f"prediction_point.age_months (line {line_of['age_months']})" in message
    assert f"validation.test_cohort (line {line_of['test_cohort:']})" in message
    assert "outcome.source" in message and "'school_census' not in sources" in message


def test_a_feature_needing_a_source_the_recipe_does_not_list_is_refused(tmp_path: Path) -> None:
    text = BUILTIN.read_text()
    start = text.index("  police:\n")
    end = text.index("  benefits:\n")
    path = tmp_path / "no-police.yaml"
    path.write_text(text[:start] + text[end:])
    with pytest.raises(RecipeError, match="features need source 'police'"):
        load_recipe(path)


def test_a_recipe_that_is_not_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nfeatures: [a, b\nmodel: {}\n")
    with pytest.raises(RecipeError, match="not valid YAML at line"):
        load_recipe(path)


def test_an_unknown_recipe_lists_the_built_in_ones() -> None:
    with pytest.raises(RecipeError, match="school-readiness"):
        load_recipe("no-such-recipe")


def test_a_linkage_section_is_checked_by_linkage_s_own_rules(tmp_path: Path) -> None:
    path = tmp_path / "with-linkage.yaml"
    path.write_text(BUILTIN.read_text() + "\nlinkage:\n  persons:\n    threshold: 2.5\n")
    with pytest.raises(RecipeError, match="linkage.persons.threshold"):
        load_recipe(path)


def test_an_areas_section_is_checked_by_the_areas_stage_s_own_rules(tmp_path: Path) -> None:
    good = tmp_path / "with-areas.yaml"
    good.write_text(BUILTIN.read_text() + "\nareas:\n  confidence: 0.9\n")
    assert load_recipe(good).recipe.areas.confidence == 0.9
    bad = tmp_path / "bad-areas.yaml"
    bad.write_text(BUILTIN.read_text() + "\nareas:\n  confidence: 2\n")
    with pytest.raises(RecipeError, match=r"areas.confidence"):
        load_recipe(bad)


def test_a_recipe_id_with_a_trailing_newline_is_refused(tmp_path: Path) -> None:
    """The id becomes part of every release id, folder name and web address."""
    path = tmp_path / "newline.yaml"
    text = BUILTIN.read_text()
    assert "\nid: school-readiness " in text
    path.write_text(text.replace("\nid: school-readiness ", '\nid: "school-readiness\\n" ', 1))
    with pytest.raises(RecipeError) as caught:
        load_recipe(path)
    assert "purpose id" in caught.value.message


def test_a_known_to_services_rule_naming_a_feature_the_recipe_lacks_is_refused_with_the_rest(
    tmp_path: Path,
) -> None:
    text = BUILTIN.read_text()
    broken = text.replace(
        "da_incidents, benefit_at_prediction]", "da_incidents, benefit_at_prediction, marac]"
    ).replace("  capacity: 0.1 ", "  capacity: 1.5 ")
    path = tmp_path / "broken.yaml"
    path.write_text(broken)
    with pytest.raises(RecipeError) as caught:
        load_recipe(path)
    message = caught.value.message
    assert "2 problem(s)" in message
    assert "baselines.known_to_services.any_of.4" in message
    assert "'marac' is not one of the recipe's features" in message
    assert "baselines.capacity" in message


def test_every_built_in_recipe_states_what_services_already_know() -> None:
    for recipe_id in builtin_recipes():
        recipe = load_recipe(recipe_id).recipe
        assert recipe.baselines is not None, recipe_id
        assert set(recipe.baselines.known_to_services.any_of) <= set(recipe.features)


def test_a_recipe_without_baselines_loads(tmp_path: Path) -> None:
    text = BUILTIN.read_text()
    start = text.index("baselines:\n")
    end = text.index("publication:\n")
    path = tmp_path / "no-baselines.yaml"
    path.write_text(text[:start] + text[end:])
    assert load_recipe(path).recipe.baselines is None
