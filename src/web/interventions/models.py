"""Interventions co-produced with communities, and their pre-registered evaluation plans.

An intervention is described with the TIDieR checklist, linked to a recipe, its areas (LSOAs)
and the register's services; its lifecycle is a dated list of updates and milestones, shown
publicly as an accountability timeline. Its evaluation plan is frozen by hash before any outcome
after its start is published; a frozen plan's record never changes (``save`` and ``update``
refuse), and every later change is a ``Deviation`` with its reason.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from web.assets.models import Service
from web.insight.models import Theme


class State(models.TextChoices):
    """Where an intervention is in its lifecycle. Stored values never change; labels may."""

    PROPOSED = "proposed", "Proposed"
    AGREED = "agreed", "Agreed"
    DELIVERING = "delivering", "Delivering"
    COMPLETED = "completed", "Completed"
    EVALUATED = "evaluated", "Evaluated"


class Intervention(models.Model):
    recipe = models.CharField(max_length=64, db_index=True)
    title = models.CharField(max_length=200)
    # The TIDieR checklist (Hoffmann et al., BMJ 2014), items 2 to 10; item 1 is the title.
    why = models.TextField(blank=True)
    materials = models.TextField(blank=True)
    procedures = models.TextField(blank=True)
    provider = models.TextField(blank=True)
    how = models.TextField(blank=True)
    where = models.TextField(blank=True)
    when_and_how_much = models.TextField(blank=True)
    tailoring = models.TextField(blank=True)
    modifications = models.TextField(blank=True)
    fidelity = models.TextField(blank=True)
    # LSOA codes, sorted: checked against the recipe's current release when set.
    lsoa_codes = models.JSONField(default=list)
    services = models.ManyToManyField(Service, blank=True, related_name="interventions")
    # Accepted themes of the recipe's validation rounds that led to it.
    themes = models.ManyToManyField(Theme, blank=True, related_name="interventions")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PROPOSED)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.title


# The roles of insight rounds (web.insight.models.ParticipantRole), counted in a session.
PARTICIPANTS = {
    "resident": "residents",
    "practitioner": "practitioners",
    "community_leader": "community group leaders",
}


class CoProductionSession(models.Model):
    """A meeting where the intervention was shaped: who came, by role, and what was decided."""

    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="sessions"
    )
    held_on = models.DateField()
    # Counts of participants by role ({"resident": 12, ...}): never names.
    participants = models.JSONField(default=dict)
    decisions = models.TextField()

    class Meta:
        ordering = ("held_on", "id")

    @property
    def participant_counts(self) -> list[tuple[int, str]]:
        return [(count, PARTICIPANTS[role]) for role, count in self.participants.items()]


class StateUpdate(models.Model):
    """A dated step in the lifecycle, with what happened in words."""

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="updates")
    on = models.DateField()
    state = models.CharField(max_length=12, choices=State.choices)
    text = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("on", "recorded_at", "id")


class Milestone(models.Model):
    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ("due_on", "id")


class FrozenPlanChanged(Exception):
    """Someone tried to change a frozen plan's record instead of recording a deviation."""

    def __init__(self) -> None:
        super().__init__(
            "A frozen evaluation plan cannot be changed: record the change as a deviation, "
            "with its reason"
        )


# What freezing fixes: the plan, the power computed with it, and who froze it when.
FROZEN_FIELDS = ("plan", "post_periods", "power", "frozen_hash", "frozen_at", "frozen_by_id")


class PlanQuerySet(models.QuerySet["EvaluationPlanRecord"]):
    def update(self, **kwargs: Any) -> int:
        if (
            set(kwargs) & {*FROZEN_FIELDS, "frozen_by"}
            and self.filter(frozen_at__isnull=False).exists()
        ):
            raise FrozenPlanChanged
        return super().update(**kwargs)


class EvaluationPlanRecord(models.Model):
    """An intervention's evaluation plan: ``bakehouse.evaluation.EvaluationPlan`` as JSON."""

    intervention = models.OneToOneField(Intervention, on_delete=models.CASCADE, related_name="plan")
    plan = models.JSONField()
    # The periods the evaluation will observe from the start: power needs it before they exist.
    post_periods = models.PositiveSmallIntegerField(default=2)
    # The minimum detectable effect with its inputs, computed when the plan is frozen.
    power = models.JSONField(default=dict, blank=True)
    frozen_hash = models.CharField(max_length=64, blank=True)
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[PlanQuerySet] = PlanQuerySet.as_manager()  # type: ignore[assignment]

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def fields(self) -> dict[str, Any]:
        """The plan as recorded (as frozen, once frozen), with the periods power assumed."""
        return {**self.plan, "post_periods": self.post_periods}

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values(*FROZEN_FIELDS).first()
            frozen = stored is not None and stored["frozen_at"] is not None
            if frozen and any(getattr(self, name) != stored[name] for name in FROZEN_FIELDS):
                raise FrozenPlanChanged
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.is_frozen:
            raise FrozenPlanChanged
        return super().delete(*args, **kwargs)


class Deviation(models.Model):
    """A change to a frozen plan, with its reason: the frozen record itself never changes."""

    plan = models.ForeignKey(
        EvaluationPlanRecord, on_delete=models.CASCADE, related_name="deviations"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    field = models.CharField(max_length=40)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("recorded_at", "id")


class RunSource(models.TextChoices):
    """Where an evaluation's panel came from. Stored values never change; labels may."""

    PUBLISHED = "published", "The recipe's published figures"
    UPLOAD = "upload", "An uploaded area-level panel"


class RunState(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class EvaluationRun(models.Model):
    """One run of an intervention's plan, made by a background job: the library's ``Result`` as
    JSON with its plots (SVG) and their tables (CSV), or what was wrong. Published runs show on
    the intervention's public page."""

    plan = models.ForeignKey(EvaluationPlanRecord, on_delete=models.PROTECT, related_name="runs")
    source = models.CharField(max_length=10, choices=RunSource.choices)
    # In words: which release's figures, or which file with which columns, and what was left out.
    source_detail = models.TextField(blank=True)
    # The plan as run: the frozen plan, or the current plan with its deviations applied.
    plan_run = models.JSONField(default=dict)
    registration = models.CharField(max_length=200, blank=True)
    result = models.JSONField(null=True, blank=True)
    # report.write_plots' files by name (event_study.svg, event_study.csv, ...), as text.
    files = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.RUNNING)
    error = models.TextField(blank=True)
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("-started_at", "-id")

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
