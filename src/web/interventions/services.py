"""Creating interventions, recording their progress, and planning, freezing and changing their
evaluation plans. Plain functions, callable without a request; each writes the governance log
where the partnership is accountable for the step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from bakehouse.evaluation import EvaluationPlan, plan_hash
from web.accounts.models import User
from web.governance.models import Action
from web.governance.services import record_event
from web.interventions.models import (
    CoProductionSession,
    Deviation,
    EvaluationPlanRecord,
    Intervention,
    Milestone,
    State,
    StateUpdate,
)
from web.interventions.power import observed_cohorts, plan_power
from web.releases.models import Release


class FreezeRefused(Exception):
    """A plan cannot be frozen now; the message says why and what to do."""


def current_release(recipe: str) -> Release | None:
    return Release.objects.current(recipe)


def release_codes(recipe: str) -> set[str]:
    """The LSOAs of the recipe's current release: the areas an intervention may name."""
    release = current_release(recipe)
    if release is None:
        return set()
    return set(release.areas.values_list("lsoa11cd", flat=True))


@transaction.atomic
def create_intervention(
    recipe: str, title: str, lsoa_codes: list[str], actor: User
) -> Intervention:
    made = Intervention.objects.create(
        recipe=recipe, title=title, lsoa_codes=sorted(set(lsoa_codes)), created_by=actor
    )
    record_event(
        Action.INTERVENTION_CREATED,
        actor=actor,
        subject=made,
        detail={"recipe": recipe, "areas": made.lsoa_codes},
    )
    return made


@transaction.atomic
def add_update(
    intervention: Intervention, on: date, state: State, text: str, actor: User
) -> StateUpdate:
    """A dated step; the intervention's state is that of its latest-dated update."""
    made = StateUpdate.objects.create(
        intervention=intervention, on=on, state=state, text=text, by=actor
    )
    latest = intervention.updates.order_by("-on", "-recorded_at", "-id").first()
    assert latest is not None
    if intervention.state != latest.state:
        intervention.state = latest.state
        intervention.save(update_fields=["state"])
    record_event(
        Action.INTERVENTION_STATE_UPDATED,
        actor=actor,
        subject=intervention,
        detail={"state": str(state), "on": on.isoformat()},
    )
    return made


def add_session(
    intervention: Intervention, held_on: date, participants: dict[str, int], decisions: str
) -> CoProductionSession:
    counts = {role: count for role, count in participants.items() if count}
    return CoProductionSession.objects.create(
        intervention=intervention, held_on=held_on, participants=counts, decisions=decisions
    )


def add_milestone(intervention: Intervention, title: str, due_on: date) -> Milestone:
    return Milestone.objects.create(intervention=intervention, title=title, due_on=due_on)


def mark_done(milestone: Milestone, done_on: date) -> Milestone:
    milestone.done_on = done_on
    milestone.save(update_fields=["done_on"])
    return milestone


@dataclass(frozen=True)
class PlanChange:
    plan: EvaluationPlan
    post_periods: int
    reason: str = ""


def current_plan(record: EvaluationPlanRecord) -> dict[str, Any]:
    """The plan as it stands: the frozen plan with each deviation applied in order."""
    fields = record.fields
    for deviation in record.deviations.all():
        fields[deviation.field] = deviation.after
    return fields


@transaction.atomic
def save_plan(intervention: Intervention, change: PlanChange, actor: User) -> EvaluationPlanRecord:
    """Write the plan; once frozen, each changed field becomes a deviation with the reason, and
    the frozen record stays as it was frozen."""
    fields = change.plan.model_dump(mode="json")
    record = EvaluationPlanRecord.objects.filter(intervention=intervention).first()
    if record is None:
        return EvaluationPlanRecord.objects.create(
            intervention=intervention, plan=fields, post_periods=change.post_periods
        )
    if not record.is_frozen:
        record.plan, record.post_periods = fields, change.post_periods
        record.save()
        return record
    if not change.reason.strip():
        raise ValueError("A change to a frozen plan needs its reason")
    before = current_plan(record)
    after = {**fields, "post_periods": change.post_periods}
    for name in sorted(after):
        if after[name] != before.get(name):
            Deviation.objects.create(
                plan=record,
                field=name,
                before=before.get(name),
                after=after[name],
                reason=change.reason.strip(),
                by=actor,
            )
            record_event(
                Action.EVALUATION_PLAN_DEVIATION,
                actor=actor,
                subject=record,
                detail={"field": name, "frozen_hash": record.frozen_hash},
            )
    return record


@transaction.atomic
def freeze_plan(record: EvaluationPlanRecord, actor: User) -> EvaluationPlanRecord:
    """Freeze the plan with its hash, time and power, before any outcome after its start is
    published; refused when the recipe's current release already holds one."""
    if record.is_frozen:
        raise FreezeRefused(f"The plan was already frozen on {record.frozen_at:%-d %B %Y}")
    intervention = record.intervention
    release = current_release(intervention.recipe)
    if release is None:
        raise FreezeRefused(
            "The recipe has no current release: the plan's power comes from its published areas. "
            "Publish a release first"
        )
    plan = EvaluationPlan.model_validate(record.plan)
    start = min(plan.adoption().values())
    after = [cohort for cohort in observed_cohorts(release) if cohort >= start]
    if after:
        raise FreezeRefused(
            f"The current release already publishes observed outcomes for {after[0]}, on or "
            f"after the plan's start ({start}): a plan frozen now would not be pre-registered. "
            "Plan a later start, or evaluate it as exploratory"
        )
    record.power = plan_power(release, plan, record.post_periods)
    record.frozen_hash = plan_hash(plan)
    record.frozen_at = timezone.now()
    record.frozen_by = actor
    record.save()
    record_event(
        Action.EVALUATION_PLAN_FROZEN,
        actor=actor,
        subject=record,
        detail={
            "intervention": intervention.pk,
            "hash": record.frozen_hash,
            "at": record.frozen_at.isoformat(),
            "release": release.id,
        },
    )
    return record
