"""Participants may say who they are (age band, ethnic group, children under five, postcode),
each optional; the round's report and its staff page set those answers beside the areas'
population and say which groups were not heard, with intervals and under the release's
threshold."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from bakehouse.areas.intervals import wilson
from bakehouse.geography import load_postcodes
from web.accounts.roles import Role
from web.insight import contributions, moderation
from web.insight.contributions import AboutYou, Given
from web.insight.models import (
    Contribution,
    ParticipantRole,
    PopulationCount,
    Round,
    RoundArea,
    Verdict,
)
from web.insight.representation import heard, heard_by_area
from web.insight.tests.factories import make_round, round_organiser
from web.releases.models import Release


@pytest.fixture(autouse=True)
def fresh_counters() -> None:
    cache.clear()


def _postcode_in(lsoa11cd: str) -> str:
    table = load_postcodes()
    for postcode, code in zip(
        table.column("postcode").to_pylist(), table.column("lsoa11cd").to_pylist(), strict=True
    ):
        if code == lsoa11cd:
            return str(postcode)
    raise AssertionError(f"no postcode in {lsoa11cd}")


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


def _first_area(round_: Round) -> RoundArea:
    area = round_.areas.first()
    assert area is not None
    return area


def _every_stored_value() -> str:
    """Every text column of the insight tables, as stored."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table.startswith("insight_"):
                cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the schema)
                found += [str(value) for row in cursor.fetchall() for value in row]
    return "\n".join(found)


def test_a_resident_answers_about_themselves_and_only_their_postcodes_area_is_kept(
    release: Release,
) -> None:
    round_ = make_round(release)
    area = _first_area(round_)
    postcode = _postcode_in(area.lsoa11cd)
    client = Client()

    sent = client.post(
        reverse("insight:give", kwargs={"round_id": round_.pk}),
        _form(
            area.lsoa11cd,
            age_band="25-34",
            ethnic_group="black",
            children_under_five="yes",
            postcode=postcode.lower().replace(" ", ""),
        ),
    )

    assert sent.status_code == 302
    item = Contribution.objects.get()
    assert (item.age_band, item.ethnic_group, item.children_under_five) == ("25-34", "black", "yes")
    assert item.home_lsoa11cd == area.lsoa11cd
    stored = _every_stored_value()
    assert postcode not in stored
    assert postcode.replace(" ", "") not in stored.replace(" ", "")

    page = client.get(reverse("insight:given", kwargs={"round_id": round_.pk}))
    key = re.search(r'your-contribution/\?key=([^"&]+)"', page.content.decode())
    assert key
    client.post(f"{reverse('insight:delete_contribution')}?key={key.group(1)}")
    assert not Contribution.objects.exists()


def test_every_question_about_the_participant_may_be_skipped(release: Release) -> None:
    round_ = make_round(release)
    area = _first_area(round_)

    sent = Client().post(
        reverse("insight:give", kwargs={"round_id": round_.pk}),
        _form(area.lsoa11cd, age_band="", ethnic_group="", children_under_five="", postcode=""),
    )

    assert sent.status_code == 302
    item = Contribution.objects.get()
    assert (item.age_band, item.ethnic_group, item.children_under_five, item.home_lsoa11cd) == (
        "",
        "",
        "",
        "",
    )


@pytest.mark.parametrize(
    ("postcode", "message"),
    [("12345", "Enter a full UK postcode"), ("ZZ99 9ZZ", "We do not know this postcode")],
)
def test_a_postcode_that_is_not_one_we_know_is_refused_and_nothing_kept(
    release: Release, postcode: str, message: str
) -> None:
    round_ = make_round(release)
    area = _first_area(round_)

    page = Client().post(
        reverse("insight:give", kwargs={"round_id": round_.pk}),
        _form(area.lsoa11cd, postcode=postcode),
    )

    assert page.status_code == 200
    assert message in page.content.decode()
    assert not Contribution.objects.exists()


