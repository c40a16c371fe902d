"""Staff changes to the published fields of a service or of one of its parts (public places and
the access there, schedules, costs, contacts, phones): proposed by one member of staff,
checked against the record's ORUK table schema, published only when another approves. Until
then the record, and so every page, the API and exports, keeps the last approved values. Each
step is logged in the governance log."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from web.accounts.models import User
from web.assets.export import Shape, public_records, render
from web.assets.models import (
    ChangedKind,
    ChangeOperation,
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
    # ORUK's language table names only its links; these are HSDS 3.0's own fields, which the
    # service page shows and feeds publish.
    ChangedKind.LANGUAGE: {"name": "Language", "code": "Code", "note": "Note"},
}
# The parts staff may add to a service or remove from it, and what a new one may belong to:
# the service, or one of its contacts for a phone.
PARENTS: dict[str, tuple[str, ...]] = {
    ChangedKind.COST_OPTION: (ChangedKind.SERVICE,),
    ChangedKind.CONTACT: (ChangedKind.SERVICE,),
    ChangedKind.PHONE: (ChangedKind.SERVICE, ChangedKind.CONTACT),
    ChangedKind.LANGUAGE: (ChangedKind.SERVICE,),
}
# What a removed record takes with it (the database removes it too), kept in the change so
# that the history says all that went.
REMOVED_WITH: dict[str, Shape] = {
    ChangedKind.CONTACT: {"phones": {"languages": {}}},
    ChangedKind.PHONE: {"languages": {}},
}
# The nested parts a removal lists, with their labels and the fields that name each one.
NESTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "phones": ("Its phones", ("number",)),
    "languages": ("Its languages", ("name", "code")),
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
    if change.operation != ChangeOperation.REMOVE:
        return [
            FieldChange(labels.get(name, name), change.before.get(name), change.after.get(name))
            for name in change.after
        ]
    removed = [
        FieldChange(label, change.before[name], None)
        for name, label in labels.items()
        if name in change.before
    ]
    for key, (label, naming) in NESTED.items():
        parts = change.before.get(key)
        if isinstance(parts, list) and parts:
            removed.append(
                FieldChange(label, "; ".join(_named(part, naming) for part in parts), None)
            )
    return removed


def _named(part: Any, naming: tuple[str, ...]) -> str:
    if not isinstance(part, dict):
        return str(part)
    return str(next((part[name] for name in naming if part.get(name)), part.get("id", "")))


def records_of(service: Service, kind: str) -> QuerySet[Any]:
    """The records of ``kind`` staff may change for ``service``: the service itself, its public
    places (a sensitive one is changed only by its publisher's feed) and the access at them,
    its schedules, costs, contacts, phones (its own, its contacts' and at its public places)
    and languages."""
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
    if kind == ChangedKind.LANGUAGE:
        return public_records("language").filter(service=service)
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
    return _proposed(
        RecordChange(
            service=service,
            kind=kind,
            record_id=record.pk,
            before={name: record.fields.get(name) for name in after},
            after=after,
            reason=reason,
            report=report,
            proposed_by=actor,
        ),
        sorted(after),
    )


def _same(published: Any, proposed: Any) -> bool:
    """Equal, counting "10:00:00" and "10:00" as the same time of day."""
    if isinstance(published, str) and isinstance(proposed, str):
        try:
            return time.fromisoformat(published) == time.fromisoformat(proposed)
        except ValueError:
            pass
    return bool(published == proposed)


def propose_addition(
    service: Service,
    kind: str,
    parent: tuple[str, str],
    wanted: dict[str, Any],
    actor: User,
    reason: str,
    report: ErrorReport | None = None,
) -> RecordChange:
    """Record a proposed new record of ``kind`` with the fields in ``wanted``, belonging to
    ``parent`` (kind and id: the service, or one of its contacts for a phone). Its ORUK id is
    given now, a random UUID as the standard's ids are, so the history names it before it is
    published."""
    parent_kind, parent_id = parent
    if parent_kind not in PARENTS.get(kind, ()):
        raise ChangeRefused(f"A {kind} cannot be added to a {parent_kind} here")
    if not records_of(service, parent_kind).filter(pk=parent_id).exists():
        raise ChangeRefused(f"{parent_id} is not a {parent_kind} of this service")
    after = {
        name: value
        for name, value in wanted.items()
        if name in EDITABLE[kind] and value is not None
    }
    if not after:
        raise ChangeRefused("The new record has nothing in it: fill in at least one field")
    record_id = str(uuid.uuid4())
    _refuse_unless_valid(kind, {"id": record_id, **after})
    return _proposed(
        RecordChange(
            service=service,
            kind=kind,
            operation=ChangeOperation.ADD,
            record_id=record_id,
            parent_kind=parent_kind,
            parent_id=parent_id,
            before={},
            after=after,
            reason=reason,
            report=report,
            proposed_by=actor,
        ),
        sorted(after),
    )


def propose_removal(
    service: Service,
    kind: str,
    record: Record,
    actor: User,
    reason: str,
    report: ErrorReport | None = None,
) -> RecordChange:
    """Record a proposed removal of ``record``, keeping it as published (with what it takes
    with it: a contact's phones) for the history."""
    if kind not in PARENTS:
        raise ChangeRefused(f"A {kind} cannot be removed here: its publisher's feed removes it")
    if not records_of(service, kind).filter(pk=record.pk).exists():
        raise ChangeRefused(f"{record.pk} is not a {kind} of this service that staff may change")
    return _proposed(
        RecordChange(
            service=service,
            kind=kind,
            operation=ChangeOperation.REMOVE,
            record_id=record.pk,
            before=_published(kind, record),
            after={},
            reason=reason,
            report=report,
            proposed_by=actor,
        ),
        [],
    )


def _proposed(change: RecordChange, fields: list[str]) -> RecordChange:
    with transaction.atomic():
        change.save()
        record_event(
            Action.ASSET_CHANGE_PROPOSED,
            actor=change.proposed_by,
            subject=change,
            detail={
                "service": change.service_id,
                "record": change.record_id,
                "operation": change.operation,
                "fields": fields,
            },
        )
    return change


def _published(kind: str, record: Record) -> dict[str, Any]:
    return render(kind, record, REMOVED_WITH.get(kind, {}))


def approve(change: RecordChange, actor: User) -> None:
    """Publish the change: the record takes its values, is added or is removed, and the
    approval counts as a check of the service."""
    _decidable(change, actor)
    with transaction.atomic():
        PUBLISH[change.operation](change)
        now = timezone.now()
        Service.objects.filter(pk=change.service_id).update(last_checked=now, updated_at=now)
        _decide(change, actor, ChangeStatus.APPROVED, now)
        record_event(
            Action.ASSET_CHANGE_APPROVED,
            actor=actor,
            subject=change,
            detail={
                "service": change.service_id,
                "record": change.record_id,
                "operation": change.operation,
                "fields": sorted(change.after),
            },
        )


def _publish_edit(change: RecordChange) -> None:
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
    record.save()


def _publish_addition(change: RecordChange) -> None:
    service = Service.objects.get(pk=change.service_id)
    if not records_of(service, change.parent_kind).filter(pk=change.parent_id).exists():
        raise ChangeRefused(
            f"The {change.parent_kind} this was to be added to is no longer one of the "
            "service's: reject it and propose the addition again"
        )
    kind = KINDS[change.kind]
    fields = {"id": change.record_id, **change.after}
    _refuse_unless_valid(change.kind, fields)
    # The link to the parent is the table's foreign key, as for a record nested in a feed.
    kind.model._default_manager.create(
        id=change.record_id,
        fields=fields,
        **{f"{change.parent_kind}_id": change.parent_id},
        **kind.columns(fields),
    )


def _publish_removal(change: RecordChange) -> None:
    kind = KINDS[change.kind]
    record = kind.model._default_manager.select_for_update().filter(pk=change.record_id).first()
    if record is None:
        raise ChangeRefused(
            f"The {change.kind} is no longer in the register (its publisher's feed removed "
            "it): reject this change"
        )
    if _published(change.kind, record) != change.before:
        raise ChangeRefused(
            f"The {change.kind} changed since its removal was proposed: reject it and "
            "propose the removal again on the record as it is now"
        )
    record.delete()


PUBLISH: dict[str, Callable[[RecordChange], None]] = {
    ChangeOperation.EDIT: _publish_edit,
    ChangeOperation.ADD: _publish_addition,
    ChangeOperation.REMOVE: _publish_removal,
}


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
