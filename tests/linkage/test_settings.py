"""Linkage settings: the shipped defaults load, mistakes are reported together with the file and
field before any work starts, and the Spark backend is one setting away."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from bakehouse.errors import ConfigError, WorkspaceError
from bakehouse.linkage import DEFAULT_SETTINGS, LinkOptions, link, load_settings
from bakehouse.linkage.config import COMPARISONS, RULE_FIELDS
from bakehouse.linkage.plan import plan_model

from .conftest import Person, Zone


def _write(tmp_path: Path, change: dict[str, object]) -> Path:
    data = yaml.safe_load(DEFAULT_SETTINGS.read_text(encoding="utf-8"))
    for dotted, value in change.items():
        target = data
        *parents, leaf = dotted.split(".")
        for part in parents:
            target = target[part]
        target[leaf] = value
    path = tmp_path / "linkage.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    for name in ("nicknames.yaml", "street_words.yaml"):
        (tmp_path / name).write_text(
            (DEFAULT_SETTINGS.parent / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    return path


def test_shipped_defaults_train_every_comparison_the_records_hold_identifiers_for() -> None:
    settings = load_settings()
    assert 0 < settings.persons.threshold < 1
    everything = plan_model(settings, dict.fromkeys(RULE_FIELDS, 1.0))
    trained = {name for session in everything.sessions for name in session.estimates}
    assert trained == set(COMPARISONS) and everything.warnings == []
    local = dict.fromkeys(RULE_FIELDS, 1.0) | {"nhs_number": 0, "upn": 0, "nino": 0, "reference": 0}
    plan = plan_model(settings, local)
    blocks = {name: s.block for s in plan.sessions for name in s.estimates}
    assert blocks == {
        "forename": ("dob",),
        "surname_and_place": ("dob",),
        "dob": ("full_name", "birth_year"),
        "sex": ("forename_first", "surname", "dob"),
    }
    assert plan.warnings == []
    assert [rule for rule in plan.blocking if {"nhs_number", "upn", "nino"} & set(rule)] == []
    assert plan.deterministic_rules == [("forename", "surname", "dob")]


def test_a_recipe_sets_the_threshold_and_keeps_every_other_default(tmp_path: Path) -> None:
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        yaml.safe_dump({"name": "school-readiness", "linkage": {"persons": {"threshold": 0.8}}})
    )
    settings = load_settings(recipe)
    assert settings.persons.threshold == 0.8
    assert settings.persons.blocking == load_settings().persons.blocking
    assert settings.resolve(settings.persons.nicknames).is_file()


def test_every_mistake_in_the_settings_is_reported_at_once_with_its_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "persons.threshold": 1.5,
            "persons.blocking": [["surname", "shoe_size"]],
            "households.coverage_days": -1,
        },
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    message = raised.value.message
    assert "3 problem(s)" in message
    assert "persons.threshold" in message and "shoe_size" in message
    assert "households.coverage_days" in message
    assert str(path) in message


def test_a_comparison_no_given_training_step_estimates_is_left_out_with_a_warning(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path, {"persons.training.steps": [{"block": ["dob"], "estimates": ["forename"]}]}
    )
    plan = plan_model(load_settings(path), dict.fromkeys(RULE_FIELDS, 1.0))
    assert [s.block for s in plan.sessions] == [("dob",)]
    assert any("'surname_and_place' left out" in warning for warning in plan.warnings)


def test_linking_a_folder_without_zones_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="bakehouse ingest"):
        link(LinkOptions(workspace=tmp_path / "empty"))


@pytest.mark.skipif(importlib.util.find_spec("pyspark") is not None, reason="pyspark installed")
def test_spark_backend_is_one_setting_away_and_says_what_it_needs(
    zone: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    someone = Person("Mabel", "Thorne", date(1990, 1, 1))
    zone.record("benefits", someone, "1 Oak Road", "SS14 1AA", date(2020, 1, 1))
    zone.record("school", someone, "1 Oak Road", "SS14 1AA", date(2021, 1, 1))
    workspace = zone.build(tmp_path / "ws")
    with pytest.raises(ConfigError, match="pyspark") as raised:
        link(LinkOptions(workspace=workspace, backend="spark", key_file=linkage_key))
    assert raised.value.field == "engine.backend"
    analysis = duckdb.connect(str(workspace / "analysis.duckdb"), read_only=True)
    tables = {row[0] for row in analysis.execute("SHOW TABLES").fetchall()}
    assert "person_links" not in tables
