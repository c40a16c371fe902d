"""Public pages: a recipe's interventions, and each intervention with its description, its
accountability timeline and its evaluation plan with any deviations."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from web.accounts.access import PAGES
from web.accounts.models import User
from web.accounts.roles import Role
from web.interventions.forms import TIDIER
from web.interventions.models import EvaluationPlanRecord, Intervention
from web.interventions.timeline import timeline
from web.releases.models import Release


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
        "deviations": record.deviations.select_related("by") if record is not None else [],
        "staff": _is_staff(request),
    }
    return render(request, "interventions/detail.html", context)
