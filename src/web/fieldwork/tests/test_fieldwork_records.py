"""Staff record interviews, workshops and street conversations: who took part by role (counts,
never names), where, when, what they agreed to, notes and themes. Only staff see fieldwork; the
notes are masked on save and held, and only their writer reads them until a moderator
publishes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.test import Client
from django.urls import reverse

from web.accounts.models import User
from web.accounts.roles import Role
from web.fieldwork.models import FieldworkRecord
from web.fieldwork.tests.factories import make_record
from web.insight.models import ContributionState, ThemeState
from web.insight.moderation import approve
from web.insight.tests.factories import make_round, round_organiser, suggested_theme
from web.releases.models import Release


def _record(release: Release, **fields: object) -> dict[str, object]:
    area = release.areas.order_by("lsoa11cd").first()
    assert area is not None
    data: dict[str, object] = {
        "kind": "interview",
        "held_on_day": "2",
        "held_on_month": "12",
        "held_on_year": "2026",
        "place": "Library, Pitsea",
        "recipe": release.recipe,
        "area": f"{release.recipe}:{area.lsoa11cd}",
        "round": "",
        "residents": "2",
        "practitioners": "0",
        "community_leaders": "1",
        "consent": ["recorded", "quoted", "contact"],
        "notes": "Two mothers said the health visitor clinic moved across town.",
        "retention_days": "365",
    }
    data.update(fields)
    return data


def test_consent_and_who_took_part_are_recorded_and_shown(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    analyst = client_for(Role.PARTNER_ANALYST)

    sent = analyst.post(reverse("fieldwork:record_create"), _record(release))

    record = FieldworkRecord.objects.get()
    assert sent.headers["Location"] == reverse("fieldwork:record", args=[record.pk])
    assert record.consent == ["recorded", "quoted", "contact"]
    assert (record.residents, record.practitioners, record.community_leaders) == (2, 0, 1)
    assert record.held_on == date(2026, 12, 2)
    assert record.lsoa11cd and record.state == ContributionState.HELD
    page = analyst.get(reverse("fieldwork:record", args=[record.pk])).content.decode()
    assert "Their words may be quoted, without a name" in page
    assert "They may be contacted again through the organiser" in page
    assert "published in a summary" not in page
    assert "Residents: 2. Practitioners: 0. Community leaders: 1." in page


def test_notes_are_refused_without_consent_to_keep_them(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    page = client_for(Role.PARTNER_ANALYST).post(
        reverse("fieldwork:record_create"), _record(release, consent=["summary"])
    )

    assert "Keep notes only if the people taking part agreed to notes being kept" in (
        page.content.decode()
    )
    assert not FieldworkRecord.objects.exists()


def test_nobody_taking_part_is_refused(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    page = client_for(Role.PARTNER_ANALYST).post(
        reverse("fieldwork:record_create"),
        _record(release, residents="0", practitioners="0", community_leaders="0"),
    )

    assert "Enter how many took part in at least one role" in page.content.decode()
    assert not FieldworkRecord.objects.exists()


def test_only_staff_see_fieldwork(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    record = make_record(release)
    url = reverse("fieldwork:record", args=[record.pk])

    assert client_for(None).get(url).status_code == 302
    for role in (Role.PARTNER_VIEWER, Role.COMMUNITY_MEMBER, Role.CUSTODIAN):
        assert client_for(role).get(url).status_code == 403, role
    for role in (Role.PARTNER_ANALYST, Role.ADMINISTRATOR):
        assert client_for(role).get(url).status_code == 200, role


def test_held_notes_are_read_only_by_their_writer_until_a_moderator_publishes_them(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    notes = "Grandparents do most of the nursery runs on the estate."
    record = make_record(release, notes=notes)
    writer = Client()
    writer.force_login(round_organiser())
    other = client_for(Role.ADMINISTRATOR)
    url = reverse("fieldwork:record", args=[record.pk])

    assert notes in writer.get(url).content.decode()
    assert notes not in other.get(url).content.decode()
    edit_form = other.get(reverse("fieldwork:record_edit", args=[record.pk])).content.decode()
    assert notes not in edit_form
    # Another's change to the rest of the record leaves the notes as they were.
    other.post(
        reverse("fieldwork:record_edit", args=[record.pk]),
        _record(release, place="Community hall, Vange", consent=["recorded"]),
    )
    record.refresh_from_db()
    assert (record.place, record.notes) == ("Community hall, Vange", notes)
    approve(record, User.objects.get(role=Role.ADMINISTRATOR))
    assert notes in other.get(url).content.decode()


def test_a_change_is_screened_and_held_again(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    record = make_record(release)
    approve(record, round_organiser())
    writer = Client()
    writer.force_login(round_organiser())

    writer.post(
        reverse("fieldwork:record_edit", args=[record.pk]),
        _record(release, notes="Ring the organiser on 01268 533311 for the rota."),
    )

    record.refresh_from_db()
    assert record.state == ContributionState.HELD
    assert "01268 533311" not in record.notes
    assert "[phone]" in record.notes
    assert record.edited_at is not None


def test_staff_tag_a_record_with_the_rounds_codebook_themes(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    round_ = make_round(release)
    theme = suggested_theme(round_, "Buses", ["bus"])
    theme.state = ThemeState.ACCEPTED
    theme.save()
    suggested = suggested_theme(round_, "Not decided", ["wait"])

    analyst = client_for(Role.PARTNER_ANALYST)
    analyst.post(
        reverse("fieldwork:record_create"),
        _record(release, round=str(round_.pk), themes=[str(theme.pk)]),
    )
    refused = analyst.post(
        reverse("fieldwork:record_create"),
        _record(release, round=str(round_.pk), themes=[str(suggested.pk)]),
    )

    record = FieldworkRecord.objects.get()
    assert list(record.themes.all()) == [theme]
    assert record.round == round_
    assert "Select a valid choice" in refused.content.decode()
