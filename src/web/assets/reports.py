"""Anyone's report that a public record is wrong: no account, no personal data asked, a
honeypot for robots and a limit per address, kept for staff to handle."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from web.accounts.models import User
from web.assets.export import public_records
from web.assets.models import ErrorReport, ReportStatus, Service
from web.core.abuse import within_limit
from web.governance.models import Action
from web.governance.services import record_event

# The parts of a service a report can be about; a public place is named by its location id.
PARTS = {
    "about": "What the service is or who it is for",
    "opening": "When it is open",
    "contact": "How to contact it",
    "closed": "It has closed or moved",
    "other": "Something else",
}
# Reports one address may send in the window; enough for a person, not for a robot.
REPORTS_PER_WINDOW = 5
WINDOW_SECONDS = 3600


def part_choices(service: Service) -> list[tuple[str, str]]:
    """What a report on ``service`` can be about: its parts and its public places only."""
    places = (
        public_records("service_at_location")
        .filter(service=service)
        .select_related("location")
        .order_by("pk")
    )
    return [
        *list(PARTS.items())[:2],
        *(
            (place.location_id, f"Where it is: {place.location.fields.get('name') or 'a place'}")
            for place in places
        ),
        *list(PARTS.items())[2:],
    ]


def may_report(address: str | None) -> bool:
    """True while this address has sent fewer than the limit in the window; counts this one."""
    return within_limit(
        "assets:report-throttle", address or "unknown", REPORTS_PER_WINDOW, WINDOW_SECONDS
    )


def receive_report(service: Service, part: str, what_is_wrong: str) -> ErrorReport:
    with transaction.atomic():
        report = ErrorReport.objects.create(service=service, part=part, what_is_wrong=what_is_wrong)
        record_event(
            Action.ASSET_ERROR_REPORTED,
            subject=report,
            detail={"service": service.pk, "part": part},
        )
    return report


def part_label(report: ErrorReport) -> str:
    if report.part in PARTS:
        return PARTS[report.part]
    place = public_records("location").filter(pk=report.part).first()
    return f"Where it is: {place.fields.get('name') or place.pk}" if place else report.part


def close_report(report: ErrorReport, actor: User, outcome: str) -> None:
    with transaction.atomic():
        report.status = ReportStatus.CLOSED
        report.closed_by = actor
        report.closed_at = timezone.now()
        report.outcome = outcome
        report.save(update_fields=["status", "closed_by", "closed_at", "outcome"])
        record_event(
            Action.ASSET_REPORT_CLOSED, actor=actor, subject=report, detail={"outcome": outcome}
        )
