"""Staff's fieldwork records: written, changed, and who may read their notes. The notes are
screened on every save and held for a moderator again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from web.accounts.models import User
from web.fieldwork.models import FieldworkRecord
from web.fieldwork.screening import screened
from web.insight.models import ContributionState, Round, Theme, ThemeState
from web.releases.models import Area


@dataclass(frozen=True)
class Fieldwork:
    """What staff write about one session, before screening."""

    kind: str
    held_on: date
    place: str
    recipe: str
    area: Area | None
    round: Round | None
    residents: int
    practitioners: int
    community_leaders: int
    consent: tuple[str, ...]
    # None when the notes are left as they are (staff who may not read them change the rest).
    notes: str | None
    themes: tuple[Theme, ...]
    retention_days: int


def _apply(record: FieldworkRecord, given: Fieldwork) -> None:
    record.kind = given.kind
    record.held_on = given.held_on
    record.place = given.place
    record.recipe = given.recipe
    record.lsoa11cd = given.area.lsoa11cd if given.area else ""
    record.lsoa11nm = given.area.lsoa11nm if given.area else ""
    record.round = given.round
    record.residents = given.residents
    record.practitioners = given.practitioners
    record.community_leaders = given.community_leaders
    record.consent = list(given.consent)
    record.retention_days = given.retention_days
    if given.notes is None:
        return
    notes = screened("notes", given.notes)
    record.notes = notes.masked
    record.findings = notes.findings
    # Staff notes are about other people: every one waits for a moderator, found or not.
    record.state = ContributionState.HELD
    record.published_at = None


def write(given: Fieldwork, actor: User) -> FieldworkRecord:
    record = FieldworkRecord(written_by=actor)
    _apply(record, given)
    with transaction.atomic():
        record.save()
        record.themes.set(given.themes)
    return record


def change(record: FieldworkRecord, given: Fieldwork) -> FieldworkRecord:
    """The new version replaces the old; new notes are screened and held for a moderator
    again."""
    _apply(record, given)
    record.edited_at = timezone.now()
    with transaction.atomic():
        record.save()
        record.themes.set(given.themes)
    return record


def may_read_notes(record: FieldworkRecord, reader: User) -> bool:
    """Until a moderator publishes them, only the staff who wrote the notes read them here (a
    moderator reads them on the moderation page)."""
    return record.state == ContributionState.PUBLISHED or record.written_by_id == reader.pk


def themes_for(recipe: str, round_: Round | None) -> list[Theme]:
    """The codebook themes staff may tag a record with: the round's, or those of every round of
    the recipe when no round is named."""
    themes = Theme.objects.filter(state=ThemeState.ACCEPTED).select_related("codebook__round")
    if round_ is not None:
        return list(themes.filter(codebook__round=round_))
    return list(themes.filter(codebook__round__recipe=recipe))
