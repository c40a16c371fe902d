"""An intervention links the themes from validation rounds that led to it, and its page shows
them with the counts the round publishes, and what communities said about its areas: moderated
words only, counts under the release's disclosure rules."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from web.accounts.roles import Role
from web.insight import codebooks
from web.insight.models import RoundStatus
from web.insight.tests.factories import (
    give,
    make_round,
    published,
    round_organiser,
    suggested_theme,
)
from web.interventions.models import Intervention
from web.interventions.tests.factories import BUSES, CENTRE, coded_round, make_intervention
from web.releases.models import Release


def _edit(client: Client, intervention: Intervention, **changes: object) -> int:
    data: dict[str, object] = {
        "title": intervention.title,
        "lsoa_codes": " ".join(intervention.lsoa_codes),
        **changes,
    }
    url = reverse("interventions:edit", kwargs={"intervention_id": intervention.pk})
    return client.post(url, data).status_code


def _public_page(intervention: Intervention) -> str:
    return (
        Client()
        .get(reverse("interventions:detail", kwargs={"intervention_id": intervention.pk}))
        .content.decode()
    )


def test_staff_link_accepted_themes_and_the_public_sees_their_published_counts(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    made = make_intervention(release)
    round_ = coded_round(release, made.lsoa_codes[0])
    bus = round_.codebook.themes.get(label="bus, route")
    suggestion = suggested_theme(round_, "parks", ["park"])
    staff = client_for(Role.PARTNER_ANALYST)
    form = staff.get(
        reverse("interventions:edit", kwargs={"intervention_id": made.pk})
    ).content.decode()

    status = _edit(staff, made, themes=[bus.pk])

    assert status == 302
    assert "bus, route (round: Do the flagged areas match" in form
    assert f'value="{suggestion.pk}"' not in form
    assert list(made.themes.all()) == [bus]
    page = _public_page(made)
    section = page[page.index("What led to it") : page.index("What the community said")]
    # 10 of 20 contributions, rounded to the nearest 5.
    assert "bus, route" in section and ">10<" in section and "nursery" not in section


def test_a_suggested_theme_cannot_be_linked(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    made = make_intervention(release)
    round_ = coded_round(release, made.lsoa_codes[0])
    suggestion = suggested_theme(round_, "parks", ["park"])

    status = _edit(client_for(Role.PARTNER_ANALYST), made, themes=[suggestion.pk])

    assert status == 200
    assert not made.themes.exists()


def test_themes_of_a_draft_round_are_neither_offered_nor_shown(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    made = make_intervention(release)
    draft = make_round(release, status=RoundStatus.DRAFT)
    theme = codebooks.accept(suggested_theme(draft, "buses", ["bus"]), round_organiser())

    status = _edit(client_for(Role.PARTNER_ANALYST), made, themes=[theme.pk])
    made.themes.add(theme)

    assert status == 200
    assert "No themes from validation rounds are linked to it" in _public_page(made)


def test_the_page_shows_what_communities_said_about_its_areas_and_nothing_unmoderated(
    release: Release,
) -> None:
    made = make_intervention(release)
    code = made.lsoa_codes[0]
    round_ = make_round(release)
    published(round_, BUSES + CENTRE, lsoa11cd=code)
    give(round_, reasons="Held for the moderator: it names a neighbour.", lsoa11cd=code)

    page = _public_page(made)

    section = page[page.index("What the community said") : page.index("How it was co-produced")]
    assert f"({code})" in section
    assert "Does the flag match what people know? 10 answers" in section
    assert BUSES[0] in section
    assert "Held for the moderator" not in page


def test_fewer_answers_than_the_threshold_are_counted_vaguely_and_never_quoted(
    release: Release,
) -> None:
    made = make_intervention(release)
    round_ = make_round(release)
    published(round_, BUSES[:2], lsoa11cd=made.lsoa_codes[0])

    page = _public_page(made)

    assert "Fewer than 7 answers" in page
    assert BUSES[0] not in page