def test_changing_a_view_keeps_the_postcodes_area_unless_asked_to_forget_it(
    release: Release,
) -> None:
    round_ = make_round(release)
    area = _first_area(round_)
    item, token = contributions.receive(
        area,
        Given(
            verdict=Verdict.AGREES,
            participant_role=ParticipantRole.RESIDENT,
            reasons="The bus stopped running.",
            local_knowledge="",
            about=AboutYou(age_band="65+", home_lsoa11cd=area.lsoa11cd),
        ),
    )
    link = f"{reverse('insight:contribution')}?key={token}"
    changed = {
        "verdict": "partly",
        "reasons": "The bus stopped running.",
        "local_knowledge": "",
        "participant_role": "resident",
        "age_band": "65+",
    }
    client = Client()

    client.post(link, changed)
    item.refresh_from_db()
    assert (item.verdict, item.home_lsoa11cd) == ("partly", area.lsoa11cd)

    client.post(link, {**changed, "forget_home_area": "on"})
    item.refresh_from_db()
    assert item.home_lsoa11cd == ""


def _population_csv(path: Path, codes: list[str], young: int, older: int) -> Path:
    rows = ["lsoa,measure,group,count,source"]
    for code in codes:
        rows += [
            f"{code},age_band,16 to 24,{young},ONS Census 2021 TS007",
            f"{code},age_band,25-34,{older},ONS Census 2021 TS007",
            f"{code},age_band,35-49,{older},ONS Census 2021 TS007",
            f"{code},age_band,50-64,{older},ONS Census 2021 TS007",
            f"{code},age_band,65+,{older},ONS Census 2021 TS007",
        ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_population_file_loads_its_areas_counts_and_a_second_replaces_them(
    release: Release, tmp_path: Path
) -> None:
    codes = list(release.areas.values_list("lsoa11cd", flat=True)[:2])

    call_command("load_population", _population_csv(tmp_path / "a.csv", codes, 100, 200))
    call_command("load_population", _population_csv(tmp_path / "b.csv", codes[:1], 50, 200))

    young = dict(PopulationCount.objects.filter(group="16-24").values_list("lsoa11cd", "count"))
    assert young == {codes[0]: 50, codes[1]: 100}
    assert PopulationCount.objects.count() == 10


def test_a_population_file_with_bad_rows_is_refused_whole_naming_each_row_and_field(
    release: Release, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "lsoa,measure,group,count,source\n"
        "E01021237,age_band,16-24,120,ONS\n"
        "E0102,age_band,16-24,120,ONS\n"
        "E01021237,religion,none,3,ONS\n"
        "E01021237,ethnic_group,white,-4,ONS\n"
        "E01021237,age_band,16-24,9,ONS\n",
        encoding="utf-8",
    )

    with pytest.raises(CommandError) as refused:
        call_command("load_population", path)

    message = str(refused.value)
    assert "4 problem(s), nothing loaded" in message
    for where in (
        "row 3, field 'lsoa'",
        "row 4, field 'measure'",
        "row 5, field 'count'",
        "row 6, field 'group'",
    ):
        assert where in message
    assert not PopulationCount.objects.exists()


def _publish(round_area: RoundArea, age_bands: list[str]) -> None:
    for band in age_bands:
        item, _ = contributions.receive(
            round_area,
            Given(
                verdict=Verdict.AGREES,
                participant_role=ParticipantRole.RESIDENT,
                reasons="The family hub closed.",
                local_knowledge="",
                about=AboutYou(age_band=band),
            ),
        )
        moderation.approve(item, round_organiser())


def test_the_report_says_young_adults_were_not_heard_with_intervals_and_denominators(
    release: Release, tmp_path: Path, client_for: Callable[[Role | None], Client]
) -> None:
    threshold = release.suppression_threshold
    round_ = make_round(release)
    area = _first_area(round_)
    codes = list(round_.areas.values_list("lsoa11cd", flat=True))
    # A third of the adults are 16 to 24; one of 40 who answered is.
    call_command("load_population", _population_csv(tmp_path / "p.csv", codes, 400, 200))
    bands = ["16-24"] + ["25-34"] * 10 + ["35-49"] * 15 + ["50-64"] * 9 + ["65+"] * 5
    _publish(area, [*bands, "", ""])

    found = heard(round_)
    age = found.questions[0]
    young = age.groups[0]
    # Two skipped is fewer than the threshold, and the total is published: 40 answered would
    # tell it, so it is hidden too.
    assert age.skipped == f"Fewer than {threshold}"
    assert age.answered.startswith(f"{threshold} or more (not shown")
    assert young.respondents == f"Fewer than {threshold}"
    assert young.share == "Withheld"
    assert young.population == "33%"
    assert young.under_heard
    low, high = (float(v) for v in wilson(15, 40))
    middle = age.groups[2]
    assert middle.share == f"38% ({100 * low:.0f}% to {100 * high:.0f}%)"
    assert not middle.under_heard
    assert age.population == f"{len(codes) * 1200:,} residents aged 16 or over"

    public = Client().get(reverse("insight:report", kwargs={"round_id": round_.pk}))
    staff = client_for(Role.PARTNER_ANALYST).get(
        reverse("insight:round", kwargs={"round_id": round_.pk})
    )
    for page in (public, staff):
        text = page.content.decode()
        assert page.status_code == 200
        assert "Who was not heard" in text
        assert "Age: 16 to 24" in text
        assert f"skipped fewer than {threshold}" in text
        assert "Each question was optional" in text


def test_a_group_nobody_answered_stays_hidden_beside_a_small_one(
    release: Release, tmp_path: Path
) -> None:
    round_ = make_round(release)
    codes = list(round_.areas.values_list("lsoa11cd", flat=True))
    call_command("load_population", _population_csv(tmp_path / "p.csv", codes, 400, 200))
    # One answer of 16 to 24 and none of 65+: published as 0% share, the zero would tell the
    # total's reader that the hidden count is the 16 to 24 one alone.
    _publish(_first_area(round_), ["16-24"] + ["25-34"] * 13 + ["35-49"] * 13 + ["50-64"] * 13)

    groups = {group.label: group for group in heard(round_).questions[0].groups}

    hidden = f"Fewer than {release.suppression_threshold}"
    assert [groups[label].respondents for label in ("16 to 24", "65 or over")] == [
        hidden,
        hidden,
    ]
    assert groups["65 or over"].share == "Withheld"


def test_too_few_answers_show_no_groups_only_that_they_are_withheld(release: Release) -> None:
    round_ = make_round(release)
    area = _first_area(round_)
    _publish(area, ["25-34", "35-49"])

    age = heard(round_).questions[0]

    assert age.groups == ()
    # Answered and skipped add up to the area's contributions, which its page hides when small.
    hidden = f"Fewer than {release.suppression_threshold}"
    assert (age.answered, age.skipped) == (hidden, hidden)
    assert f"{hidden} answered" in age.withheld_because
    by_area = next(found for found in heard_by_area(round_) if found.place == str(area))
    assert (by_area.questions[0].answered, by_area.questions[0].skipped) == (hidden, hidden)


def test_a_round_files_answers_about_participants_load_as_the_form_takes_them(
    release: Release, tmp_path: Path
) -> None:
    flagged = sorted(release.areas.filter(flagged=True).values_list("lsoa11cd", flat=True))
    code = flagged[0]
    postcode = _postcode_in(code)
    base = {
        "lsoa11cd": code,
        "role": "resident",
        "verdict": "agrees",
        "reasons": "The children's centre closed.",
        "local_knowledge": "",
        "latitude": None,
        "longitude": None,
    }
    items = [
        {
            **base,
            "id": "r1-0001",
            "age_band": "16-24",
            "ethnic_group": "asian",
            "postcode": postcode,
        },
        {**base, "id": "r1-0002", "age_band": "", "children_under_five": "yes"},
        {**base, "id": "r1-0003", "postcode": "ZZ99 9ZZ"},
    ]
    path = tmp_path / "round.json"
    path.write_text(
        json.dumps(
            {
                "format_version": 1,
                "area": release.area_name,
                "seed": 1,
                "flagged": flagged,
                "contributions": items,
            }
        ),
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "load_insight_round",
        str(path),
        release=release.id,
        by=round_organiser().username,
        stdout=out,
        stderr=err,
    )

    stored = {
        (item.age_band, item.ethnic_group, item.children_under_five, item.home_lsoa11cd)
        for item in Contribution.objects.all()
    }
    assert stored == {("16-24", "asian", "", code), ("", "", "yes", "")}
    assert "3 in = 2 stored + 1 refused" in out.getvalue()
    assert "Refused r1-0003" in err.getvalue() and "field 'postcode'" in err.getvalue()
    assert "ZZ99" not in err.getvalue()
    assert postcode not in _every_stored_value()
