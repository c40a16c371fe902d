"""Interventions written as YAML files, for ``manage.py load_interventions``: one intervention
per file, with its TIDieR description, dated updates, milestones and evaluation plan (exactly
``bakehouse.evaluation.EvaluationPlan``), read by the library's
``bakehouse.evaluation.intervention.load_intervention``, as the pipeline and recipe packs read
it. Its areas are the plan's treated areas.

    recipe: school-readiness
    title: "Stay and play at the library"
    tidier: {why: ..., materials: ..., ...}
    updates: [{date: 2026-01-12, state: agreed, text: ...}]
    milestones: [{title: ..., due: 2026-03-01, reached: null}]
    post_periods: 2
    plan: {outcome: ..., treated_units: [...], start: 2026, design: did, hypotheses: ...}

A file is checked whole before anything is stored (every problem named with its field), then
stored in one transaction. Loading a file whose intervention (recipe and title) exists already
changes nothing. The plan is stored unfrozen: freezing is a person's act on the plan's page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from bakehouse.errors import ConfigError
from bakehouse.evaluation.intervention import InterventionFile, load_intervention
from web.accounts.models import User
from web.interventions import services
from web.interventions.models import Intervention, State
from web.interventions.power import observed_cohorts


@dataclass(frozen=True)
class Loaded:
    intervention: Intervention
    created: bool
    # The cohorts the current release already publishes on or after the plan's start: while
    # there are any, the plan cannot be frozen as pre-registered.
    outcomes_after_start: list[int]


def load_intervention_file(path: Path, actor: User) -> Loaded:
    """Store the file's intervention, or find it stored already (same recipe and title)."""
    found = load_intervention(path)
    release = services.current_release(found.recipe)
    if release is None:
        raise ConfigError(
            f"Recipe '{found.recipe}' has no current release: an intervention's areas must be "
            "areas of it",
            file=path,
            field="recipe",
            fix="Import and publish the recipe's release first",
        )
    start = min(found.plan.adoption().values())
    after = [cohort for cohort in observed_cohorts(release) if cohort >= start]
    existing = Intervention.objects.filter(recipe=found.recipe, title=found.title).first()
    if existing is not None:
        return Loaded(existing, False, after)
    named = {*found.plan.treated_units, *found.plan.comparison_pool}
    unknown = sorted(named - services.release_codes(found.recipe))
    if unknown:
        raise ConfigError(
            f"{unknown[0]} is not an area of the recipe's current release {release.id}",
            file=path,
            field="plan.treated_units"
            if unknown[0] in found.plan.treated_units
            else "plan.comparison_pool",
            fix="Name areas of the current release only",
        )
    return Loaded(_store(found, actor), True, after)


@transaction.atomic
def _store(found: InterventionFile, actor: User) -> Intervention:
    made = services.create_intervention(
        found.recipe, found.title, list(found.plan.treated_units), actor
    )
    for name, text in found.tidier.model_dump().items():
        setattr(made, name, text)
    made.save()
    for update in sorted(found.updates, key=lambda entry: entry.date):
        services.add_update(made, update.date, State(update.state), update.text, actor)
    for entry in found.milestones:
        milestone = services.add_milestone(made, entry.title, entry.due)
        if entry.reached is not None:
            services.mark_done(milestone, entry.reached)
    services.save_plan(made, services.PlanChange(found.plan, found.post_periods), actor)
    return made
