"""The audit trail page: the custodian's alone, searchable, filtered and paginated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from web.accounts.roles import Role
from web.governance.models import Action, Event
from web.governance.services import EventFilter, record_event, search_events
from web.governance.views import EVENTS_PER_PAGE

pytestmark = pytest.mark.django_db

AUDIT_TRAIL = reverse("governance:audit_trail")
LONDON = ZoneInfo("Europe/London")


def event_at(when: datetime, action: Action, username: str, **detail: str) -> Event:
    return Event.objects.create(
        occurred_at=when, action=action, actor_username=username, detail=detail
    )


@pytest.fixture
def history() -> list[Event]:
    return [
        event_at(datetime(2026, 7, 1, 9, 0, tzinfo=LONDON), Action.SIGN_IN, "custodian-1"),
        event_at(datetime(2026, 7, 1, 23, 30, tzinfo=LONDON), Action.SIGN_IN_FAILED, "intruder"),
        event_at(datetime(2026, 7, 2, 0, 30, tzinfo=LONDON), Action.SIGN_IN_FAILED, "Intruder"),
        event_at(
            datetime(2026, 7, 5, 12, 0, tzinfo=LONDON),
            Action.ADMIN_CHANGE,
            "administrator-1",
            change="Changed Role.",
        ),
    ]


def usernames(events: object) -> list[str]:
    return [event.actor_username for event in events]  # type: ignore[attr-defined]


def test_filters_by_action(history: list[Event]) -> None:
    found = search_events(EventFilter(action=Action.SIGN_IN_FAILED))
    assert usernames(found) == ["Intruder", "intruder"]


def test_filters_by_whole_username_ignoring_case(history: list[Event]) -> None:
    assert len(search_events(EventFilter(username="INTRUDER"))) == 2
    assert not search_events(EventFilter(username="intru"))


def test_dates_are_local_days_and_inclusive(history: list[Event]) -> None:
    # 00:30 on 2 July in London is 23:30 on 1 July in UTC: days are London's.
    first_of_july = search_events(EventFilter(since=date(2026, 7, 1), until=date(2026, 7, 1)))
    assert usernames(first_of_july) == ["intruder", "custodian-1"]


def test_text_is_found_in_the_detail(history: list[Event]) -> None:
    assert usernames(search_events(EventFilter(text="changed role"))) == ["administrator-1"]


def test_page_shows_the_filtered_events_newest_first(
    client_for: Callable[[Role | None], Client], history: list[Event]
) -> None:
    response = client_for(Role.CUSTODIAN).get(
        AUDIT_TRAIL,
        {"action": "sign_in_failed", "since_day": "1", "since_month": "7", "since_year": "2026"},
    )
    assert response.status_code == HTTPStatus.OK
    assert usernames(response.context["page"]) == ["Intruder", "intruder"]
    assert "Events 1 to 2 of 2" in response.content.decode()


def test_a_reversed_date_range_is_an_error_linked_from_the_summary(
    client_for: Callable[[Role | None], Client], history: list[Event]
) -> None:
    response = client_for(Role.CUSTODIAN).get(
        AUDIT_TRAIL,
        {
            **{"since_day": "5", "since_month": "7", "since_year": "2026"},
            **{"until_day": "1", "until_month": "7", "until_year": "2026"},
        },
    )
    html = response.content.decode()
    assert "There is a problem" in html
    assert (
        '<a href="#id_until_0">The ‘to’ date must be the same as or after the ‘from’ date</a>'
        in html
    )
    assert not response.context["page"].object_list


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2026", "The ‘from’ date must be a real date"),
        ("first", "7", "2026", "The ‘from’ date must be a real date"),
        ("1", "7", "26", "The ‘from’ date must be a real date"),
        ("1", "", "2026", "The ‘from’ date must include a day, month and year"),
    ],
    ids=["no-such-day", "not-a-number", "two-digit-year", "no-month"],
)
def test_a_date_that_is_not_a_real_date_is_an_error_and_keeps_what_was_typed(
    client_for: Callable[[Role | None], Client], day: str, month: str, year: str, message: str
) -> None:
    response = client_for(Role.CUSTODIAN).get(
        AUDIT_TRAIL, {"since_day": day, "since_month": month, "since_year": year}
    )
    html = response.content.decode()
    assert f'<a href="#id_since_0">{message}</a>' in html
    assert f'name="since_day" value="{day}"' in html


def test_pages_hold_fifty_events_and_keep_the_filters(
    client_for: Callable[[Role | None], Client],
) -> None:
    for number in range(EVENTS_PER_PAGE + 5):
        record_event(Action.SIGN_IN_FAILED, actor_username=f"guess-{number}")
    client = client_for(Role.CUSTODIAN)
    first = client.get(AUDIT_TRAIL, {"action": "sign_in_failed"})
    assert len(first.context["page"]) == EVENTS_PER_PAGE
    assert "?action=sign_in_failed&amp;page=2" in first.content.decode()
    second = client.get(AUDIT_TRAIL, {"action": "sign_in_failed", "page": "2"})
    assert len(second.context["page"]) == 5


@pytest.mark.parametrize(
    "role", [role for role in Role if role != Role.CUSTODIAN], ids=lambda role: role.value
)
def test_no_other_role_may_open_it(
    role: Role, client_for: Callable[[Role | None], Client], history: list[Event]
) -> None:
    response = client_for(role).get(AUDIT_TRAIL)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "intruder" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(AUDIT_TRAIL)
    assert response.headers["Location"] == f"{reverse('accounts:login')}?next={AUDIT_TRAIL}"
