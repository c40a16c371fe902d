"""Deleting contributions when their round's retention ends: ``retention_days`` after the
round closes."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import transaction

from web.governance.models import Action
from web.governance.services import record_event
from web.insight.models import Contribution, Round

logger = logging.getLogger(__name__)


def expire_contributions(today: date) -> int:
    """Delete every contribution whose round's retention has ended by ``today``; logs counts
    only. Returns how many were deleted."""
    deleted_total = 0
    for round_ in Round.objects.all():
        if round_.closes_on + timedelta(days=round_.retention_days) > today:
            continue
        with transaction.atomic():
            deleted, _ = Contribution.objects.filter(round_area__round=round_).delete()
            if deleted:
                record_event(Action.INSIGHT_EXPIRED, subject=round_, detail={"deleted": deleted})
        if deleted:
            logger.info("Round %s: %d contributions deleted after retention", round_.pk, deleted)
        deleted_total += deleted
    return deleted_total
