"""Deleting at the end of retention: a survey's responses ``retention_days`` after it closes,
a fieldwork record ``retention_days`` after the day it was held. Run daily with validation
rounds' contributions (``manage.py expire_contributions``)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import transaction

from web.fieldwork.models import FieldworkRecord, Survey
from web.governance.models import Action
from web.governance.services import record_event

logger = logging.getLogger(__name__)


def expire_fieldwork(today: date) -> int:
    """Delete every survey response and fieldwork record whose retention has ended by
    ``today``; logs counts only. Returns how many were deleted."""
    deleted_total = 0
    for survey in Survey.objects.all():
        if survey.closes_on + timedelta(days=survey.retention_days) > today:
            continue
        with transaction.atomic():
            deleted = survey.responses.count()
            survey.responses.all().delete()
            if deleted:
                record_event(Action.INSIGHT_EXPIRED, subject=survey, detail={"deleted": deleted})
        if deleted:
            logger.info("Survey %s: %d responses deleted after retention", survey.pk, deleted)
        deleted_total += deleted
    for record in FieldworkRecord.objects.all():
        if record.held_on + timedelta(days=record.retention_days) > today:
            continue
        with transaction.atomic():
            record_event(Action.INSIGHT_EXPIRED, subject=record, detail={"deleted": 1})
            record.delete()
        logger.info("A fieldwork record was deleted after retention")
        deleted_total += 1
    return deleted_total
