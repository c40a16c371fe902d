"""Staff record an intervention from a flagged area with its TIDieR description, linked areas
and services, how it was co-produced, and its progress; the public sees it all with a dated
timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.test import Client
from django.urls import reverse

from web.accounts.roles import Role
from web.assets.tests.factories import STAY_AND_PLAY, make_register
from web.governance.models import Action, Event
from web.interventions import services
from web.interventions.models import Intervention, State
from web.interventions.tests.factories import make_intervention
from web.releases.models import Release

TIDIER_FILLED = {
    "why": "Few children in these areas reach a good level of development.",
    "materials": "Play kits lent by the library.",
    "procedures": "Weekly sessions of play and talk for parents and toddlers.",
    "provider": "The library's early years team with health visitors.",
    "how": "Face to face, in groups of up to twelve families.",
    "where": "The estate's library.",
    "when_and_how_much": "An hour a week for a year.",
    "tailoring": "Sessions in a family’s language when it asks.",
    "modifications": "Evening sessions if working parents cannot come.",
    "fidelity": "A health visitor observes one session a month.",
}


def test_staff_create_an_intervention_from_a_flagged_area_with_its_services(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    make_register()
    code = release.areas.filter(flagged=True).values_list("lsoa11cd", flat=True).first()
    assert code is not None
    staff = client_for(Role.PARTNER_ANALYST)
    form = staff.get(
        reverse("interventions:create", kwargs={"recipe": release.recipe}), {"lsoa": code}
    )
    assert code in form.content.decode()

    answer = staff.post(
        reverse("interventions:create", kwargs={"recipe": release.recipe}),
        {
            "title": "Stay and play at the library",
            "lsoa_codes": code,
            "services": [STAY_AND_PLAY],
            **TIDIER_FILLED,
        },
    )

    made = Intervention.objects.get()
    assert answer.status_code == 302
    assert made.lsoa_codes == [code]
    assert made.state == State.PROPOSED
    assert made.fidelity == TIDIER_FILLED["fidelity"]
    assert list(made.services.values_list("pk", flat=True)) == [STAY_AND_PLAY]
    assert Event.objects.filter(action=Action.INTERVENTION_CREATED, object_id=str(made.pk)).exists()
    page = (
        Client()
        .get(reverse("interventions:detail", kwargs={"intervention_id": made.pk}))
        .content.decode()
    )
    assert TIDIER_FILLED["fidelity"] in page and "Stay and play" in page


def test_an_area_outside_the_current_release_is_refused_and_nothing_made(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    answer = client_for(Role.ADMINISTRATOR).post(
        reverse("interventions:create", kwargs={"recipe": release.recipe}),
        {"title": "Stay and play", "lsoa_codes": "E01099999"},
    )
    assert answer.status_code == 200
    assert (
        "E01099999 is not an area of this recipe&#x27;s current release" in answer.content.decode()
    )
    assert not Intervention.objects.exists()


def test_progress_updates_move_the_lifecycle_and_show_on_the_public_timeline(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    made = make_intervention(release)
    staff = client_for(Role.PARTNER_ANALYST)
    steps = [
        ("2026-01-12", "agreed", "Agreed with the parents' forum."),
        ("2026-02-02", "delivering", "First sessions held."),
    ]
    for day, state, text in steps:
        year, month, dom = day.split("-")
        staff.post(
            reverse("interventions:add_update", kwargs={"intervention_id": made.pk}),
            {"on_day": dom, "on_month": month, "on_year": year, "state": state, "text": text},
        )
    staff.post(
        reverse("interventions:add_session", kwargs={"intervention_id": made.pk}),
        {
            "held_on_day": "5",
            "held_on_month": "1",
            "held_on_year": "2026",
            "role_resident": "14",
            "role_practitioner": "3",
            "decisions": "Sessions on Tuesday mornings.",
        },
    )
    services.add_milestone(made, "Twenty families attending", date(2026, 6, 30))
    reached = services.add_milestone(made, "Kits bought", date(2026, 1, 20))
    staff.post(reverse("interventions:milestone_done", kwargs={"milestone_id": reached.pk}))

    made.refresh_from_db()
    assert made.state == State.DELIVERING
    assert Event.objects.filter(action=Action.INTERVENTION_STATE_UPDATED).count() == 2
    page = (
        Client()
        .get(reverse("interventions:detail", kwargs={"intervention_id": made.pk}))
        .content.decode()
    )
    assert (
        page.index("12 January 2026") < page.index("2 February 2026") < page.index("30 June 2026")
    )
    assert "1 of 2 milestones reached" in page
    assert "14 residents" in page and "3 practitioners" in page
    assert "Sessions on Tuesday mornings." in page


def test_an_update_without_a_date_is_refused_naming_the_field(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    made = make_intervention(release)
    answer = client_for(Role.PARTNER_ANALYST).post(
        reverse("interventions:add_update", kwargs={"intervention_id": made.pk}),
        {"state": "agreed", "text": "Agreed."},
    )
    assert answer.status_code == 400
    assert "Enter the date of the update" in answer.content.decode()
    assert not made.updates.exists()


def test_only_analysts_and_administrators_record_interventions(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    made = make_intervention(release)
    manage = reverse("interventions:manage", kwargs={"intervention_id": made.pk})
    for role in (Role.PARTNER_VIEWER, Role.COMMUNITY_MEMBER, Role.CUSTODIAN):
        assert client_for(role).get(manage).status_code == 403
    assert client_for(None).get(manage).status_code == 302
    assert client_for(Role.ADMINISTRATOR).get(manage).status_code == 200
    listing = reverse("interventions:list", kwargs={"recipe": release.recipe})
    public = client_for(None).get(listing).content.decode()
    assert made.title in public and "Create an intervention" not in public
    assert (
        "Create an intervention" in client_for(Role.PARTNER_ANALYST).get(listing).content.decode()
    )


def test_staff_find_the_way_to_plan_an_intervention_on_a_flagged_area_s_profile(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    code = release.areas.filter(flagged=True).values_list("lsoa11cd", flat=True).first()
    profile = reverse("areas:profile", kwargs={"recipe": release.recipe, "lsoa11cd": code})
    create = reverse("interventions:create", kwargs={"recipe": release.recipe})
    assert f"{create}?lsoa={code}" in client_for(Role.PARTNER_ANALYST).get(profile).content.decode()
    public = client_for(None).get(profile).content.decode()
    assert create not in public
    assert reverse("interventions:list", kwargs={"recipe": release.recipe}) in public
