"""Staff pages of the asset register (partner analysts and administrators): reports to handle,
changes to approve, records not checked for a while, proposing a change to a service (to its
records' fields, or a part added or removed) and approving another's. Thin: the work is in
``changes`` and ``reports``."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from web.accounts.models import User
from web.assets.changes import (
    CHECK_AGES_MONTHS,
    PARENTS,
    ChangeRefused,
    approve,
    field_changes,
    mark_checked,
    not_checked_since,
    propose,
    propose_addition,
    propose_removal,
    records_of,
    reject,
)
from web.assets.export import confidential_services
from web.assets.forms import (
    AccessibilityChangeForm,
    ChangeForm,
    CloseReportForm,
    ContactChangeForm,
    CostChangeForm,
    LanguageChangeForm,
    LocationChangeForm,
    PhoneAdditionForm,
    PhoneChangeForm,
    RemovalForm,
    ScheduleChangeForm,
    ServiceChangeForm,
)
from web.assets.hours import opening
from web.assets.models import (
    ChangedKind,
    ChangeOperation,
    ChangeStatus,
    ErrorReport,
    Record,
    RecordChange,
    ReportStatus,
    Schedule,
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


FORMS: dict[str, type[ChangeForm]] = {
    ChangedKind.SERVICE: ServiceChangeForm,
    ChangedKind.LOCATION: LocationChangeForm,
    ChangedKind.ACCESSIBILITY: AccessibilityChangeForm,
    ChangedKind.SCHEDULE: ScheduleChangeForm,
    ChangedKind.COST_OPTION: CostChangeForm,
    ChangedKind.CONTACT: ContactChangeForm,
    ChangedKind.PHONE: PhoneChangeForm,
    ChangedKind.LANGUAGE: LanguageChangeForm,
}
PREFIXES: dict[str, str] = {
    ChangedKind.SERVICE: "service",
    ChangedKind.LOCATION: "place",
    ChangedKind.ACCESSIBILITY: "access",
    ChangedKind.SCHEDULE: "times",
    ChangedKind.COST_OPTION: "cost",
    ChangedKind.CONTACT: "contact",
    ChangedKind.PHONE: "phone",
    ChangedKind.LANGUAGE: "language",
}
# What names each record on the staff page, after the words for its kind.
TITLE_FIELDS: dict[str, tuple[str, ...]] = {
    ChangedKind.LOCATION: ("name",),
    ChangedKind.ACCESSIBILITY: ("description", "accessibility"),
    ChangedKind.COST_OPTION: ("option", "amount_description", "amount"),
    ChangedKind.CONTACT: ("name", "title"),
    ChangedKind.PHONE: ("number",),
    ChangedKind.LANGUAGE: ("name", "code"),
}
TITLES: dict[str, str] = {
    ChangedKind.LOCATION: "Place",
    ChangedKind.ACCESSIBILITY: "Access",
    ChangedKind.COST_OPTION: "Cost",
    ChangedKind.CONTACT: "Contact",
    ChangedKind.PHONE: "Phone",
    ChangedKind.LANGUAGE: "Language",
}
# The heading of the form that proposes a new part of each kind.
ADD_TITLES: dict[str, str] = {
    ChangedKind.COST_OPTION: "Add a cost",
    ChangedKind.CONTACT: "Add a contact",
    ChangedKind.PHONE: "Add a phone number",
    ChangedKind.LANGUAGE: "Add a language",
}
BUTTONS: dict[str, str] = {
    ChangeOperation.EDIT: "Propose the change",
    ChangeOperation.ADD: "Propose adding it",
    ChangeOperation.REMOVE: "Propose removing it",
}


@dataclass(frozen=True)
class Proposal:
    """One form on a service's staff page: to change a record, remove it, or add a new one
    (``record`` is then None)."""

    operation: str
    kind: str
    record: Record | None
    form: ChangeForm

    @property
    def target(self) -> str:
        """What the form's hidden field names, so a post is matched to its form."""
        return f"{self.kind}:{self.record.pk if self.record is not None else 'new'}"

    @property
    def button(self) -> str:
        return BUTTONS[self.operation]


@dataclass(frozen=True)
class Section:
    """A record of the service, or a part that may be added, with its forms."""

    title: str
    proposals: list[Proposal]


