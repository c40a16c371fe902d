"""Public pages: a recipe's interventions, and each intervention with its description, the
themes and what communities said about its areas, its accountability timeline, its evaluation
plan with any deviations, and its published results with their plots."""

from __future__ import annotations

from typing import Any

import yaml
from csp.constants import NONE
from csp.decorators import csp
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from bakehouse.evaluation import EvaluationPlan, frozen_document, plan_hash
from web.accounts.access import PAGES
from web.accounts.models import User
from web.accounts.roles import Role
from web.interventions.community import areas_said, linked_themes
from web.interventions.evaluations import PLOTS, published_runs
from web.interventions.forms import TIDIER
from web.interventions.models import EvaluationPlanRecord, EvaluationRun, Intervention
from web.interventions.results import ShownResult, shown_result
from web.interventions.services import current_plan
from web.interventions.timeline import timeline
from web.releases.evaluations import published_evaluations
from web.releases.models import Release, ReleaseEvaluation, ReleaseStatus


def _is_staff(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and PAGES["interventions:edit"].allows_role(Role(user.role))


def intervention_list(request: HttpRequest, recipe: str) -> HttpResponse:
    found = Intervention.objects.filter(recipe=recipe)
    release = Release.objects.current(recipe)
    if release is None and not found.exists():
        raise Http404("No interventions or results have been published for this topic.")
    context = {
        "recipe": recipe,
        "release": release,
        "interventions": found,
        "staff": _is_staff(request),
    }
    return render(request, "interventions/list.html", context)


def intervention_detail(request: HttpRequest, intervention_id: int) -> HttpResponse:
    intervention = get_object_or_404(Intervention, pk=intervention_id)
    record = EvaluationPlanRecord.objects.filter(intervention=intervention).first()
    milestones = list(intervention.milestones.all())
    release = Release.objects.current(intervention.recipe)
    context = {
        "intervention": intervention,
        "tidier": [(label, getattr(intervention, name)) for name, label, _ in TIDIER],
        "services": intervention.services.order_by("name"),
        "sessions": intervention.sessions.all(),
        "timeline": timeline(intervention, timezone.localdate()),
        "milestones_reached": sum(1 for m in milestones if m.done_on is not None),
        "milestones": milestones,
        "record": record,
        "plan": record.fields if record is not None else None,
        "deviations": [
            (deviation, _shown(deviation.before), _shown(deviation.after))
            for deviation in (record.deviations.all() if record is not None else [])
        ],
        "results": [(run, shown_run(run)) for run in published_runs(record)],
        "released": [(found, shown_released(found)) for found in released_evaluations(record)],
        "themes": linked_themes(intervention),
        "areas_said": areas_said(intervention, release),
        "staff": _is_staff(request),
    }
    return render(request, "interventions/detail.html", context)


def shown_run(run: EvaluationRun) -> ShownResult:
    assert run.result is not None
    urls = {
        name: reverse("interventions:run_plot", kwargs={"run_id": run.pk, "plot": name})
        for name in PLOTS
    }
    return shown_result(run.result, run.files, urls)


def released_evaluations(record: EvaluationPlanRecord | None) -> list[ReleaseEvaluation]:
    """Evaluations published releases carry of this plan: as frozen (a pre-registered result),
    or as it stands now (the plan with its deviations, or never frozen: exploratory)."""
    if record is None:
        return []
    hashes = {record.frozen_hash} if record.frozen_hash else set()
    standing = {k: v for k, v in current_plan(record).items() if k != "post_periods"}
    hashes.add(plan_hash(EvaluationPlan.model_validate(standing)))
    found: list[ReleaseEvaluation] = []
    for wanted in sorted(hashes):
        found += published_evaluations(wanted)
    return sorted(found, key=lambda item: item.release.created_at, reverse=True)


def shown_released(evaluation: ReleaseEvaluation) -> ShownResult:
    urls = {
        name: reverse(
            "interventions:released_plot",
            kwargs={"evaluation_id": evaluation.pk, "plot": name},
        )
        for name in PLOTS
    }
    files = {
        f"{name}.{kind}": getattr(evaluation, f"{name}_{kind}")
        for name in PLOTS
        for kind in ("svg", "csv")
    }
    return shown_result(evaluation.result, files, urls)


# The decorator's types know only views of the request alone.
PLOT_POLICY = csp({"default-src": [NONE], "style-src": ["'unsafe-inline'"]})


@require_GET
@PLOT_POLICY  # type: ignore[arg-type]
def released_plot(request: HttpRequest, evaluation_id: int, plot: str) -> HttpResponse:
    """A plot of an evaluation a published release carries, as an SVG image, under the same
    policy as a run's."""
    evaluation = get_object_or_404(
        ReleaseEvaluation, pk=evaluation_id, release__status=ReleaseStatus.PUBLISHED
    )
    if plot not in PLOTS:
        raise Http404("No such plot.")
    text = getattr(evaluation, f"{plot}_svg")
    return HttpResponse(text, content_type="image/svg+xml; charset=utf-8")


@require_GET
@PLOT_POLICY  # type: ignore[arg-type]
def run_plot(request: HttpRequest, run_id: int, plot: str) -> HttpResponse:
    """A run's plot as an SVG image: a published run's for anyone, another only for staff. The
    image's own policy lets its drawing styles apply and nothing run."""
    run = get_object_or_404(EvaluationRun, pk=run_id)
    if not run.is_published and not _is_staff(request):
        raise Http404("No published evaluation has this plot.")
    text = run.files.get(f"{plot}.svg") if plot in PLOTS else None
    if text is None:
        raise Http404("No such plot.")
    return HttpResponse(text, content_type="image/svg+xml; charset=utf-8")


def _shown(value: Any) -> str:
    """A plan field's value in words: lists of areas joined, later starts as 'area from year'."""
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{key} from {start}" for key, start in value.items()) or "none"
    return str(value)


def plan_yaml(request: HttpRequest, intervention_id: int) -> HttpResponse:
    """The frozen plan as a plan file, ``frozen: {hash, at}`` included, for ``bakehouse
    evaluate --plan``: the plan as frozen, never with its deviations."""
    record = get_object_or_404(EvaluationPlanRecord, intervention_id=intervention_id)
    if record.frozen_at is None:
        raise Http404("This plan is not frozen yet.")
    document = frozen_document(EvaluationPlan.model_validate(record.plan), record.frozen_at)
    response = HttpResponse(
        yaml.safe_dump(document, sort_keys=False, allow_unicode=True),
        content_type="application/yaml; charset=utf-8",
    )
    name = f"intervention-{intervention_id}-plan.yaml"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
