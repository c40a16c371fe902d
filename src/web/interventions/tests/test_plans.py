"""An evaluation plan is frozen by hash before any outcome after its start is published; the
frozen record never changes, and every later change is a deviation shown publicly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from bakehouse.evaluation import Design, EvaluationPlan, load_plan_file, plan_hash
from web.accounts.roles import Role
from web.governance.models import Action, Event
from web.interventions import services
from web.interventions.models import EvaluationPlanRecord, FrozenPlanChanged
from web.interventions.tests.factories import (
    flagged_codes,
    make_intervention,
    make_plan,
    plan_for,
    planner,
)
from web.releases.models import Release


def _plan_form(plan: EvaluationPlan, **changes: str) -> dict[str, str]:
    return {
        "outcome": plan.outcome,
        "treated_units": " ".join(plan.treated_units),
        "start": str(plan.start),
        "design": plan.design.value,
        "alpha": str(plan.alpha),
        "post_periods": "2",
        "hypotheses": plan.hypotheses,
        **changes,
    }


def _frozen(release: Release) -> EvaluationPlanRecord:
    record = make_plan(make_intervention(release), plan_for(release))
    return services.freeze_plan(record, planner())


def test_a_staggered_plan_freezes_its_own_design_s_larger_mde_and_names_its_test(
    release: Release,
) -> None:
    did = services.freeze_plan(make_plan(make_intervention(release), plan_for(release)), planner())
    second = flagged_codes(release)[1]
    staggered = services.freeze_plan(
        make_plan(
            make_intervention(release, title="Hubs, one area a year"),
            plan_for(release, design=Design.STAGGERED, starts={second: 2027}),
        ),
        planner(),
    )

    assert "Callaway-Sant'Anna" in staggered.power["test"]
    assert "difference-in-differences" in did.power["test"]
    assert staggered.power["mde"] > did.power["mde"] > 0


def test_freezing_is_refused_when_the_release_holds_outcomes_after_the_start(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    intervention = make_intervention(release)
    make_plan(intervention, plan_for(release, start=2025))

    answer = client_for(Role.PARTNER_ANALYST).post(
        reverse("interventions:freeze", kwargs={"intervention_id": intervention.pk})
    )

    assert answer.status_code == 400
    assert "already publishes observed outcomes for 2025" in answer.content.decode()
    record = EvaluationPlanRecord.objects.get()
    assert not record.is_frozen and record.frozen_hash == ""
    assert not Event.objects.filter(action=Action.EVALUATION_PLAN_FROZEN).exists()


def test_freezing_logs_the_plan_s_hash_and_time_with_its_power(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    intervention = make_intervention(release)
    plan = plan_for(release)
    make_plan(intervention, plan)

    client_for(Role.PARTNER_ANALYST).post(
        reverse("interventions:freeze", kwargs={"intervention_id": intervention.pk})
    )

    record = EvaluationPlanRecord.objects.get()
    event = Event.objects.get(action=Action.EVALUATION_PLAN_FROZEN)
    assert record.frozen_hash == plan_hash(plan)
    assert event.detail["hash"] == plan_hash(plan)
    assert event.detail["at"] == record.frozen_at.isoformat()  # type: ignore[union-attr]
    assert event.actor_username == "analyst-1"
    assert record.power["release"] == release.id
    assert record.power["periods_before"] == [2019, 2022, 2023, 2024, 2025]
    assert record.power["mde"] > 0 and record.power["icc"] is not None
    left_out = record.power["comparison_left_out"]
    assert record.power["comparison_used"] + left_out == release.areas.count() - 2


def test_a_frozen_plan_cannot_be_changed_through_the_database_layer(release: Release) -> None:
    record = _frozen(release)
    frozen_hash = record.frozen_hash

    record.plan = {**record.plan, "start": 2027}
    with pytest.raises(FrozenPlanChanged):
        record.save()
    with pytest.raises(FrozenPlanChanged):
        EvaluationPlanRecord.objects.filter(pk=record.pk).update(frozen_hash="0" * 64)
    with pytest.raises(FrozenPlanChanged):
        EvaluationPlanRecord.objects.get(pk=record.pk).delete()

    stored = EvaluationPlanRecord.objects.get(pk=record.pk)
    assert stored.plan["start"] == 2026
    assert stored.frozen_hash == frozen_hash == plan_hash(EvaluationPlan(**stored.plan))


def test_a_plan_not_yet_frozen_changes_freely(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    intervention = make_intervention(release)
    plan = plan_for(release)
    make_plan(intervention, plan)

    answer = client_for(Role.PARTNER_ANALYST).post(
        reverse("interventions:plan", kwargs={"intervention_id": intervention.pk}),
        _plan_form(plan, start="2027"),
    )

    assert answer.status_code == 302
    record = EvaluationPlanRecord.objects.get()
    assert record.plan["start"] == 2027
    assert not record.deviations.exists()


def test_changing_a_frozen_plan_on_its_page_needs_a_reason_and_is_shown_as_a_deviation(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    record = _frozen(release)
    frozen = EvaluationPlan(**record.plan)
    staff = client_for(Role.PARTNER_ANALYST)
    page = reverse("interventions:plan", kwargs={"intervention_id": record.intervention_id})

    silent = staff.post(page, _plan_form(frozen, start="2027"))
    assert silent.status_code == 400
    assert "Enter the reason for changing the frozen plan" in silent.content.decode()
    assert not record.deviations.exists()

    reason = "Refurbishing the library delayed the first sessions by a year."
    staff.post(page, _plan_form(frozen, start="2027", reason=reason))

    stored = EvaluationPlanRecord.objects.get()
    assert stored.plan == record.plan and stored.frozen_hash == record.frozen_hash
    deviation = stored.deviations.get()
    assert (deviation.field, deviation.before, deviation.after) == ("start", 2026, 2027)
    assert services.current_plan(stored)["start"] == 2027
    assert Event.objects.filter(action=Action.EVALUATION_PLAN_DEVIATION).count() == 1
    public = (
        Client()
        .get(reverse("interventions:detail", kwargs={"intervention_id": record.intervention_id}))
        .content.decode()
    )
    assert record.frozen_hash in public
    assert reason in public
    assert "Deviations from the frozen plan" in public


def test_the_frozen_plan_s_file_is_accepted_by_the_evaluation_and_keeps_no_deviation(
    release: Release, tmp_path: Path
) -> None:
    record = _frozen(release)
    later = plan_for(release, start=2027)
    services.save_plan(record.intervention, services.PlanChange(later, 2, "Delayed"), planner())

    answer = Client().get(
        reverse("interventions:plan_yaml", kwargs={"intervention_id": record.intervention_id})
    )

    path = tmp_path / "plan.yaml"
    path.write_bytes(answer.content)
    read = load_plan_file(path)
    read.check_frozen()
    assert read.plan.start == 2026
    assert read.frozen is not None and read.frozen.hash == record.frozen_hash
