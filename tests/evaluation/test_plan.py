"""A plan is frozen by its hash: stable for the same plan, changed by any change to any field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bakehouse.errors import ConfigError
from bakehouse.evaluation.plan import (
    Design,
    EvaluationPlan,
    frozen_document,
    load_plan,
    load_plan_file,
    plan_hash,
)

FIELDS: dict[str, Any] = {
    "outcome": "children not reaching a good level of development",
    "treated_units": ["E01021237", "E01021238"],
    "start": 2022,
    "starts": {"E01021238": 2023},
    "design": "staggered",
    "comparison_pool": ["E01021240", "E01021241", "E01021242"],
    "alpha": 0.05,
    "hypotheses": "Family hubs lower the share of children not ready for school.",
}

CHANGED: dict[str, Any] = {
    "outcome": "children reaching a good level of development",
    "treated_units": ["E01021237", "E01021239"],
    "start": 2021,
    "starts": {},
    "design": "did",
    "comparison_pool": ["E01021240", "E01021241"],
    "alpha": 0.1,
    "hypotheses": "Family hubs raise the share of children ready for school.",
}


def test_the_same_plan_has_the_same_hash_whatever_the_order_of_its_fields() -> None:
    reordered = dict(reversed(list(FIELDS.items())))
    assert plan_hash(EvaluationPlan(**FIELDS)) == plan_hash(EvaluationPlan(**reordered))
    assert len(plan_hash(EvaluationPlan(**FIELDS))) == 64


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_changing_any_field_changes_the_hash(name: str) -> None:
    changed = {**FIELDS, name: CHANGED[name]}
    if name == "treated_units":
        changed["starts"] = {}
    assert plan_hash(EvaluationPlan(**changed)) != plan_hash(EvaluationPlan(**FIELDS))


def test_a_plan_is_read_from_yaml(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(FIELDS))
    plan = load_plan(path)
    assert plan.design is Design.STAGGERED
    assert plan.adoption() == {"E01021237": 2022, "E01021238": 2023}


def test_every_problem_of_a_plan_is_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("outcome: x\ntreated_units: []\nstart: 2022\ndesign: regression\n")
    with pytest.raises(ConfigError) as caught:
        load_plan(path)
    message = caught.value.message
    for field in ("treated_units", "design", "hypotheses"):
        assert field in message
    assert caught.value.file == str(path)


def test_a_comparison_unit_that_is_also_treated_is_refused() -> None:
    with pytest.raises(ValueError, match="comparison_pool"):
        EvaluationPlan(**{**FIELDS, "comparison_pool": ["E01021237"]})


def test_a_frozen_plan_file_is_read_with_its_hash_and_time(tmp_path: Path) -> None:
    import yaml

    plan = EvaluationPlan(**FIELDS)
    at = datetime(2021, 8, 31, 17, 0, tzinfo=UTC)
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(frozen_document(plan, at)))
    read = load_plan_file(path)
    assert read.plan == plan
    assert read.frozen is not None and read.frozen.at == at
    assert read.matches_frozen
    read.check_frozen()


def test_a_frozen_record_that_is_not_a_hash_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml_text({**FIELDS, "frozen": {"hash": "abc", "at": "2021-08-31"}}))
    with pytest.raises(ConfigError) as caught:
        load_plan_file(path)
    assert caught.value.field == "frozen"
    assert "frozen.hash" in caught.value.message


def yaml_text(data: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(data)
