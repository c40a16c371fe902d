"""Staff pages: rounds, the moderation queue and its log, responses to communities, and the
areas communities disagree with. Thin: the work is in ``rounds``, ``moderation`` and
``results``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from web.accounts.models import User
from web.governance.models import Action
from web.governance.services import record_event
from web.insight import moderation, rounds
from web.insight.forms import (
    AddAreaForm,
    ApproveForm,
    MaskForm,
    RejectForm,
    ResponseForm,
    RoundForm,
)
from web.insight.models import (
    Contribution,
    ContributionState,
    ModerationDecision,
    RejectReason,
    Round,
    RoundArea,
    RoundStatus,
)
from web.insight.representation import heard, heard_by_area
from web.insight.results import REVIEW_RULE, areas_for_review


def _staff(request: HttpRequest) -> User:
    # The access table lets only signed-in staff roles here.
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def round_list(request: HttpRequest) -> HttpResponse:
    found = Round.objects.select_related("release").annotate(
        held=Count(
            "areas__contributions",
            filter=Q(areas__contributions__state=ContributionState.HELD),
        )
    )
    return render(request, "insight/staff/rounds.html", {"rounds": found})


def round_create(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = rounds.create_round(
            rounds.RoundPlan(
                release=data["release"],
                question=data["question"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                retention_days=data["retention_days"],
                invited_roles=tuple(data["invited_roles"]),
                practitioner_groups=data["practitioner_groups"],
                moderate_unflagged=data["moderate_unflagged"],
                added_codes=data["added_codes"],
            ),
            actor,
        )
        messages.success(request, "Round created. Open it when it is ready.")
        return redirect("insight:round", round_id=made.pk)
    return render(request, "insight/staff/round_create.html", {"form": form})


def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = get_object_or_404(Round.objects.select_related("release"), pk=round_id)
    areas = round_.areas.annotate(
        held=Count("contributions", filter=Q(contributions__state=ContributionState.HELD)),
        published=Count(
            "contributions", filter=Q(contributions__state=ContributionState.PUBLISHED)
        ),
    ).select_related("response")
    open_link = request.build_absolute_uri(reverse("insight:give", args=[round_.pk]))
    return render(
        request,
        "insight/staff/round.html",
        {
            "round": round_,
            "areas": areas,
            "add_form": AddAreaForm(round_=round_),
            "open_link": open_link,
            "heard": heard(round_),
            "by_area": heard_by_area(round_),
        },
    )


@require_POST
def round_add_area(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = get_object_or_404(Round, pk=round_id)
    form = AddAreaForm(request.POST, round_=round_)
    if form.is_valid():
        area = round_.release.areas.defer("geometry").get(lsoa11cd=form.cleaned_data["area"])
        rounds.add_area(round_, area, _staff(request))
        messages.success(request, f"{area.lsoa11nm} added to the round.")
    return redirect("insight:round", round_id=round_.pk)


@require_POST
def round_status(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = get_object_or_404(Round, pk=round_id)
    wanted = request.POST.get("status", "")
    if wanted in (RoundStatus.OPEN, RoundStatus.CLOSED) and wanted != round_.status:
        rounds.set_status(round_, RoundStatus(wanted), _staff(request))
        messages.success(request, f"The round is {RoundStatus(wanted).label.lower()}.")
    return redirect("insight:round", round_id=round_.pk)


def response(request: HttpRequest, round_area_id: int) -> HttpResponse:
    round_area = get_object_or_404(RoundArea.objects.select_related("round"), pk=round_area_id)
    existing = getattr(round_area, "response", None)
    form = ResponseForm(
        request.POST or None,
        initial={"you_said": existing.you_said, "we_did": existing.we_did} if existing else None,
    )
    if request.method == "POST" and form.is_valid():
        rounds.write_response(
            round_area, form.cleaned_data["you_said"], form.cleaned_data["we_did"], _staff(request)
        )
        messages.success(request, f"Response for {round_area.lsoa11nm} saved.")
        return redirect("insight:round", round_id=round_area.round_id)
    return render(request, "insight/staff/response.html", {"round_area": round_area, "form": form})


def queue(request: HttpRequest) -> HttpResponse:
    held = Contribution.objects.filter(state=ContributionState.HELD).select_related(
        "round_area__round"
    )
    return render(
        request,
        "insight/staff/queue.html",
        {"held": held, "held_elsewhere": moderation.held_elsewhere()},
    )


def moderate(request: HttpRequest, contribution_id: int) -> HttpResponse:
    item = get_object_or_404(
        Contribution.objects.select_related("round_area__round"), pk=contribution_id
    )
    forms = {
        "approve": ApproveForm(prefix="approve"),
        "reject": RejectForm(prefix="reject"),
        "mask": MaskForm(prefix="mask"),
    }
    if request.method == "POST":
        actor = _staff(request)
        action = request.POST.get("action", "")
        if action in forms:
            form = type(forms[action])(request.POST, prefix=action)
            forms[action] = form
            if form.is_valid():
                data = form.cleaned_data
                if action == "approve":
                    moderation.approve(item, actor, data["note"])
                    messages.success(request, f"Contribution {item.pk} published.")
                    return redirect("insight:queue")
                if action == "reject":
                    moderation.reject(item, actor, RejectReason(data["reason"]), data["note"])
                    messages.success(request, f"Contribution {item.pk} will not be published.")
                    return redirect("insight:queue")
                try:
                    moderation.mask(item, actor, data["field"], data["words"], data["kind"])
                except moderation.NotInText:
                    form.add_error("words", "These words are not in that part of the text")
                else:
                    messages.success(request, "Hidden.")
                    return redirect("insight:moderate", contribution_id=item.pk)
    return render(
        request,
        "insight/staff/moderate.html",
        {"item": item, "forms": forms, "decisions": item.decisions.select_related("decided_by")},
    )


def decisions(request: HttpRequest) -> HttpResponse:
    log = ModerationDecision.objects.select_related("decided_by", "round_area")[:500]
    return render(request, "insight/staff/decisions.html", {"decisions": log})


def decisions_csv(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    body = moderation.export_decisions_csv()
    record_event(Action.DATA_EXPORTED, actor=actor, detail={"export": "moderation decisions"})
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="moderation-decisions-{stamp}.csv"'
    return response


def review(request: HttpRequest) -> HttpResponse:
    found = areas_for_review()
    threshold = found[0].round_area.round.release.suppression_threshold if found else None
    return render(
        request,
        "insight/staff/review.html",
        {"results": found, "rule": REVIEW_RULE.format(threshold=threshold) if threshold else ""},
    )
