"""A service's own page: what it is, who runs it, ages, cost, languages, access, where it is
and how to get there, opening hours in plain words with bank holidays, and the last check."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.test import Client
from django.urls import reverse

from web.assets.bank_holidays import BANK_HOLIDAYS, next_bank_holiday
from web.assets.feeds import Feed, import_feed
from web.assets.hours import BankHolidays, clock, next_bank_holiday_on, opening
from web.assets.tests import factories

pytestmark = pytest.mark.django_db


def test_the_playgroup_page_says_everything_a_family_needs(client: Client) -> None:
    factories.make_register()
    factories.add_saturday_playgroup()
    html = client.get(
        reverse("assets:service", kwargs={"service_id": factories.PLAYGROUP})
    ).content.decode()
    assert "Saturdays, 10am to 12 noon (from 4 January 2025)" in html
    assert "Closed on bank holidays." in html
    # Bank holidays fall on weekdays: none is on a Saturday, so none is named.
    assert "The next bank holiday" not in html
    assert "0 to 5" in html and "£2: per family, per session" in html and "English" in html
    assert "Church Walk" in html and "SS14 1AE" in html
    assert "Two minutes from Basildon bus station" in html
    assert "Step-free entrance; Baby changing" in html
    assert "Not checked by a person yet" in html


def test_the_advice_service_page_shows_the_hub_but_never_the_refuge(client: Client) -> None:
    factories.make_register()
    html = client.get(
        reverse("assets:service", kwargs={"service_id": factories.ADVICE})
    ).content.decode()
    assert "Town centre family hub" in html
    for secret in (factories.REFUGE_ADDRESS, "SS13 3JH", "Safe house", factories.REFUGE):
        assert secret not in html


@pytest.mark.parametrize(
    ("fields", "byday", "freq", "hours", "words"),
    [
        ({}, "SA", "WEEKLY", (time(10), time(12)), "Saturdays, 10am to 12 noon"),
        (
            {"interval": 2},
            "TU",
            "WEEKLY",
            (time(9, 30), time(11)),
            "Every other Tuesday, 9:30am to 11am",
        ),
        ({}, "MO,TU,WE,TH,FR", "WEEKLY", (time(9), time(17)), "Monday to Friday, 9am to 5pm"),
        ({}, "MO,WE", "WEEKLY", (time(13), time(15)), "Mondays and Wednesdays, 1pm to 3pm"),
        ({}, "-1FR", "MONTHLY", (time(18), time(20)), "The last Friday of the month, 6pm to 8pm"),
        ({"bymonthday": "1"}, "", "MONTHLY", (None, None), "On the 1st of the month"),
        ({"description": "Term time only"}, "", "", (None, None), "Term time only"),
        (
            {"valid_to": "2026-07-31"},
            "TH",
            "WEEKLY",
            (None, None),
            "Thursdays (until 31 July 2026)",
        ),
    ],
)
def test_schedules_read_as_plain_words(
    fields: dict[str, object],
    byday: str,
    freq: str,
    hours: tuple[time | None, time | None],
    words: str,
) -> None:
    assert opening(fields, byday, freq, *hours).sentence() == words


def test_clock_reads_noon_and_midnight_in_words() -> None:
    assert [clock(time(12)), clock(time(0)), clock(time(0, 30)), clock(time(23, 5))] == [
        "12 noon",
        "12 midnight",
        "12:30am",
        "11:05pm",
    ]


def test_what_a_schedule_says_about_bank_holidays() -> None:
    says = [
        opening({"notes": text}, "MO", "WEEKLY", None, None).bank_holidays
        for text in ("Closed on bank holidays", "Open on bank holidays too", "Bring a snack")
    ]
    assert says == [BankHolidays.CLOSED, BankHolidays.OPEN, BankHolidays.NOT_SAID]


def test_bank_holidays_follow_gov_uk_substitute_days() -> None:
    # Boxing Day 2026 is a Saturday: the Monday after is the bank holiday, not the Saturday.
    assert date(2026, 12, 28) in BANK_HOLIDAYS and date(2026, 12, 26) not in BANK_HOLIDAYS
    assert next_bank_holiday(date(2026, 12, 26)) == (
        date(2026, 12, 28),
        "Boxing Day (substitute day)",
    )
    assert next_bank_holiday_on(frozenset({"FR"}), date(2027, 1, 2)) == (
        date(2027, 3, 26),
        "Good Friday",
    )
    assert next_bank_holiday(date(2029, 1, 1)) is None


def test_times_kept_per_place_are_shown_with_the_place(client: Client) -> None:
    factories.make_register()
    playgroup = factories.saturday_playgroup()
    times = playgroup.pop("schedules")[0]
    playgroup["service_at_locations"][0]["schedules"] = [times]
    import_feed(Feed("services.json", "service", [playgroup]))
    html = client.get(
        reverse("assets:service", kwargs={"service_id": factories.PLAYGROUP})
    ).content.decode()
    assert "At St Martin&#x27;s church hall: Saturdays, 10am to 12 noon" in html
    assert "Closed on bank holidays." in html
