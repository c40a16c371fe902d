"""Anyone reports that a record is wrong; one member of staff proposes a fix and another
approves it; until then every page, the API and exports show the last approved version. Every
step is in the governance log, and staff see which services no one has checked for a while."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from web.accounts.roles import Role
from web.accounts.tests.factories import make_user
from web.assets.changes import ChangeRefused, approve, not_checked_since, propose
from web.assets.export import register_feeds
from web.assets.models import (
    ChangeStatus,
    ErrorReport,
    Location,
    RecordChange,
    ReportStatus,
    Schedule,
    Service,
)
from web.assets.reports import REPORTS_PER_WINDOW
from web.assets.tests import factories
from web.governance.models import Action, Event

pytestmark = pytest.mark.django_db

REPORT = {"part": "opening", "what_is_wrong": "It meets on Thursdays now."}


@pytest.fixture(autouse=True)
def fresh_throttle() -> None:
    cache.clear()


@pytest.fixture
def register() -> None:
    factories.make_register()


def report_url(service_id: str = factories.STAY_AND_PLAY) -> str:
    return reverse("assets:report", kwargs={"service_id": service_id})


def test_anyone_reports_an_error_and_it_is_kept_without_who_sent_it(
    register: None, client: Client
) -> None:
    response = client.post(report_url(), REPORT)
    assert response.status_code == 302
    report = ErrorReport.objects.get()
    assert (report.part, report.what_is_wrong, report.status) == (
        "opening",
        REPORT["what_is_wrong"],
        ReportStatus.OPEN,
    )
    event = Event.objects.get(action=Action.ASSET_ERROR_REPORTED)
    assert event.actor is None and "127.0.0.1" not in str(event.detail)
    assert "Report sent" in client.get(response.headers["Location"]).content.decode()


def test_an_empty_report_is_an_error_naming_the_field(register: None, client: Client) -> None:
    html = client.post(report_url(), {"part": "opening"}).content.decode()
    assert '<a href="#id_what_is_wrong">Tell us what is wrong</a>' in html
    assert not ErrorReport.objects.exists()


def test_a_robot_filling_the_hidden_box_is_thanked_and_nothing_kept(
    register: None, client: Client
) -> None:
    response = client.post(report_url(), {**REPORT, "website": "http://spam.example"})
    assert response.status_code == 302
    assert not ErrorReport.objects.exists()


def test_reports_from_one_address_are_limited(register: None, client: Client) -> None:
    for _ in range(REPORTS_PER_WINDOW):
        assert client.post(report_url(), REPORT).status_code == 302
    assert client.post(report_url(), REPORT).status_code == 429
    assert ErrorReport.objects.count() == REPORTS_PER_WINDOW


def test_a_report_can_name_a_public_place_but_never_the_refuge(
    register: None, client: Client
) -> None:
    form = client.get(report_url(factories.ADVICE)).content.decode()
    assert factories.HUB in form and factories.REFUGE not in form and "Safe house" not in form
    refused = client.post(report_url(factories.ADVICE), {**REPORT, "part": factories.REFUGE})
    assert refused.status_code == 200
    assert not ErrorReport.objects.exists()


def test_a_change_is_public_only_once_another_member_of_staff_approves_it(
    register: None, client: Client, client_for: Callable[[Role | None], Client]
) -> None:
    analyst = client_for(Role.PARTNER_ANALYST)
    response = analyst.post(
        reverse("assets:edit_service", kwargs={"service_id": factories.STAY_AND_PLAY}),
        {
            "record": f"service:{factories.STAY_AND_PLAY}",
            "service-0-name": "Stay and play (Thursdays)",
            "service-0-description": "Play sessions for babies and toddlers with their parents.",
            "service-0-minimum_age": "0",
            "service-0-maximum_age": "4",
            "service-0-reason": "A resident's report, confirmed by phone",
        },
    )
    assert response.status_code == 302
    change = RecordChange.objects.get()
    assert change.after == {"name": "Stay and play (Thursdays)"}
    assert change.before == {"name": "Stay and play"}

    service_page = reverse("assets:service", kwargs={"service_id": factories.STAY_AND_PLAY})
    assert "Stay and play (Thursdays)" not in client.get(service_page).content.decode()
    assert "(Thursdays)" not in str(register_feeds())
    assert client.get(f"/oruk/services/{factories.STAY_AND_PLAY}").json()["name"] == (
        "Stay and play"
    )

    # The proposer cannot approve their own change.
    change_url = reverse("assets:change", kwargs={"change_id": change.pk})
    assert analyst.post(change_url, {"decision": "approve"}).status_code == 409
    assert (
        client_for(Role.ADMINISTRATOR).post(change_url, {"decision": "approve"}).status_code == 302
    )

    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED
    assert "Stay and play (Thursdays)" in client.get(service_page).content.decode()
    assert client.get(f"/oruk/services/{factories.STAY_AND_PLAY}").json()["name"] == (
        "Stay and play (Thursdays)"
    )
    service = Service.objects.get(pk=factories.STAY_AND_PLAY)
    assert service.name == "Stay and play (Thursdays)" and service.last_checked is not None
    actions = set(Event.objects.values_list("action", flat=True))
    assert {Action.ASSET_CHANGE_PROPOSED, Action.ASSET_CHANGE_APPROVED} <= actions
    history = analyst.get(
        reverse("assets:edit_service", kwargs={"service_id": factories.STAY_AND_PLAY})
    ).content.decode()
    assert "approved and published by administrator-1" in history


def test_a_change_overtaken_by_another_is_not_approved(register: None) -> None:
    proposer = make_user(Role.PARTNER_ANALYST)
    approver = make_user(Role.ADMINISTRATOR)
    service = Service.objects.get(pk=factories.STAY_AND_PLAY)
    first = propose(service, "service", service, {"name": "First"}, proposer, "one")
    second = propose(service, "service", service, {"name": "Second"}, proposer, "two")
    approve(first, approver)
    with pytest.raises(ChangeRefused, match="changed since this was proposed"):
        approve(second, approver)
    service.refresh_from_db()
    with pytest.raises(ChangeRefused, match="Nothing differs"):
        propose(service, "service", service, {"name": "First"}, proposer, "same")


def test_the_database_refuses_a_change_decided_by_its_proposer(register: None) -> None:
    proposer = make_user(Role.PARTNER_ANALYST)
    service = Service.objects.get(pk=factories.STAY_AND_PLAY)
    change = propose(service, "service", service, {"name": "X"}, proposer, "r")
    change.decided_by = proposer
    with pytest.raises(IntegrityError):
        change.save()


def test_staff_see_reports_changes_and_services_not_checked_for_3_6_and_12_months(
    register: None, client: Client, client_for: Callable[[Role | None], Client]
) -> None:
    client.post(report_url(), REPORT)
    now = timezone.now()
    Service.objects.filter(pk=factories.STAY_AND_PLAY).update(
        last_checked=now - timedelta(days=200)
    )
    Service.objects.filter(pk=factories.ADVICE).update(last_checked=now - timedelta(days=100))
    assert [s.pk for s in not_checked_since(6, now)] == [factories.STAY_AND_PLAY]
    assert [s.pk for s in not_checked_since(3, now)] == [factories.STAY_AND_PLAY, factories.ADVICE]
    assert not not_checked_since(12, now).exists()
    html = client_for(Role.PARTNER_ANALYST).get(reverse("assets:staff")).content.decode()
    assert "Reports to handle (1)" in html
    assert "12 months or more, or never (0)" in html
    assert "6 to 12 months (1)" in html
    assert "3 to 6 months (1)" in html


def test_staff_close_a_report_and_mark_a_record_checked(
    register: None, client: Client, client_for: Callable[[Role | None], Client]
) -> None:
    client.post(report_url(), REPORT)
    report = ErrorReport.objects.get()
    analyst = client_for(Role.PARTNER_ANALYST)
    analyst.post(
        reverse("assets:staff_report", kwargs={"report_id": report.pk}),
        {"outcome": "Checked with the organiser"},
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED and report.outcome == "Checked with the organiser"
    analyst.post(
        reverse("assets:edit_service", kwargs={"service_id": factories.ADVICE}),
        {"action": "checked"},
    )
    assert Service.objects.get(pk=factories.ADVICE).last_checked is not None
    actions = set(Event.objects.values_list("action", flat=True))
    assert {Action.ASSET_REPORT_CLOSED, Action.ASSET_RECORD_CHECKED} <= actions


def test_staff_change_a_place_s_directions_and_a_schedule_s_days(register: None) -> None:
    proposer = make_user(Role.PARTNER_ANALYST)
    approver = make_user(Role.ADMINISTRATOR)
    service = Service.objects.get(pk=factories.STAY_AND_PLAY)
    hub = Location.objects.get(pk=factories.HUB)
    schedule = Schedule.objects.get(service=service)
    directions = propose(
        service, "location", hub, {"description": "Opposite the library."}, proposer, "asked"
    )
    days = propose(
        service,
        "schedule",
        schedule,
        {"byday": "TH", "opens_at": "09:30", "closes_at": "11:30"},
        proposer,
        "report",
    )
    # "09:30" is the time already published as "09:30:00": only the days change.
    assert days.after == {"byday": "TH"}
    approve(directions, approver)
    approve(days, approver)
    schedule.refresh_from_db()
    assert (schedule.byday, schedule.fields["byday"]) == ("TH", "TH")
    assert Location.objects.get(pk=factories.HUB).fields["description"] == "Opposite the library."
    page = Client().get(reverse("assets:service", kwargs={"service_id": service.pk}))
    assert "Thursdays, 9:30am to 11:30am" in page.content.decode()
    assert "Opposite the library." in page.content.decode()


def test_a_confidential_place_cannot_be_changed_from_the_staff_page(register: None) -> None:
    proposer = make_user(Role.PARTNER_ANALYST)
    service = Service.objects.get(pk=factories.ADVICE)
    refuge = Location.objects.get(pk=factories.REFUGE)
    with pytest.raises(ChangeRefused, match="not a location of this service"):
        propose(service, "location", refuge, {"name": "Renamed"}, proposer, "no")
