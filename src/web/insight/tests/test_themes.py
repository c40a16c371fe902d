"""Analysts suggest themes from a round's published texts, accept, merge or reject them, code
the rest of the round with the codebook and correct one contribution by hand; every decision is
logged, and areas show counts by theme only above the release's disclosure threshold."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from web.accounts.roles import Role
from web.governance.models import Action, Event
from web.insight import codebooks, moderation
from web.insight.models import (
    Codebook,
    CodedBy,
    ContributionTheme,
    RejectReason,
    Round,
    RoundStatus,
    Theme,
    ThemeState,
)
from web.insight.results import WITHHELD, theme_tables
from web.insight.tests.factories import (
    give,
    make_round,
    published,
    round_organiser,
    suggested_theme,
)
from web.releases.models import Release

BUSES = [
    "The bus route was cut and the buses stopped running on the estate.",
    "No bus after six, the bus route to town is gone.",
    "Buses are rare now, the route changed and the bus stop moved.",
    "Getting a bus to the clinic takes an hour since the route was cut.",
    "The bus stop is far and buses are late on the new route.",
]
CENTRE = [
    "The children's centre closed and the nursery has a waiting list.",
    "Since the children's centre shut there is no nursery nearby.",
    "Nursery places are full and the children's centre is boarded up.",
    "Parents lost the children's centre, the nursery is too expensive.",
    "The nursery moved away after the children's centre closed.",
]
PARKS = [
    "The park is unsafe, the playground swings are broken.",
    "Broken playground, litter in the park, nowhere for toddlers.",
    "The playground in the park needs fixing, swings broken for months.",
    "Families avoid the park because the playground is broken.",
    "Our park playground has broken swings and glass on the ground.",
]


@pytest.fixture
def round_(release: Release) -> Round:
    made = make_round(release)
    published(made, BUSES + CENTRE + PARKS)
    return made


def _terms(round_: Round) -> set[str]:
    found: set[str] = set()
    for theme in Theme.objects.filter(codebook__round=round_):
        found.update(word for term in theme.terms for word in term.split())
        found.update(theme.label.replace(",", " ").split())
    return found


def test_the_same_published_texts_give_the_same_suggestions_with_their_quotes(
    round_: Round,
) -> None:
    first = [
        (t.label, t.terms, t.suggested_count) for t in codebooks.suggest(round_, round_organiser())
    ]
    quotes = [codebooks.quotes_of(t) for t in Theme.objects.filter(codebook__round=round_)]
    again = [
        (t.label, t.terms, t.suggested_count) for t in codebooks.suggest(round_, round_organiser())
    ]

    assert first == again
    # The three subjects the texts were written on, five texts each.
    assert [count for _, _, count in first] == [5, 5, 5]
    assert {terms[0] for _, terms, _ in first} == {"bus", "centre", "broken"}
    assert all(1 <= len(found) <= 3 for found in quotes)
    # Suggesting again replaces the undecided suggestions rather than adding to them.
    assert Theme.objects.filter(codebook__round=round_).count() == len(first)
    event = Event.objects.filter(action=Action.INSIGHT_THEMES_SUGGESTED).last()
    assert event is not None and event.detail["texts"] == 15


def test_held_and_rejected_texts_never_shape_a_suggestion(round_: Round) -> None:
    give(round_, reasons="Zeppelins zeppelin hovering zeppelin over the marshes zeppelin.")
    rejected, _ = give(round_, reasons="Trampoline trampolines trampoline bouncing trampoline.")
    moderation.reject(rejected, round_organiser(), RejectReason.OFF_TOPIC)

    codebooks.suggest(round_, round_organiser())

    words = _terms(round_)
    assert not {w for w in words if w.startswith(("zeppelin", "trampoline"))}
    quoted = [
        q for t in Theme.objects.filter(codebook__round=round_) for q in codebooks.quotes_of(t)
    ]
    assert not [q for q in quoted if "eppelin" in q or "rampoline" in q]


def test_analyst_accepts_merges_and_rejects_suggestions_and_each_is_logged(
    round_: Round, client_for: Callable[[Role | None], Client]
) -> None:
    analyst = client_for(Role.PARTNER_ANALYST)
    url = reverse("insight:themes", kwargs={"round_id": round_.pk})
    analyst.post(reverse("insight:themes_suggest", kwargs={"round_id": round_.pk}))
    first, second, third = Theme.objects.filter(codebook__round=round_)

    analyst.post(url, {"action": "accept", "themes": [first.pk], "label": "Buses"})
    analyst.post(url, {"action": "merge", "themes": [second.pk, third.pk], "label": "Kept"})
    accepted_examples = list(Theme.objects.get(pk=first.pk).examples)
    answer = analyst.post(url, {"action": "reject", "themes": [first.pk]})

    assert answer.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert (first.state, first.label) == (ThemeState.REJECTED, "Buses")
    assert accepted_examples == first.terms[:5]
    assert (second.state, second.label) == (ThemeState.ACCEPTED, "Kept")
    assert set(second.examples) == set(second.terms[:5]) | set(third.terms[:5])
    assert (third.state, third.merged_into) == (ThemeState.MERGED, second)
    assert [t.label for t in codebooks.accepted(codebooks.codebook_of(round_))] == ["Kept"]
    logged = list(Event.objects.values_list("action", flat=True))
    assert logged.count(Action.INSIGHT_THEME_ACCEPTED) == 1
    assert logged.count(Action.INSIGHT_THEMES_MERGED) == 1
    assert logged.count(Action.INSIGHT_THEME_REJECTED) == 1


def test_accepting_a_theme_already_rejected_is_refused_on_the_page(
    round_: Round, client_for: Callable[[Role | None], Client]
) -> None:
    theme = suggested_theme(round_, "bus, route, buses", ["bus", "route", "buses"])
    codebooks.reject(theme, round_organiser())

    page = client_for(Role.PARTNER_ANALYST).post(
        reverse("insight:themes", kwargs={"round_id": round_.pk}),
        {"action": "accept", "themes": [theme.pk]},
    )

    theme.refresh_from_db()
    assert page.status_code == 200
    assert theme.state == ThemeState.REJECTED
    assert not Event.objects.filter(action=Action.INSIGHT_THEME_ACCEPTED).exists()


def test_an_analyst_edits_a_theme_and_a_blank_label_is_refused(
    round_: Round, client_for: Callable[[Role | None], Client]
) -> None:
    theme = codebooks.accept(
        suggested_theme(round_, "bus, route", ["bus", "route"]), round_organiser()
    )
    analyst = client_for(Role.PARTNER_ANALYST)
    url = reverse("insight:theme_edit", kwargs={"theme_id": theme.pk})

    refused = analyst.post(url, {"label": "", "description": "", "examples": "bus"})
    analyst.post(
        url, {"label": "Buses cut", "description": "Transport", "examples": "bus\nbus\n stop "}
    )

    theme.refresh_from_db()
    assert refused.status_code == 200
    assert (theme.label, theme.description, theme.examples) == (
        "Buses cut",
        "Transport",
        ["bus", "stop"],
    )
    event = Event.objects.get(action=Action.INSIGHT_THEME_EDITED)
    assert set(event.detail["changed"]) == {"label", "description", "examples"}


def test_code_the_rest_codes_published_texts_and_leaves_hand_coded_ones_alone(
    round_: Round, client_for: Callable[[Role | None], Client]
) -> None:
    buses = codebooks.accept(
        suggested_theme(round_, "bus, route", ["bus", "route", "buses"]), round_organiser()
    )
    centre = codebooks.accept(
        suggested_theme(round_, "nursery", ["children's centre", "nursery"]), round_organiser()
    )
    held, _ = give(round_, reasons="The bus route is gone.")
    first_bus = codebooks.published(round_)[0]
    analyst = client_for(Role.PARTNER_ANALYST)
    analyst.post(
        reverse("insight:contribution_themes", kwargs={"contribution_id": first_bus.pk}),
        {"action": "add", "theme": centre.pk},
    )

    analyst.post(reverse("insight:themes_code", kwargs={"round_id": round_.pk}))

    coded = {
        (row.contribution_id, row.theme_id): row.coded_by for row in ContributionTheme.objects.all()
    }
    by_hand = [key for key, by in coded.items() if by == CodedBy.ANALYST]
    assert by_hand == [(first_bus.pk, centre.pk)]
    # The hand-coded contribution keeps only what the analyst gave it.
    assert (first_bus.pk, buses.pk) not in coded
    others = [item.pk for item in codebooks.published(round_)]
    bus_texts = others[1:5]
    centre_texts = others[5:10]
    assert all(coded.get((pk, buses.pk)) == CodedBy.RULE for pk in bus_texts)
    assert all(coded.get((pk, centre.pk)) == CodedBy.RULE for pk in centre_texts)
    assert not any(pk == held.pk for pk, _ in coded)
    event = Event.objects.get(action=Action.INSIGHT_THEMES_CODED)
    assert (event.detail["contributions"], event.detail["left_alone"]) == (14, 1)
    assert Event.objects.filter(action=Action.INSIGHT_THEME_ADDED).count() == 1


def test_an_analyst_removes_a_theme_and_coding_the_rest_does_not_put_it_back(
    round_: Round, client_for: Callable[[Role | None], Client]
) -> None:
    buses = codebooks.accept(
        suggested_theme(round_, "bus, route", ["bus", "route", "buses"]), round_organiser()
    )
    codebooks.code_the_rest(round_, round_organiser())
    item = codebooks.published(round_)[0]
    assert ContributionTheme.objects.filter(contribution=item, theme=buses).exists()

    client_for(Role.PARTNER_ANALYST).post(
        reverse("insight:contribution_themes", kwargs={"contribution_id": item.pk}),
        {"action": "remove", "theme": buses.pk},
    )
    codebooks.code_the_rest(round_, round_organiser())

    assert not ContributionTheme.objects.filter(contribution=item, theme=buses).exists()
    assert Event.objects.filter(
        action=Action.INSIGHT_THEME_REMOVED, object_id=str(item.pk)
    ).exists()


def test_theme_counts_at_or_below_the_threshold_are_withheld_on_the_area_profile(
    release: Release, client: Client
) -> None:
    made = make_round(release)
    busy, quiet = made.areas.order_by("lsoa11cd")[:2]
    # About buses: 12 of 22 in one area and the threshold's 7 of 15 in another. The 7 is
    # withheld, and so is the 12, which would give it away from the round's 19.
    published(made, (BUSES * 3)[:12] + CENTRE + PARKS, lsoa11cd=busy.lsoa11cd)
    published(made, (BUSES * 2)[:7] + CENTRE + PARKS[:3], lsoa11cd=quiet.lsoa11cd)
    codebooks.accept(
        suggested_theme(made, "bus, route", ["bus", "route", "buses"]), round_organiser()
    )
    codebooks.code_the_rest(made, round_organiser())

    tables = theme_tables(made)

    assert sum(1 for _, keys in codebooks.coded_for_counts(made) if keys) == 19

    assert [(t.label, t.count) for t in tables[quiet.lsoa11cd].themes] == [("bus, route", WITHHELD)]
    assert [t.count for t in tables[busy.lsoa11cd].themes] == [WITHHELD]
    # Across the round: 19 of 37, each rounded to 5.
    assert [t.count for t in tables["all"].themes] == ["20"]
    assert (tables["all"].contributions, tables[quiet.lsoa11cd].contributions) == (35, 15)
    page = client.get(
        reverse("areas:profile", kwargs={"recipe": release.recipe, "lsoa11cd": quiet.lsoa11cd})
    ).content.decode()
    assert "What people raised: themes in" in page
    assert WITHHELD in page
    report = client.get(reverse("insight:report", kwargs={"round_id": made.pk})).content.decode()
    assert "bus, route" in report and ">20<" in report and "35 published" in report


def test_nothing_by_theme_is_published_before_a_theme_is_accepted(round_: Round) -> None:
    suggested_theme(round_, "bus, route", ["bus", "route"])

    assert theme_tables(round_) == {}


@pytest.mark.parametrize("role", [Role.PARTNER_VIEWER, Role.CUSTODIAN], ids=lambda role: role.value)
def test_only_analysts_and_administrators_decide_themes(
    role: Role, round_: Round, client_for: Callable[[Role | None], Client]
) -> None:
    theme = suggested_theme(round_, "bus, route", ["bus", "route"])

    answer = client_for(role).post(
        reverse("insight:themes", kwargs={"round_id": round_.pk}),
        {"action": "accept", "themes": [theme.pk]},
    )

    theme.refresh_from_db()
    assert answer.status_code == 403
    assert theme.state == ThemeState.SUGGESTED


def test_the_themes_page_shows_each_suggestion_with_its_terms_count_and_quotes(
    round_: Round, client_for: Callable[[Role | None], Client]
) -> None:
    give(round_, reasons="Zeppelins over the marshes every night.")
    analyst = client_for(Role.PARTNER_ANALYST)
    analyst.post(reverse("insight:themes_suggest", kwargs={"round_id": round_.pk}))

    page = analyst.get(reverse("insight:themes", kwargs={"round_id": round_.pk})).content.decode()

    assert "bus, route, buses (5 contributions)" in page
    assert "Top terms: bus, route, buses, bus route" in page
    assert page.count('class="govuk-inset-text"') == 9
    assert "Zeppelin" not in page


def test_a_round_with_too_few_published_texts_says_why_no_themes_are_suggested(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    made = make_round(release)
    published(made, BUSES[:2])

    page = client_for(Role.PARTNER_ANALYST).post(
        reverse("insight:themes_suggest", kwargs={"round_id": made.pk}), follow=True
    )

    assert "Themes need at least 3 texts to suggest from; 2 given" in page.content.decode()
    assert not Theme.objects.exists()
    assert not Event.objects.filter(action=Action.INSIGHT_THEMES_SUGGESTED).exists()


def test_the_round_report_is_not_public_while_the_round_is_a_draft(
    release: Release, client: Client
) -> None:
    draft = make_round(release, status=RoundStatus.DRAFT)

    answer = client.get(reverse("insight:report", kwargs={"round_id": draft.pk}))

    assert answer.status_code == 404


def test_a_suggestion_edited_before_it_is_accepted_keeps_the_analysts_phrases(
    round_: Round,
) -> None:
    theme = suggested_theme(round_, "bus, route", ["bus", "route", "buses"])
    codebooks.edit(theme, round_organiser(), "Transport", "Buses cut", ["bus stop"])

    codebooks.accept(theme, round_organiser())

    theme.refresh_from_db()
    assert (theme.label, theme.description, theme.examples) == (
        "Transport",
        "Buses cut",
        ["bus stop"],
    )


def test_a_visitor_reading_an_area_profile_makes_no_codebook(
    release: Release, client: Client
) -> None:
    made = make_round(release)
    area = made.areas.first()
    assert area is not None

    page = client.get(
        reverse("areas:profile", kwargs={"recipe": release.recipe, "lsoa11cd": area.lsoa11cd})
    )

    assert page.status_code == 200
    assert not Codebook.objects.exists()


def test_an_analyst_writes_a_theme_and_codes_a_round_too_small_to_suggest_from(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    made = make_round(release)
    first, _ = published(made, [BUSES[0], PARKS[0]])
    analyst = client_for(Role.PARTNER_ANALYST)

    analyst.post(
        reverse("insight:theme_new", kwargs={"round_id": made.pk}),
        {"label": "Buses cut", "description": "", "examples": "bus route"},
    )
    analyst.post(reverse("insight:themes_code", kwargs={"round_id": made.pk}))

    theme = Theme.objects.get()
    assert (theme.label, theme.state, theme.examples) == (
        "Buses cut",
        ThemeState.ACCEPTED,
        ["bus route"],
    )
    assert list(ContributionTheme.objects.values_list("contribution_id", flat=True)) == [first.pk]
    assert Event.objects.filter(action=Action.INSIGHT_THEME_WRITTEN).count() == 1
