"""Deleting contributions when their round's retention ends: ``retention_days`` after the
round closes. Other apps whose records have a retention period (surveys, fieldwork) join the
same daily run through ``add_expiry``."""

from __future__ import annotations

import logging
from collections.abc import Callable
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


_expiries: list[Callable[[date], int]] = []


def add_expiry(expire: Callable[[date], int]) -> None:
    """Another app's deletion at the end of retention joins the daily run (called from its
    ``AppConfig.ready``); ``expire(today)`` returns how many records it deleted."""
    if expire not in _expiries:
        _expiries.append(expire)


def expire_others(today: date) -> int:
    """Every other app's records whose retention has ended by ``today``; how many."""
    return sum(expire(today) for expire in _expiries)
