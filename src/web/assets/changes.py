"""Staff changes to the published fields of a service or of one of its parts (public places and
the access there, schedules, costs, contacts, phones): proposed by one member of staff,
checked against the record's ORUK table schema, published only when another approves. Until
then the record, and so every page, the API and exports, keeps the last approved values. Each
step is logged in the governance log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from web.accounts.models import User
from web.assets.export import public_records
from web.assets.models import (
    ChangedKind,
    ChangeStatus,
    ErrorReport,
    Record,
    RecordChange,
    Service,
)
from web.assets.records import KINDS
from web.assets.schemas import problems_against
from web.governance.models import Action
from web.governance.services import record_event

# The published fields staff may change, per kind of record, with their labels.
EDITABLE: dict[str, dict[str, str]] = {
    ChangedKind.SERVICE: {
        "name": "Name",
        "description": "What it is",
        "url": "Website",
        "email": "Email",
        "minimum_age": "Youngest age",
        "maximum_age": "Oldest age",
    },
    ChangedKind.LOCATION: {"name": "Name of the place", "description": "How to get there"},
    ChangedKind.SCHEDULE: {
        "byday": "Days",
        "opens_at": "Opens at",
        "closes_at": "Closes at",
        "description": "When, in words",
        "notes": "Notes",
    },
    ChangedKind.COST_OPTION: {
        "option": "What the cost is for",
        "amount": "Amount in pounds",
        "amount_description": "The cost in words",
    },
    ChangedKind.CONTACT: {"name": "Name", "title": "Role"},
    ChangedKind.PHONE: {"number": "Number", "description": "About the number"},
    ChangedKind.ACCESSIBILITY: {
        "description": "Access",
        "details": "More about it",
        "url": "Web page about access",
    },
}
# How long since a person last checked a record before staff are asked to check it again.
CHECK_AGES_MONTHS = (3, 6, 12)


class ChangeRefused(Exception):
    """A change cannot be proposed or decided; the message says why and what to do."""


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: Any
    after: Any


def field_changes(change: RecordChange) -> list[FieldChange]:
    labels = EDITABLE[change.kind]
    return [
        FieldChange(labels.get(name, name), change.before.get(name), change.after.get(name))
        for name in change.after
    ]


def records_of(service: Service, kind: str) -> QuerySet[Any]:
    """The records of ``kind`` staff may change for ``service``: the service itself, its public
    places (a sensitive one is changed only by its publisher's feed) and the access at them,
    its schedules, costs, contacts and phones (its own, its contacts' and at its public
    places)."""
    at_service = Q(service=service) | Q(service_at_location__service=service)
    if kind == ChangedKind.SERVICE:
        return Service.objects.filter(pk=service.pk)
    if kind == ChangedKind.LOCATION:
        return public_records("location").filter(pk__in=_places_of(service))
    if kind == ChangedKind.ACCESSIBILITY:
        return public_records("accessibility").filter(location_id__in=_places_of(service))
    if kind == ChangedKind.SCHEDULE:
        return public_records("schedule").filter(at_service)
    if kind == ChangedKind.COST_OPTION:
        return public_records("cost_option").filter(service=service)
    if kind == ChangedKind.CONTACT:
        return public_records("contact").filter(at_service)
    if kind == ChangedKind.PHONE:
        contacts = public_records("contact").filter(at_service).values("pk")
        return public_records("phone").filter(at_service | Q(contact_id__in=contacts))
    raise ChangeRefused(f"{kind} records cannot be changed here")


def _places_of(service: Service) -> QuerySet[Any]:
    places = public_records("service_at_location").filter(service=service)
    return public_records("location").filter(pk__in=places.values("location_id")).values("pk")


def _with_change(fields: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The record's published fields once ``after`` is applied: None removes a field."""
    changed = {**fields}
    for name, value in after.items():
        if value is None:
            changed.pop(name, None)
        else:
            changed[name] = value
    return changed


def _refuse_unless_valid(kind: str, fields: dict[str, Any]) -> None:
    """The record as it would be published must meet its ORUK table schema."""
    found = problems_against(f"{kind}.json", fields, kind)
    if found:
        raise ChangeRefused(
            "The record would break the Open Referral UK standard: " + "; ".join(found)
        )


def propose(
    service: Service,
    kind: str,
    record: Record,
    wanted: dict[str, Any],
    actor: User,
    reason: str,
    report: ErrorReport | None = None,
) -> RecordChange:
    """Record a proposed change of the fields in ``wanted`` that differ from ``record``'s."""
    if not records_of(service, kind).filter(pk=record.pk).exists():
        raise ChangeRefused(f"{record.pk} is not a {kind} of this service that staff may change")
    after = {
        name: value
        for name, value in wanted.items()
        if name in EDITABLE[kind] and not _same(record.fields.get(name), value)
    }
    if not after:
        raise ChangeRefused("Nothing differs from the published record: change a field first")
    _refuse_unless_valid(kind, _with_change(record.fields, after))
    with transaction.atomic():
        change = RecordChange.objects.create(
            service=service,
            kind=kind,
            record_id=record.pk,
            before={name: record.fields.get(name) for name in after},
            after=after,
            reason=reason,
            report=report,
            proposed_by=actor,
        )
        record_event(
            Action.ASSET_CHANGE_PROPOSED,
            actor=actor,
            subject=change,
            detail={"service": service.pk, "record": record.pk, "fields": sorted(after)},
        )
    return change


def _same(published: Any, proposed: Any) -> bool:
    """Equal, counting "10:00:00" and "10:00" as the same time of day."""
    if isinstance(published, str) and isinstance(proposed, str):
        try:
            return time.fromisoformat(published) == time.fromisoformat(proposed)
        except ValueError:
            pass
    return bool(published == proposed)


def approve(change: RecordChange, actor: User) -> None:
    """Publish the change: the record takes its values, and the approval counts as a check of
    the service."""
    _decidable(change, actor)
    with transaction.atomic():
        kind = KINDS[change.kind]
        record = kind.model._default_manager.select_for_update().get(pk=change.record_id)
        stale = [name for name, value in change.before.items() if record.fields.get(name) != value]
        if stale:
            raise ChangeRefused(
                f"The record's {', '.join(stale)} changed since this was proposed: reject it "
                "and propose the change again on the record as it is now"
            )
        fields = _with_change(record.fields, change.after)
        _refuse_unless_valid(change.kind, fields)
        record.fields = fields
        for column, value in kind.columns(fields).items():
            setattr(record, column, value)
        now = timezone.now()
        record.save()
        Service.objects.filter(pk=change.service_id).update(last_checked=now, updated_at=now)
        _decide(change, actor, ChangeStatus.APPROVED, now)
        record_event(
            Action.ASSET_CHANGE_APPROVED,
            actor=actor,
            subject=change,
            detail={
                "service": change.service_id,
                "record": change.record_id,
                "fields": sorted(change.after),
            },
        )


def reject(change: RecordChange, actor: User) -> None:
    _decidable(change, actor)
    with transaction.atomic():
        _decide(change, actor, ChangeStatus.REJECTED, timezone.now())
        record_event(
            Action.ASSET_CHANGE_REJECTED,
            actor=actor,
            subject=change,
            detail={"service": change.service_id},
        )


def _decidable(change: RecordChange, actor: User) -> None:
    if change.status != ChangeStatus.PROPOSED:
        raise ChangeRefused(f"This change is already {change.get_status_display().lower()}")
    if change.proposed_by_id == actor.pk:
        raise ChangeRefused("Another member of staff must approve or reject a change you proposed")


def _decide(change: RecordChange, actor: User, status: ChangeStatus, when: datetime) -> None:
    change.status = status
    change.decided_by = actor
    change.decided_at = when
    change.save(update_fields=["status", "decided_by", "decided_at"])


def mark_checked(service: Service, actor: User) -> None:
    """A member of staff confirms the record is right today."""
    with transaction.atomic():
        service.last_checked = timezone.now()
        service.save(update_fields=["last_checked", "updated_at"])
        record_event(
            Action.ASSET_RECORD_CHECKED,
            actor=actor,
            subject=service,
            detail={"last_checked": service.last_checked.isoformat()},
        )


def not_checked_since(months: int, now: datetime | None = None) -> QuerySet[Service]:
    """Services no person has checked for ``months`` months (30-day months), or ever;
    the longest unchecked first."""
    cutoff = (now or timezone.now()) - timedelta(days=30 * months)
    stale = Service.objects.filter(Q(last_checked__isnull=True) | Q(last_checked__lt=cutoff))
    return stale.order_by("last_checked", "name", "pk")