def _sections(service: Service, posted: HttpRequest | None) -> list[Section]:
    """A section for the service and for each of its records staff may change (with a form to
    remove it, for the parts that may be added and removed), then one to add each such part;
    the form the request posted is bound to it."""

    def bound(operation: str, target: str) -> QueryDict | None:
        if posted is None:
            return None
        asked = (posted.POST.get("operation", ChangeOperation.EDIT), posted.POST.get("record"))
        return posted.POST if asked == (operation, target) else None

    sections = []
    for kind, form_class in FORMS.items():
        for index, record in enumerate(records_of(service, kind).order_by("pk")):
            target = f"{kind}:{record.pk}"
            prefix = f"{PREFIXES[kind]}-{index}"
            initial = {name: record.fields.get(name) for name in form_class.FIELDS}
            edit = form_class(bound(ChangeOperation.EDIT, target), initial=initial, prefix=prefix)
            proposals = [Proposal(ChangeOperation.EDIT, kind, record, edit)]
            if kind in PARENTS:
                removal = RemovalForm(
                    bound(ChangeOperation.REMOVE, target), prefix=f"{prefix}-remove"
                )
                proposals.append(Proposal(ChangeOperation.REMOVE, kind, record, removal))
            sections.append(Section(_title(kind, record), proposals))
    for kind in PARENTS:
        data = bound(ChangeOperation.ADD, f"{kind}:new")
        prefix = f"{PREFIXES[kind]}-new"
        addition = (
            PhoneAdditionForm(data, prefix=prefix, owners=_owners(service))
            if kind == ChangedKind.PHONE
            else FORMS[kind](data, prefix=prefix)
        )
        proposal = Proposal(ChangeOperation.ADD, kind, None, addition)
        sections.append(Section(ADD_TITLES[kind], [proposal]))
    return sections


def _owners(service: Service) -> list[tuple[str, str]]:
    """Whose a new phone may be: the service's own, or one of its contacts'."""
    contacts = records_of(service, ChangedKind.CONTACT).order_by("pk")
    return [
        (f"{ChangedKind.SERVICE}:{service.pk}", "The service's own number"),
        *(
            (f"{ChangedKind.CONTACT}:{contact.pk}", _title(ChangedKind.CONTACT, contact))
            for contact in contacts
        ),
    ]


def _title(kind: str, record: Record) -> str:
    if kind == ChangedKind.SERVICE:
        return "The service"
    if kind in TITLE_FIELDS:
        named = (record.fields.get(name) for name in TITLE_FIELDS[kind])
        return f"{TITLES[kind]}: {next((str(value) for value in named if value), record.pk)}"
    if isinstance(record, Schedule):
        words = opening(
            record.fields, record.byday, record.freq, record.opens_at, record.closes_at
        ).sentence()
        return f"Opening times: {words or record.pk}"
    return record.pk


def edit_service(request: HttpRequest, service_id: str) -> HttpResponse:
    service = get_object_or_404(Service, pk=service_id)
    actor = _staff(request)
    if request.method == "POST" and request.POST.get("action") == "checked":
        mark_checked(service, actor)
        messages.success(request, f"{service.name} is marked as checked today.")
        return redirect("assets:edit_service", service_id=service.pk)
    report_id = request.GET.get("report") or request.POST.get("report") or ""
    report = (
        ErrorReport.objects.filter(pk=report_id, service=service).first()
        if report_id.isdigit()
        else None
    )
    sections = _sections(service, request if request.method == "POST" else None)
    submitted = next(
        (item for section in sections for item in section.proposals if item.form.is_bound), None
    )
    if submitted is not None and submitted.form.is_valid():
        try:
            change = _propose(service, submitted, actor, report)
        except ChangeRefused as refused:
            submitted.form.add_error(None, str(refused))
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
        {
            "service": service,
            "sections": sections,
            "form": submitted.form if submitted is not None else None,
            "history": history,
            "report": report,
            "confidential": service.pk in confidential_services([service.pk]),
        },
    )


def _propose(
    service: Service, proposal: Proposal, actor: User, report: ErrorReport | None
) -> RecordChange:
    form = proposal.form
    reason = form.cleaned_data["reason"]
    if proposal.record is None:
        parent = form.belongs_to(service.pk)
        return propose_addition(
            service, proposal.kind, parent, form.wanted(), actor, reason, report=report
        )
    if proposal.operation == ChangeOperation.REMOVE:
        return propose_removal(service, proposal.kind, proposal.record, actor, reason, report)
    return propose(
        service, proposal.kind, proposal.record, form.wanted(), actor, reason, report=report
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
