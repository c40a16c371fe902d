"""The public directory page: residents find services by words and kind, never a refuge's
address."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from web.accounts.roles import Role
from web.assets.tests import factories
from web.governance.models import Action, Event
from web.jobs.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(client: Client) -> Client:
    factories.make_register()
    return client


def test_a_resident_sees_every_service_with_when_and_where(directory: Client) -> None:
    page = directory.get(reverse("assets:directory")).content.decode()
    assert "2 services" in page
    assert "Stay and play" in page and "Domestic abuse advice" in page
    assert "Mondays and Wednesdays, 9:30am to 11:30am" in page
    assert "Town centre family hub, SS14 1AE" in page
    assert "0 to 4" in page


def test_the_day_a_service_was_last_checked_is_shown(directory: Client) -> None:
    assert (
        "Not checked by a person yet" in directory.get(reverse("assets:directory")).content.decode()
    )
    call_command("mark_checked", factories.STAY_AND_PLAY, "--on", "2025-11-03", stdout=StringIO())
    page = directory.get(reverse("assets:directory"), {"search": "toddlers"}).content.decode()
    assert "Last checked by a person on 3 November 2025" in page
    assert Event.objects.filter(
        action=Action.ASSET_RECORD_CHECKED, object_id=factories.STAY_AND_PLAY
    ).exists()
    with pytest.raises(CommandError, match="cannot be in the future"):
        call_command("mark_checked", factories.STAY_AND_PLAY, "--on", "2999-01-01")


def test_a_resident_narrows_the_list_by_words_and_by_kind(directory: Client) -> None:
    by_words = directory.get(reverse("assets:directory"), {"search": "toddlers"}).content.decode()
    assert "1 service" in by_words and "Stay and play" in by_words
    by_kind = directory.get(
        reverse("assets:directory"), {"category": factories.TERM_ADVICE}
    ).content.decode()
    assert "Domestic abuse advice" in by_kind and "Stay and play" not in by_kind


def test_the_refuge_address_is_not_on_the_page(directory: Client) -> None:
    page = directory.get(reverse("assets:directory")).content.decode()
    assert factories.REFUGE_ADDRESS not in page
    assert "SS13 3JH" not in page
    assert "Safe house" not in page


def test_staff_import_a_feed_from_the_page_and_read_its_report(
    client_for: Callable[[Role | None], Client],
) -> None:
    client = client_for(Role.PARTNER_ANALYST)
    feed = SimpleUploadedFile("services.json", b'[{"id": "x", "name": "No status"}]')
    response = client.post(reverse("assets:upload"), {"feed": feed})
    assert response.status_code == 302
    job = client.get(response.headers["Location"]).content.decode()
    assert "Done" in job and "Read the import&#x27;s report" in job
    report = client.get(Job.objects.get().result_url).content.decode()
    assert 'Records received</dt><dd class="govuk-summary-list__value">1' in report
    assert "services[0]: &#x27;status&#x27; is a required property" in report


def test_staff_import_a_csv_table_from_the_page(
    client_for: Callable[[Role | None], Client],
) -> None:
    client = client_for(Role.ADMINISTRATOR)
    table = SimpleUploadedFile(
        "organizations.csv",
        b"id,name,description\n6f1c2a3b-0000-4000-8000-0000000000aa,Toy library,Lends toys\n",
    )
    response = client.post(reverse("assets:upload"), {"feed": table})
    assert response.status_code == 302
    report = client.get(Job.objects.get().result_url).content.decode()
    assert "Import of organizations.csv" in report
    assert "1 organization" in report
