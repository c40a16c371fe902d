"""Staff changes to a service's published fields: proposed by one member of staff, published
only when another approves. Until then the record, and so every page, the API and exports,
keeps the last approved values. Each step is logged in the governance log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from web.accounts.models import User
from web.assets.models import ChangeStatus, ErrorReport, RecordChange, Service
from web.assets.records import KINDS
from web.governance.models import Action
from web.governance.services import record_event

# The published fields of a service staff may change here, with their labels.
EDITABLE = {
    "name": "Name",
    "description": "What it is",
    "url": "Website",
    "email": "Email",
    "minimum_age": "Youngest age",
    "maximum_age": "Oldest age",
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
    return [
        FieldChange(EDITABLE.get(name, name), change.before.get(name), change.after.get(name))
        for name in change.after
    ]


def propose(
    service: Service,
    wanted: dict[str, Any],
    actor: User,
    reason: str,
    report: ErrorReport | None = None,
) -> RecordChange:
    """Record a proposed change of the fields in ``wanted`` that differ from the record's."""
    after = {
        name: value
        for name, value in wanted.items()
        if name in EDITABLE and service.fields.get(name) != value
    }
    if not after:
        raise ChangeRefused("Nothing differs from the published record: change a field first")
    with transaction.atomic():
        change = RecordChange.objects.create(
            service=service,
            before={name: service.fields.get(name) for name in after},
            after=after,
            reason=reason,
            report=report,
            proposed_by=actor,
        )
        record_event(
            Action.ASSET_CHANGE_PROPOSED,
            actor=actor,
            subject=change,
            detail={"service": service.pk, "fields": sorted(after)},
        )
    return change


def approve(change: RecordChange, actor: User) -> None:
    """Publish the change: the record takes its values, and the approval counts as a check."""
    _decidable(change, actor)
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=change.service_id)
        stale = [name for name, value in change.before.items() if service.fields.get(name) != value]
        if stale:
            raise ChangeRefused(
                f"The record's {', '.join(stale)} changed since this was proposed: reject it "
                "and propose the change again on the record as it is now"
            )
        fields = {**service.fields}
        for name, value in change.after.items():
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = value
        service.fields = fields
        for column, value in KINDS["service"].columns(fields).items():
            setattr(service, column, value)
        now = timezone.now()
        service.last_checked = now
        service.save()
        _decide(change, actor, ChangeStatus.APPROVED, now)
        record_event(
            Action.ASSET_CHANGE_APPROVED,
            actor=actor,
            subject=change,
            detail={"service": service.pk, "fields": sorted(change.after)},
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
