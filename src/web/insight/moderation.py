"""Moderators' decisions: approve, reject with a reason, or mask more. Each is a
``ModerationDecision`` and a governance event; the log exports as CSV without any text a
participant typed.

A contribution is one kind of moderated item; other apps bring others (a survey's free-text
answer, fieldwork notes) through ``Moderated``, and list theirs in the queue through
``add_held_source``, so there is one queue, one decision model and one log."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from django.db import transaction
from django.utils import timezone

from web.accounts.models import User
from web.governance.models import Action
from web.governance.services import record_event
from web.insight.models import (
    Contribution,
    ContributionState,
    Decision,
    ModerationDecision,
    RejectReason,
)


class Moderated(Protocol):
    """A stored item a moderator decides on: its free texts are stored masked, with what
    screening found, and it is held, published or rejected (``ContributionState``)."""

    text_fields: ClassVar[tuple[str, ...]]
    pk: Any
    state: str
    published_at: datetime | None
    findings: list[dict[str, Any]]

    @property
    def finding_kinds(self) -> list[str]: ...

    @property
    def recipe(self) -> str: ...

    def save(self, *, update_fields: list[str]) -> None: ...


@dataclass(frozen=True)
class HeldItem:
    """An item other than a contribution waiting in the queue."""

    label: str
    url: str
    about: str
    finding_kinds: list[str]
    received_at: datetime


_held_sources: list[Callable[[], Iterable[HeldItem]]] = []


def add_held_source(source: Callable[[], Iterable[HeldItem]]) -> None:
    """Another app's held items join the queue (called from its ``AppConfig.ready``)."""
    if source not in _held_sources:
        _held_sources.append(source)


def held_elsewhere() -> list[HeldItem]:
    """Every other app's held items, oldest first."""
    found = [item for source in _held_sources for item in source()]
    return sorted(found, key=lambda item: item.received_at)


class NotInText(ValueError):
    """The words a moderator asked to mask are not in the field."""


def _decide(
    item: Moderated,
    actor: User,
    decision: Decision,
    *,
    reason: str = "",
    note: str = "",
    detail: dict[str, object] | None = None,
) -> ModerationDecision:
    contribution = item if isinstance(item, Contribution) else None
    made = ModerationDecision.objects.create(
        contribution=contribution,
        contribution_number=item.pk,
        item_type=item._meta.label_lower,  # type: ignore[attr-defined]
        recipe=item.recipe,
        round_area=contribution.round_area if contribution else None,
        decided_by=actor,
        decision=decision,
        reason=reason,
        finding_kinds=item.finding_kinds,
        note=note,
    )
    action = {
        Decision.APPROVED: Action.INSIGHT_APPROVED,
        Decision.REJECTED: Action.INSIGHT_REJECTED,
        Decision.MASKED: Action.INSIGHT_MASKED,
    }[decision]
    record_event(
        action,
        actor=actor,
        subject=item,  # type: ignore[arg-type]
        detail={"decision": made.pk, "reason": reason, **(detail or {})},
    )
    return made


def approve(item: Moderated, actor: User, note: str = "") -> ModerationDecision:
    with transaction.atomic():
        item.state = ContributionState.PUBLISHED
        item.published_at = timezone.now()
        item.save(update_fields=["state", "published_at"])
        return _decide(item, actor, Decision.APPROVED, note=note)


def reject(
    item: Moderated, actor: User, reason: RejectReason, note: str = ""
) -> ModerationDecision:
    """Not published; its text is deleted at once, since nobody will read it again."""
    with transaction.atomic():
        item.state = ContributionState.REJECTED
        item.published_at = None
        for field in item.text_fields:
            setattr(item, field, "")
        item.save(update_fields=["state", "published_at", *item.text_fields])
        return _decide(item, actor, Decision.REJECTED, reason=reason, note=note)


def mask(item: Moderated, actor: User, field: str, words: str, kind: str) -> ModerationDecision:
    """Replace every occurrence of ``words`` in one field with ``[kind]``. A moderator can hide
    more, never reveal or add: the result is the masked text with less in it."""
    if field not in item.text_fields:
        raise ValueError(f"Unknown field {field!r}")
    text: str = getattr(item, field)
    pattern = re.compile(re.escape(words.strip()), re.IGNORECASE)
    if not words.strip() or not pattern.search(text):
        raise NotInText(words)
    with transaction.atomic():
        setattr(item, field, pattern.sub(f"[{kind}]", text))
        item.findings = [*item.findings, {"field": field, "kind": kind, "by": "moderator"}]
        item.save(update_fields=[field, "findings"])
        return _decide(item, actor, Decision.MASKED, detail={"field": field, "kind": kind})


EXPORT_COLUMNS = (
    "decided_at",
    "moderator",
    "item",
    "round",
    "recipe",
    "lsoa11cd",
    "contribution",
    "decision",
    "reason",
    "found_by_screening",
)


def export_decisions_csv() -> str:
    """The decision log: who decided what, when and why, naming kinds found, never text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    decisions = ModerationDecision.objects.select_related("decided_by", "round_area")
    for made in decisions.order_by("decided_at", "pk"):
        writer.writerow(
            (
                made.decided_at.isoformat(),
                made.decided_by.username,
                made.item_type,
                made.round_area.round_id if made.round_area else "",
                made.recipe,
                made.round_area.lsoa11cd if made.round_area else "",
                made.contribution_number,
                made.decision,
                made.reason,
                " ".join(made.finding_kinds),
            )
        )
    return out.getvalue()
