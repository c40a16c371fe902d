"""Staff's work on rounds: make one from a release's flagged areas, add areas, open and close
it, answer what was said. Each step is logged in the governance log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from web.accounts.models import User
from web.governance.models import Action
from web.governance.services import record_event
from web.insight.models import AreaResponse, AreaSource, Round, RoundArea, RoundStatus
from web.releases.models import Area, Release


@dataclass(frozen=True)
class RoundPlan:
    release: Release
    question: str
    opens_on: date
    closes_on: date
    retention_days: int
    invited_roles: tuple[str, ...]
    practitioner_groups: str = ""
    moderate_unflagged: bool = True
    added_codes: tuple[str, ...] = ()
    source_sha256: str = ""


def _round_area(round_: Round, area: Area, source: AreaSource) -> RoundArea:
    return RoundArea.objects.create(
        round=round_,
        lsoa11cd=area.lsoa11cd,
        lsoa11nm=area.lsoa11nm,
        source=source,
        flagged=area.flagged,
    )


def create_round(plan: RoundPlan, actor: User) -> Round:
    """A round over every area the release flags, and the areas staff add."""
    with transaction.atomic():
        round_ = Round.objects.create(
            release=plan.release,
            recipe=plan.release.recipe,
            question=plan.question,
            opens_on=plan.opens_on,
            closes_on=plan.closes_on,
            retention_days=plan.retention_days,
            invited_roles=list(plan.invited_roles),
            practitioner_groups=plan.practitioner_groups,
            moderate_unflagged=plan.moderate_unflagged,
            created_by=actor,
            source_sha256=plan.source_sha256,
        )
        areas = plan.release.areas.defer("geometry")
        for area in areas.filter(flagged=True):
            _round_area(round_, area, AreaSource.FLAGGED)
        for area in areas.filter(lsoa11cd__in=plan.added_codes, flagged=False):
            _round_area(round_, area, AreaSource.ADDED)
        record_event(
            Action.INSIGHT_ROUND_CREATED,
            actor=actor,
            subject=round_,
            detail={"release": plan.release.id, "areas": round_.areas.count()},
        )
    return round_


def add_area(round_: Round, area: Area, actor: User) -> RoundArea:
    with transaction.atomic():
        added = _round_area(round_, area, AreaSource.ADDED)
        record_event(
            Action.INSIGHT_AREA_ADDED, actor=actor, subject=round_, detail={"lsoa": area.lsoa11cd}
        )
    return added


def set_status(round_: Round, status: RoundStatus, actor: User) -> Round:
    action = (
        Action.INSIGHT_ROUND_OPENED if status == RoundStatus.OPEN else Action.INSIGHT_ROUND_CLOSED
    )
    with transaction.atomic():
        round_.status = status
        round_.save(update_fields=["status"])
        record_event(action, actor=actor, subject=round_)
    return round_


def write_response(round_area: RoundArea, you_said: str, we_did: str, actor: User) -> AreaResponse:
    with transaction.atomic():
        response, _ = AreaResponse.objects.update_or_create(
            round_area=round_area,
            defaults={"you_said": you_said, "we_did": we_did, "written_by": actor},
        )
        record_event(
            Action.INSIGHT_RESPONSE_WRITTEN,
            actor=actor,
            subject=round_area.round,
            detail={"lsoa": round_area.lsoa11cd},
        )
    return response
