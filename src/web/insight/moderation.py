"""Moderators' decisions: approve, reject with a reason, or mask more. Each is a
``ModerationDecision`` and a governance event; the log exports as CSV without any text a
participant typed."""

from __future__ import annotations

import csv
import io
import re

from django.db import transaction
from django.utils import timezone

from web.accounts.models import User
from web.governance.models import Action
from web.governance.services import record_event
from web.insight.contributions import TEXT_FIELDS
from web.insight.models import (
    Contribution,
    ContributionState,
    Decision,
    ModerationDecision,
    RejectReason,
)


class NotInText(ValueError):
    """The words a moderator asked to mask are not in the field."""


def _decide(
    contribution: Contribution,
    actor: User,
    decision: Decision,
    *,
    reason: str = "",
    note: str = "",
    detail: dict[str, object] | None = None,
) -> ModerationDecision:
    made = ModerationDecision.objects.create(
        contribution=contribution,
        contribution_number=contribution.pk,
        round_area=contribution.round_area,
        decided_by=actor,
        decision=decision,
        reason=reason,
        finding_kinds=contribution.finding_kinds,
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
        subject=contribution,
        detail={"decision": made.pk, "reason": reason, **(detail or {})},
    )
    return made


def approve(contribution: Contribution, actor: User, note: str = "") -> ModerationDecision:
    with transaction.atomic():
        contribution.state = ContributionState.PUBLISHED
        contribution.published_at = timezone.now()
        contribution.save(update_fields=["state", "published_at"])
        return _decide(contribution, actor, Decision.APPROVED, note=note)


def reject(
    contribution: Contribution, actor: User, reason: RejectReason, note: str = ""
) -> ModerationDecision:
    """Not published; its text is deleted at once, since nobody will read it again."""
    with transaction.atomic():
        contribution.state = ContributionState.REJECTED
        contribution.published_at = None
        contribution.reasons = ""
        contribution.local_knowledge = ""
        contribution.save(update_fields=["state", "published_at", "reasons", "local_knowledge"])
        return _decide(contribution, actor, Decision.REJECTED, reason=reason, note=note)


def mask(
    contribution: Contribution, actor: User, field: str, words: str, kind: str
) -> ModerationDecision:
    """Replace every occurrence of ``words`` in one field with ``[kind]``. A moderator can hide
    more, never reveal or add: the result is the masked text with less in it."""
    if field not in TEXT_FIELDS:
        raise ValueError(f"Unknown field {field!r}")
    text: str = getattr(contribution, field)
    pattern = re.compile(re.escape(words.strip()), re.IGNORECASE)
    if not words.strip() or not pattern.search(text):
        raise NotInText(words)
    with transaction.atomic():
        setattr(contribution, field, pattern.sub(f"[{kind}]", text))
        contribution.findings = [
            *contribution.findings,
            {"field": field, "kind": kind, "by": "moderator"},
        ]
        contribution.save(update_fields=[field, "findings"])
        return _decide(contribution, actor, Decision.MASKED, detail={"field": field, "kind": kind})


EXPORT_COLUMNS = (
    "decided_at",
    "moderator",
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
    decisions = ModerationDecision.objects.select_related("decided_by", "round_area__round")
    for made in decisions.order_by("decided_at", "pk"):
        writer.writerow(
            (
                made.decided_at.isoformat(),
                made.decided_by.username,
                made.round_area.round_id,
                made.round_area.round.recipe,
                made.round_area.lsoa11cd,
                made.contribution_number,
                made.decision,
                made.reason,
                " ".join(made.finding_kinds),
            )
        )
    return out.getvalue()
