"""A resident without an account gives a view through a round's open link, and later sees,
changes or deletes it through their private link; robots and floods are turned away."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from shapely.geometry import shape

from web.accounts.roles import Role
from web.governance.models import Event
from web.insight import views
from web.insight.models import Contribution, ContributionState, ModerationDecision, RoundStatus
from web.insight.moderation import approve, export_decisions_csv
from web.insight.tests.factories import give, make_round
from web.releases.models import Release

PLANTED = {
    "name": "Sarah Collins",
    "nhs_number": "943 476 5919",
    "phone": "01268 533311",
    "email": "sarah.collins@example.com",
}
PLANTED_TEXT = (
    f"My neighbour {PLANTED['name']} (NHS {PLANTED['nhs_number']}) says ring "
    f"{PLANTED['phone']} or email {PLANTED['email']} about the lack of buses."
)


@pytest.fixture(autouse=True)
def fresh_counters() -> None:
    cache.clear()


def _form(area: str, **fields: str) -> dict[str, str]:
    return {
        "area": area,
        "verdict": "agrees",
        "reasons": "There is nothing for toddlers on the estate since the centre closed.",
        "local_knowledge": "",
        "participant_role": "resident",
        "consent": "on",
        "website": "",
        **fields,
    }


def _private_link(client: Client, round_id: int) -> str:
    page = client.get(reverse("insight:given", kwargs={"round_id": round_id}))
    found = re.search(r'href="(/insight/your-contribution/\?key=[^"]+)"', page.content.decode())
    assert found, "the confirmation page shows the private link"
    return found.group(1)


def test_resident_without_an_account_gives_a_view_which_waits_for_a_moderator(
    release: Release,
) -> None:
    round_ = make_round(release)
    area = round_.areas.first()
    assert area is not None
    client = Client()

    sent = client.post(
        reverse("insight:give", kwargs={"round_id": round_.pk}), _form(area.lsoa11cd)
    )

    assert sent.status_code == 302
    item = Contribution.objects.get()
    assert item.round_area == area
    assert item.state == ContributionState.HELD
    assert item.findings == []
    link = _private_link(client, round_.pk)
    assert client.get(link).status_code == 200
    # The link is shown once: the page does not show it again, and the database holds a hash.
    again = client.get(reverse("insight:given", kwargs={"round_id": round_.pk}))
    assert "/insight/your-contribution/" not in again.content.decode()
    token = link.rsplit("=", 1)[1]
    assert token not in item.token_digest


def test_planted_identifiers_never_reach_a_public_page_an_export_or_a_log(
    release: Release,
    client_for: Callable[[Role | None], Client],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    round_ = make_round(release)
    area = round_.areas.first()
    assert area is not None
    resident = Client()
    resident.post(
        reverse("insight:give", kwargs={"round_id": round_.pk}),
        _form(area.lsoa11cd, reasons=PLANTED_TEXT, local_knowledge=PLANTED_TEXT),
    )
    item = Contribution.objects.get()
    assert item.state == ContributionState.HELD
    assert set(item.finding_kinds) == {"name", "nhs_number", "phone", "email"}
    moderator = client_for(Role.PARTNER_ANALYST)
    queue_page = moderator.get(reverse("insight:queue")).content.decode()
    moderation_page = moderator.get(
        reverse("insight:moderate", kwargs={"contribution_id": item.pk})
    ).content.decode()
    assert "Screening found: email, name, nhsnumber, phone" in queue_page
    moderator.post(
        reverse("insight:moderate", kwargs={"contribution_id": item.pk}),
        {"action": "approve", "approve-note": ""},
    )
    item.refresh_from_db()
    assert item.state == ContributionState.PUBLISHED
    # Words are quoted once enough people have answered: others agree, in plain words.
    for _ in range(release.suppression_threshold - 1):
        approve(give(round_, lsoa11cd=area.lsoa11cd)[0], round_.created_by)

    profile = (
        Client()
        .get(reverse("areas:profile", kwargs={"recipe": release.recipe, "lsoa11cd": area.lsoa11cd}))
        .content.decode()
    )
    export = moderator.get(reverse("insight:decisions_csv")).content.decode()
    private = resident.get(_private_link(resident, round_.pk)).content.decode()
    seen = {
        "the area profile": profile,
        "the moderation queue": queue_page,
        "the moderator's page": moderation_page,
        "the participant's own page": private,
        "the decision log export": export,
        "the decisions page": moderator.get(reverse("insight:decisions")).content.decode(),
        "the database": json.dumps(
            list(Contribution.objects.values("reasons", "local_knowledge", "findings"))
        ),
        "the governance log": json.dumps(list(Event.objects.values("object_id", "detail"))),
        "the logs": caplog.text + repr([record.args for record in caplog.records]),
    }
    assert "My neighbour [name] (NHS [nhs_number]) says ring [phone]" in profile
    for where, text in seen.items():
        for kind, planted in PLANTED.items():
            assert planted not in text, f"the planted {kind} reached {where}"


def test_a_robot_filling_the_hidden_box_is_thanked_and_nothing_is_kept(
    release: Release,
) -> None:
    round_ = make_round(release)
    area = round_.areas.first()
    assert area is not None

    sent = Client().post(
        reverse("insight:give", kwargs={"round_id": round_.pk}),
        _form(area.lsoa11cd, website="http://cheap-pills.example"),
    )

    assert sent.status_code == 302
    assert not Contribution.objects.exists()


def test_one_address_is_refused_after_the_hourly_limit(release: Release) -> None:
    round_ = make_round(release)
    area = round_.areas.first()
    assert area is not None
    url = reverse("insight:give", kwargs={"round_id": round_.pk})
    answers = []
    for _ in range(views.PER_ADDRESS_PER_HOUR + 1):
        # A new device each time: the address limit holds on its own.
        answers.append(Client().post(url, _form(area.lsoa11cd)).status_code)
    assert answers[:-1] == [302] * views.PER_ADDRESS_PER_HOUR
    assert answers[-1] == 429
    assert Contribution.objects.count() == views.PER_ADDRESS_PER_HOUR


def test_one_device_is_refused_after_its_limit_for_the_round(release: Release) -> None:
    round_ = make_round(release)
    area = round_.areas.first()
    assert area is not None
    url = reverse("insight:give", kwargs={"round_id": round_.pk})
    device = Client()
    device.get(url)  # sets the device cookie
    answers = [
        device.post(url, _form(area.lsoa11cd), REMOTE_ADDR=f"192.0.2.{n}").status_code
        for n in range(views.PER_DEVICE_PER_ROUND + 1)
    ]
    assert answers[-1] == 429
    assert Contribution.objects.count() == views.PER_DEVICE_PER_ROUND


def test_a_point_outside_the_area_is_refused_and_one_inside_is_kept(release: Release) -> None:
    round_ = make_round(release)
    area = round_.areas.first()
    assert area is not None
    geometry = shape(release.areas.get(lsoa11cd=area.lsoa11cd).geometry)
    inside = geometry.representative_point()
    minx, miny, _, _ = geometry.bounds
    url = reverse("insight:give", kwargs={"round_id": round_.pk})

    outside = Client().post(
        url, _form(area.lsoa11cd, latitude=str(miny - 0.01), longitude=str(minx - 0.01))
    )
    assert outside.status_code == 200
    assert "outside the area" in outside.content.decode()
    assert not Contribution.objects.exists()

    Client().post(url, _form(area.lsoa11cd, latitude=str(inside.y), longitude=str(inside.x)))
    kept = Contribution.objects.get()
    assert (kept.latitude, kept.longitude) == pytest.approx((inside.y, inside.x))


def test_a_missing_verdict_and_consent_are_named_in_the_error_summary(release: Release) -> None:
    round_ = make_round(release)
    area = round_.areas.first()
    assert area is not None
    fields = _form(area.lsoa11cd)
    del fields["verdict"], fields["consent"]

    page = Client().post(reverse("insight:give", kwargs={"round_id": round_.pk}), fields)

    text = page.content.decode()
    assert "Choose whether the flag matches what you know" in text
    assert "Tick the box to say you have read the privacy notice" in text
    assert not Contribution.objects.exists()


def test_a_round_not_open_takes_no_views(release: Release) -> None:
    draft = make_round(release, status=RoundStatus.DRAFT)
    closed = make_round(release, status=RoundStatus.CLOSED)
    area = closed.areas.first()
    assert area is not None

    assert Client().get(reverse("insight:give", kwargs={"round_id": draft.pk})).status_code == 404
    page = Client().post(
        reverse("insight:give", kwargs={"round_id": closed.pk}), _form(area.lsoa11cd)
    )
    assert "This round is not open" in page.content.decode()
    assert not Contribution.objects.exists()


def test_participant_changes_their_view_and_it_is_screened_and_moderated_again(
    release: Release,
) -> None:
    round_ = make_round(release)
    item, token = give(round_)
    approve(item, round_.created_by)
    link = views.private_links(token)["view"]

    Client().post(
        link,
        {
            "verdict": "disagrees",
            "reasons": f"Ask {PLANTED['name']}: families here are fine.",
            "local_knowledge": "",
            "participant_role": "resident",
        },
    )

    item.refresh_from_db()
    assert item.verdict == "disagrees"
    assert item.state == ContributionState.HELD
    assert item.reasons == "Ask [name]: families here are fine."
    assert item.edited_at is not None


def test_participant_deletes_their_view_and_the_moderation_log_keeps_only_its_number(
    release: Release,
) -> None:
    round_ = make_round(release)
    item, token = give(round_)
    approve(item, round_.created_by)

    deleted = Client().post(views.private_links(token)["delete"])

    assert "Your view is deleted" in deleted.content.decode()
    assert not Contribution.objects.exists()
    decision = ModerationDecision.objects.get()
    assert decision.contribution is None
    assert decision.contribution_number == item.pk
    assert f",{item.pk},approved," in export_decisions_csv()
    gone = Client().get(views.private_links(token)["view"])
    assert gone.status_code == 404


def test_an_unknown_private_link_finds_nothing_and_no_key_asks_for_the_link(
    release: Release,
) -> None:
    give(make_round(release))
    unknown = Client().get(views.private_links("x" * 43)["view"])
    assert unknown.status_code == 404
    without = Client().get(reverse("insight:contribution"))
    assert "Open your private link" in without.content.decode()


def test_the_private_key_never_appears_in_the_path(release: Release) -> None:
    _, token = give(make_round(release))
    for link in views.private_links(token).values():
        path, _, query = link.partition("?")
        assert token not in path
        assert query == f"key={token}"


def test_after_the_round_closes_a_view_can_be_read_and_deleted_but_not_changed(
    release: Release,
) -> None:
    round_ = make_round(release)
    item, token = give(round_)
    round_.status = RoundStatus.CLOSED
    round_.save()
    links = views.private_links(token)

    page = Client().get(links["view"]).content.decode()
    refused = Client().post(links["view"], {"verdict": "disagrees", "reasons": "Changed."})

    assert "cannot be changed" in page
    assert refused.status_code == 405
    item.refresh_from_db()
    assert item.verdict == "agrees"
