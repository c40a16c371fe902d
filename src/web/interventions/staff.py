"""Staff pages: create an intervention (from a flagged area), describe and link it, record its
co-production sessions, progress and milestones, write, freeze and change its evaluation
plan, run the plan as a background job and publish a run's result. Thin: the work is in
``services`` and ``evaluations``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from web.accounts.models import User
from web.interventions import evaluations, services
from web.interventions.forms import (
    TIDIER,
    EvaluationForm,
    InterventionForm,
    MilestoneForm,
    PlanForm,
    SessionForm,
    UpdateForm,
    plan_initial,
)
from web.interventions.models import (
    EvaluationPlanRecord,
    EvaluationRun,
    Intervention,
    Milestone,
    RunSource,
    State,
)
from web.interventions.tasks import KIND, evaluate_plan_task
from web.interventions.views import shown_run
from web.jobs.services import recent_jobs, start_job


def _staff(request: HttpRequest) -> User:
    # The access table lets only signed-in staff roles here.
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _describe(intervention: Intervention, form: InterventionForm) -> None:
    data = form.cleaned_data
    intervention.title = data["title"]
    intervention.lsoa_codes = data["lsoa_codes"]
    for name, _, _ in TIDIER:
        setattr(intervention, name, data[name])
    intervention.save()
    intervention.services.set(data["services"])
    intervention.themes.set(data["themes"])


def create(request: HttpRequest, recipe: str) -> HttpResponse:
    actor = _staff(request)
    initial = {"lsoa_codes": request.GET.get("lsoa", "")}
    form = InterventionForm(recipe, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        made = services.create_intervention(
            recipe, form.cleaned_data["title"], form.cleaned_data["lsoa_codes"], actor
        )
        _describe(made, form)
        messages.success(request, "Intervention created. Record how it was co-produced.")
        return redirect("interventions:manage", intervention_id=made.pk)
    context = {"form": form, "recipe": recipe, "tidier": [name for name, _, _ in TIDIER]}
    return render(request, "interventions/staff/describe.html", context)


def edit(request: HttpRequest, intervention_id: int) -> HttpResponse:
    _staff(request)
    intervention = get_object_or_404(Intervention, pk=intervention_id)
    initial: dict[str, Any] = {name: getattr(intervention, name) for name, _, _ in TIDIER}
    initial.update(
        title=intervention.title,
        lsoa_codes=" ".join(intervention.lsoa_codes),
        services=list(intervention.services.all()),
        themes=list(intervention.themes.all()),
    )
    form = InterventionForm(intervention.recipe, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        _describe(intervention, form)
        messages.success(request, "Description saved.")
        return redirect("interventions:manage", intervention_id=intervention.pk)
    context = {
        "form": form,
        "intervention": intervention,
        "recipe": intervention.recipe,
        "tidier": [name for name, _, _ in TIDIER],
    }
    return render(request, "interventions/staff/describe.html", context)


def manage(request: HttpRequest, intervention_id: int, **bound: Any) -> HttpResponse:
    _staff(request)
    intervention = get_object_or_404(Intervention, pk=intervention_id)
    context = {
        "intervention": intervention,
        "sessions": intervention.sessions.all(),
        "updates": intervention.updates.select_related("by"),
        "milestones": intervention.milestones.all(),
        "session_form": bound.get("session_form") or SessionForm(),
        "update_form": bound.get("update_form") or UpdateForm(),
        "milestone_form": bound.get("milestone_form") or MilestoneForm(),
        "record": EvaluationPlanRecord.objects.filter(intervention=intervention).first(),
    }
    status = 400 if bound else 200
    return render(request, "interventions/staff/manage.html", context, status=status)


@require_POST
def add_session(request: HttpRequest, intervention_id: int) -> HttpResponse:
    intervention = get_object_or_404(Intervention, pk=intervention_id)
    form = SessionForm(request.POST)
    if not form.is_valid():
        return manage(request, intervention_id, session_form=form)
    data = form.cleaned_data
    services.add_session(intervention, data["held_on"], form.participants(), data["decisions"])
    messages.success(request, "Session recorded.")
    return redirect("interventions:manage", intervention_id=intervention_id)


@require_POST
def add_update(request: HttpRequest, intervention_id: int) -> HttpResponse:
    actor = _staff(request)
    intervention = get_object_or_404(Intervention, pk=intervention_id)
    form = UpdateForm(request.POST)
    if not form.is_valid():
        return manage(request, intervention_id, update_form=form)
    data = form.cleaned_data
    services.add_update(intervention, data["on"], State(data["state"]), data["text"], actor)
    messages.success(request, "Update published on the intervention's timeline.")
    return redirect("interventions:manage", intervention_id=intervention_id)


@require_POST
def add_milestone(request: HttpRequest, intervention_id: int) -> HttpResponse:
    intervention = get_object_or_404(Intervention, pk=intervention_id)
    form = MilestoneForm(request.POST)
    if not form.is_valid():
        return manage(request, intervention_id, milestone_form=form)
    services.add_milestone(intervention, form.cleaned_data["title"], form.cleaned_data["due_on"])
    messages.success(request, "Milestone added.")
    return redirect("interventions:manage", intervention_id=intervention_id)


@require_POST
def milestone_done(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone, pk=milestone_id)
    services.mark_done(milestone, timezone.localdate())
    messages.success(request, f"Milestone ‘{milestone.title}’ marked as reached today.")
    return redirect("interventions:manage", intervention_id=milestone.intervention_id)


def _plan_form(intervention: Intervention, data: Any = None) -> PlanForm:
    record = EvaluationPlanRecord.objects.filter(intervention=intervention).first()
    if record is not None:
        initial = plan_initial(services.current_plan(record))
    else:
        initial = {"treated_units": " ".join(intervention.lsoa_codes)}
    frozen = record is not None and record.is_frozen
    return PlanForm(intervention.recipe, frozen, data, initial=initial)


def _plan_page(
    request: HttpRequest, intervention: Intervention, form: PlanForm, problem: str = ""
) -> HttpResponse:
    context = {
        "form": form,
        "intervention": intervention,
        "record": EvaluationPlanRecord.objects.filter(intervention=intervention).first(),
        "problem": problem,
    }
    status = 400 if problem or form.is_bound else 200
    return render(request, "interventions/staff/plan.html", context, status=status)


def plan(request: HttpRequest, intervention_id: int) -> HttpResponse:
    actor = _staff(request)
    intervention = get_object_or_404(Intervention, pk=intervention_id)
    form = _plan_form(intervention, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change = services.PlanChange(data["plan"], data["post_periods"], data.get("reason", ""))
        services.save_plan(intervention, change, actor)
        if form.frozen:
            messages.success(request, "Change published as a deviation from the frozen plan.")
        else:
            messages.success(request, "Plan saved. Freeze it before any outcome after its start.")
        return redirect("interventions:plan", intervention_id=intervention.pk)
    return _plan_page(request, intervention, form)


@require_POST
def freeze(request: HttpRequest, intervention_id: int) -> HttpResponse:
    actor = _staff(request)
    record = get_object_or_404(EvaluationPlanRecord, intervention_id=intervention_id)
    try:
        services.freeze_plan(record, actor)
    except services.FreezeRefused as refused:
        intervention = record.intervention
        return _plan_page(request, intervention, _plan_form(intervention), str(refused))
    messages.success(request, f"Plan frozen with hash {record.frozen_hash[:12]}.")
    return redirect("interventions:plan", intervention_id=intervention_id)


def evaluate(request: HttpRequest, intervention_id: int) -> HttpResponse:
    """Run the plan as it stands on the published figures or an uploaded panel: a worker does
    it while the job's page shows how far it has gone."""
    actor = _staff(request)
    record = get_object_or_404(
        EvaluationPlanRecord.objects.select_related("intervention"), intervention_id=intervention_id
    )
    form = EvaluationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        source = RunSource(form.cleaned_data["source"])
        run = evaluations.start_run(record, source, actor)
        title = f"Evaluation of {record.intervention.title} on {source.label.lower()}"
        upload = form.cleaned_data["panel"] if source == RunSource.UPLOAD else None
        arguments: dict[str, Any] = {"run_id": run.pk}
        if upload is not None:
            arguments.update(upload_name=upload.name, columns=form.columns())
        job = start_job(
            evaluate_plan_task, kind=KIND, title=title, starter=actor, upload=upload, **arguments
        )
        EvaluationRun.objects.filter(pk=run.pk).update(job=job)
        return redirect("jobs:detail", job_id=job.pk)
    _, registration, caveat = evaluations.plan_as_it_stands(record)
    context = {
        "form": form,
        "intervention": record.intervention,
        "record": record,
        "registration": registration,
        "caveat": caveat,
        "runs": record.runs.select_related("started_by"),
        "jobs": recent_jobs(request.user, KIND),
    }
    status = 400 if form.is_bound else 200
    return render(request, "interventions/staff/evaluate.html", context, status=status)


def run(request: HttpRequest, run_id: int, problem: str = "") -> HttpResponse:
    _staff(request)
    found = get_object_or_404(
        EvaluationRun.objects.select_related("plan__intervention", "started_by"), pk=run_id
    )
    context = {
        "run": found,
        "intervention": found.plan.intervention,
        "shown": shown_run(found) if found.result is not None else None,
        "problem": problem,
    }
    return render(request, "interventions/staff/run.html", context, status=400 if problem else 200)


@require_POST
def publish_run(request: HttpRequest, run_id: int) -> HttpResponse:
    actor = _staff(request)
    found = get_object_or_404(EvaluationRun, pk=run_id)
    try:
        evaluations.publish_run(found, actor)
    except evaluations.RunRefused as refused:
        return run(request, run_id, str(refused))
    messages.success(request, "Result published on the intervention's page.")
    return redirect("interventions:run", run_id=run_id)
