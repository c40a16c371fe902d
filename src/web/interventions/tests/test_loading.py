"""``manage.py load_interventions`` creates interventions from YAML files, leaves them unchanged
when loaded again, stores their plans unfrozen, and refuses a bad file naming its field."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from bakehouse.evaluation.intervention import State as FileState
from web.accounts.models import User
from web.accounts.roles import Role
from web.governance.models import Action, Event
from web.interventions.models import EvaluationPlanRecord, Intervention, State
from web.interventions.tests.factories import flagged_codes
from web.releases.models import Release


def _document(release: Release, **changes: object) -> dict[str, object]:
    return {
        "recipe": release.recipe,
        "title": "Stay and play at the library",
        "tidier": {
            "why": "Few children here reach a good level of development.",
            "where": "The library on the estate.",
        },
        "updates": [
            {"date": "2026-02-02", "state": "delivering", "text": "First sessions held."},
            {"date": "2026-01-12", "state": "agreed", "text": "Agreed with the parents' forum."},
        ],
        "milestones": [
            {"title": "Kits bought", "due": "2026-01-20", "reached": "2026-01-18"},
            {"title": "Twenty families attending", "due": "2026-06-30", "reached": None},
        ],
        "post_periods": 2,
        "plan": {
            "outcome": "children not reaching a good level of development",
            "treated_units": flagged_codes(release),
            "start": 2026,
            "design": "did",
            "comparison_pool": [],
            "alpha": 0.05,
            "hypotheses": "Stay and play lowers the share not ready for school.",
        },
        **changes,
    }


def _write(folder: Path, document: dict[str, object], name: str = "stay-and-play.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _load(*paths: Path, by: str) -> str:
    out = StringIO()
    call_command("load_interventions", *map(str, paths), "--by", by, stdout=out)
    return out.getvalue()


def test_a_file_creates_its_intervention_once_with_an_unfrozen_plan(
    release: Release, user_for: Callable[[Role], User], tmp_path: Path
) -> None:
    analyst = user_for(Role.PARTNER_ANALYST)
    path = _write(tmp_path, _document(release))

    first = _load(path, by=analyst.username)
    again = _load(path, by=analyst.username)

    made = Intervention.objects.get()
    assert "created over 2 areas, its plan unfrozen" in first
    assert "exists already; nothing changed" in again
    assert made.lsoa_codes == sorted(flagged_codes(release))
    assert made.state == State.DELIVERING and made.where == "The library on the estate."
    assert [m.done_on is not None for m in made.milestones.all()] == [True, False]
    record = EvaluationPlanRecord.objects.get()
    assert not record.is_frozen and record.plan["start"] == 2026
    assert Event.objects.filter(action=Action.INTERVENTION_CREATED).count() == 1
    assert not Event.objects.filter(action=Action.EVALUATION_PLAN_FROZEN).exists()
    assert "already publishes observed outcomes" not in first


def test_a_plan_starting_in_a_published_cohort_is_loaded_and_said_to_be_unfreezable(
    release: Release, user_for: Callable[[Role], User], tmp_path: Path
) -> None:
    document = _document(release)
    document["plan"] = {**document["plan"], "start": 2024}  # type: ignore[dict-item]

    said = _load(_write(tmp_path, document), by=user_for(Role.ADMINISTRATOR).username)

    assert "already publishes observed outcomes for 2024, 2025" in said
    assert "cannot be frozen as pre-registered" in said
    assert not EvaluationPlanRecord.objects.get().is_frozen


def test_a_bad_file_is_refused_naming_its_fields_and_nothing_is_stored(
    release: Release, user_for: Callable[[Role], User], tmp_path: Path
) -> None:
    document = _document(release, colour="blue")
    document["milestones"] = [{"title": "Kits bought", "due": "soon"}]
    path = _write(tmp_path, document)

    with pytest.raises(CommandError) as refused:
        _load(path, by=user_for(Role.PARTNER_ANALYST).username)

    message = str(refused.value)
    assert str(path) in message
    assert "milestones.0.due" in message and "colour" in message
    assert not Intervention.objects.exists()


def test_an_area_outside_the_current_release_is_refused(
    release: Release, user_for: Callable[[Role], User], tmp_path: Path
) -> None:
    document = _document(release)
    document["plan"] = {**document["plan"], "treated_units": ["E01099999"]}  # type: ignore[dict-item]

    with pytest.raises(CommandError, match="E01099999 is not an area"):
        _load(_write(tmp_path, document), by=user_for(Role.PARTNER_ANALYST).username)

    assert not Intervention.objects.exists()


def test_only_analysts_and_administrators_load_interventions(
    release: Release, user_for: Callable[[Role], User], tmp_path: Path
) -> None:
    path = _write(tmp_path, _document(release))

    with pytest.raises(CommandError, match="only a partner analyst or an administrator"):
        _load(path, by=user_for(Role.PARTNER_VIEWER).username)

    assert not Intervention.objects.exists()


def test_the_file_names_the_stages_the_web_app_records() -> None:
    assert [stage.value for stage in FileState] == list(State.values)
