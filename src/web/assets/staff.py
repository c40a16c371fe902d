"""Staff pages of the asset register (partner analysts and administrators): reports to handle,
changes to approve, records not checked for a while, proposing a change to a service and
approving another's. Thin: the work is in ``changes`` and ``reports``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from web.accounts.models import User
from web.assets.changes import (
    CHECK_AGES_MONTHS,
    EDITABLE,
    ChangeRefused,
    approve,
    field_changes,
    mark_checked,
    not_checked_since,
    propose,
    reject,
)
from web.assets.forms import CloseReportForm, ServiceChangeForm
from web.assets.models import (
    ChangeStatus,
    ErrorReport,
    RecordChange,
    ReportStatus,
    Service,
)
from web.assets.reports import close_report, part_label


def _staff(request: HttpRequest) -> User:
    # The access table lets only signed-in staff roles here.
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def work(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    # Longest unchecked first; each service in one band only, up to the next longer one.
    bands = []
    longer: set[str] = set()
    upper: int | None = None
    for months in sorted(CHECK_AGES_MONTHS, reverse=True):
        stale = [s for s in not_checked_since(months, now) if s.pk not in longer]
        longer.update(s.pk for s in stale)
        bands.append((months, upper, stale))
        upper = months
    reports = ErrorReport.objects.filter(status=ReportStatus.OPEN).select_related("service")
    return render(
        request,
        "assets/staff/work.html",
        {
            "reports": [(report, part_label(report)) for report in reports],
            "changes": RecordChange.objects.filter(status=ChangeStatus.PROPOSED).select_related(
                "service", "proposed_by"
            ),
            "bands": bands,
        },
    )


def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(ErrorReport.objects.select_related("service"), pk=report_id)
    form = CloseReportForm(request.POST or None)
    if request.method == "POST" and report.status == ReportStatus.OPEN and form.is_valid():
        close_report(report, _staff(request), form.cleaned_data["outcome"])
        messages.success(request, "The report is marked as handled.")
        return redirect("assets:staff")
    return render(
        request,
        "assets/staff/report.html",
        {"report": report, "part": part_label(report), "form": form},
    )


def _initial(service: Service) -> dict[str, object]:
    return {name: service.fields.get(name) for name in EDITABLE}


def edit_service(request: HttpRequest, service_id: str) -> HttpResponse:
    service = get_object_or_404(Service, pk=service_id)
    actor = _staff(request)
    if request.method == "POST" and request.POST.get("action") == "checked":
        mark_checked(service, actor)
        messages.success(request, f"{service.name} is marked as checked today.")
        return redirect("assets:edit_service", service_id=service.pk)
    form = ServiceChangeForm(request.POST or None, initial=_initial(service))
    report_id = request.GET.get("report") or request.POST.get("report")
    report = (
        ErrorReport.objects.filter(pk=report_id, service=service).first()
        if (report_id and report_id.isdigit())
        else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            change = propose(
                service, form.wanted(), actor, form.cleaned_data["reason"], report=report
            )
        except ChangeRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request, "The change is proposed. Another member of staff must approve it."
            )
            return redirect("assets:change", change_id=change.pk)
    history = [
        (change, field_changes(change))
        for change in service.changes.select_related("proposed_by", "decided_by")
    ]
    return render(
        request,
        "assets/staff/edit_service.html",
        {"service": service, "form": form, "history": history, "report": report},
    )


def change_detail(request: HttpRequest, change_id: int) -> HttpResponse:
    change = get_object_or_404(
        RecordChange.objects.select_related("service", "proposed_by", "decided_by"),
        pk=change_id,
    )
    actor = _staff(request)
    problem = ""
    if request.method == "POST":
        decide = approve if request.POST.get("decision") == "approve" else reject
        try:
            decide(change, actor)
        except ChangeRefused as refused:
            problem = str(refused)
        else:
            messages.success(request, f"The change is {change.get_status_display().lower()}.")
            return redirect("assets:staff")
    return render(
        request,
        "assets/staff/change.html",
        {
            "change": change,
            "fields": field_changes(change),
            "problem": problem,
            "may_decide": change.status == ChangeStatus.PROPOSED
            and change.proposed_by_id != actor.pk,
        },
        status=409 if problem else 200,
    )
