"""The synthetic round on a small world: deterministic, verdicts and themes that follow the
truth, points inside their areas, a public file without the truth, and no planted identifier
left in a published field once screened."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bakehouse.errors import ConfigError
from bakehouse.geography import load_postcodes
from bakehouse.insight.agreement import Verdict, agreement, review_against_truth
from bakehouse.insight.planted import covered
from bakehouse.insight.screening import Screener
from bakehouse.insight.synthetic import (
    Round,
    _inside,
    _polygons,
    area_truth,
    synthetic_round,
    write_round,
)
from bakehouse.insight.themes import suggest_themes
from bakehouse.world.census import CENSUS_FILE, read_census
from bakehouse.world.generate import WorldSummary

# The screener's name recall target is 0.9 (ADR 0030); on rounds it masks 0.99-1.0 of planted
# items. What it misses here is a name shaped like a street ("Lola Lane") in a held text.
MASKED_BOUND = 0.98
PUBLIC_FIELDS = {
    "id",
    "lsoa11cd",
    "role",
    "verdict",
    "reasons",
    "local_knowledge",
    "latitude",
    "longitude",
    "age_band",
    "ethnic_group",
    "children_under_five",
    "postcode",
}


@pytest.fixture(scope="module")
def world(small_world_factory: Callable[..., WorldSummary]) -> Path:
    return Path(small_world_factory(seed=1).out)


@pytest.fixture(scope="module")
def lowest_need(world: Path) -> list[str]:
    """The three areas the truth says need least."""
    rate = area_truth(world).rate
    return sorted(rate, key=rate.__getitem__)[:3]


@pytest.fixture(scope="module")
def flagged(world: Path, lowest_need: list[str]) -> frozenset[str]:
    """The eight areas of highest true need, and three of the lowest, as a model might flag."""
    rate = area_truth(world).rate
    return frozenset(sorted(rate, key=rate.__getitem__)[-8:] + lowest_need)


@pytest.fixture(scope="module")
def round_(world: Path, flagged: frozenset[str]) -> Round:
    return synthetic_round(world, flagged, seed=4)


def test_same_seed_gives_the_same_round_files(
    world: Path, flagged: frozenset[str], round_: Round, tmp_path: Path
) -> None:
    first = write_round(round_, tmp_path / "first")
    second = write_round(synthetic_round(world, flagged, seed=4), tmp_path / "second")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    other = synthetic_round(world, flagged, seed=5)
    assert other.contributions != round_.contributions


def test_residents_of_truly_high_need_areas_agree_more_often(round_: Round) -> None:
    def share(high: bool) -> float:
        views = [
            c.verdict
            for c in round_.contributions
            if (c.lsoa11cd in round_.truth.high_need) == high and c.verdict != Verdict.DONT_KNOW
        ]
        return views.count(Verdict.AGREES) / len(views)

    assert share(high=True) > share(high=False) + 0.3


def test_flagged_areas_the_truth_says_need_least_are_marked_for_review(
    round_: Round, flagged: frozenset[str], lowest_need: list[str]
) -> None:
    found = agreement([(c.lsoa11cd, c.verdict) for c in round_.contributions], flagged)
    # Three in four of those with a view there disagree, so about one such area in twelve
    # misses the majority by chance: at least two of the three are marked, and nothing else.
    assert set(found.marked) <= set(lowest_need)
    assert len(found.marked) >= 2
    score = review_against_truth(found, flagged, round_.truth.high_need)
    assert score.precision == 1.0


def test_areas_whose_services_were_removed_talk_about_closed_services(round_: Round) -> None:
    def share(gap: bool) -> float:
        themes = [
            round_.planted[c.id].theme
            for c in round_.contributions
            if (c.lsoa11cd in round_.truth.asset_gaps) == gap and c.verdict == Verdict.AGREES
        ]
        return themes.count("services-closed") / len(themes)

    assert round_.truth.asset_gaps
    assert share(gap=True) > share(gap=False) + 0.2


def test_points_lie_inside_their_own_area(round_: Round) -> None:
    rings = _polygons(round_.area)
    with_point = [c for c in round_.contributions if c.latitude is not None]
    assert 0.4 < len(with_point) / len(round_.contributions) < 0.8
    for c in with_point:
        assert c.longitude is not None and c.latitude is not None
        assert any(_inside(c.longitude, c.latitude, ring) for ring in rings[c.lsoa11cd])


def test_the_public_file_holds_the_documented_fields_and_no_truth(
    round_: Round, tmp_path: Path
) -> None:
    public, truth = write_round(round_, tmp_path)
    data = json.loads(public.read_text("utf-8"))
    assert set(data) == {"format_version", "area", "seed", "flagged", "contributions"}
    assert all(set(c) == PUBLIC_FIELDS for c in data["contributions"])
    assert {c["verdict"] for c in data["contributions"]} == {v.value for v in Verdict}
    assert "theme" not in public.read_text("utf-8")
    planted = json.loads(truth.read_text("utf-8"))["contributions"]
    assert set(planted) == {c["id"] for c in data["contributions"]}


def test_a_stated_share_of_contributions_carry_planted_personal_data(round_: Round) -> None:
    with_data = [p for p in round_.planted.values() if p.personal_data]
    assert 0.25 < len(with_data) / len(round_.planted) < 0.45


def test_no_planted_identifier_reaches_a_published_field_unmasked_and_unseen(
    round_: Round, screener: Screener
) -> None:
    """Each planted identifier is masked, or the screener holds its text for a moderator (it
    found something else there); almost all are masked, and no suggested quote holds one."""
    masked_reasons = []
    planted_count = masked = 0
    for contribution in round_.contributions:
        screened = {
            name: screener.screen(getattr(contribution, name))
            for name in ("reasons", "local_knowledge")
        }
        masked_reasons.append(screened["reasons"].masked)
        planted = round_.planted[contribution.id].personal_data
        for item in planted:
            findings = [(f.start, f.end) for f in screened[item.field].findings]
            planted_count += 1
            masked += covered(item.span, findings)
            assert covered(item.span, findings) or screened[item.field].held
    assert masked / planted_count >= MASKED_BOUND
    values = {
        getattr(c, p.field)[p.span.start : p.span.end]
        for c in round_.contributions
        for p in round_.planted[c.id].personal_data
    }
    quotes = [q for s in suggest_themes(masked_reasons, seed=0) for q in s.quotes]
    assert not [v for v in values for q in quotes if v in q]


def test_a_flagged_area_outside_the_world_is_refused(world: Path) -> None:
    with pytest.raises(ConfigError, match="not in the world, the first E99999999"):
        synthetic_round(world, {"E99999999"}, seed=1)


def test_a_release_folder_gives_the_round_its_flagged_areas(
    world: Path, flagged: frozenset[str], round_: Round, tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    codes = sorted(area_truth(world).rate)
    pq.write_table(
        pa.table({"lsoa11cd": codes, "flagged": [code in flagged for code in codes]}),
        tmp_path / "areas.parquet",
    )
    assert synthetic_round(world, tmp_path, seed=4) == round_


def _expected_share(round_: Round, world: Path, measure: str, group: str) -> float:
    """The group's share of the population of each contribution's area, averaged over the
    contributions: what an evenly heard round would show."""
    census = read_census(world / CENSUS_FILE)
    shares = []
    for item in round_.contributions:
        counts = census[(item.lsoa11cd, measure)]
        shares.append(counts[group] / sum(counts.values()))
    return sum(shares) / len(shares)


@pytest.mark.parametrize(("measure", "group"), [("age_band", "16-24"), ("ethnic_group", "asian")])
def test_the_round_hears_young_adults_and_asian_residents_less_than_live_there(
    round_: Round, world: Path, measure: str, group: str
) -> None:
    answers = [getattr(item, measure) for item in round_.contributions]
    given = [answer for answer in answers if answer]
    assert 0.6 < len(given) / len(answers) < 0.85
    heard = given.count(group) / len(given)
    assert heard < 0.6 * _expected_share(round_, world, measure, group)


def test_parents_of_young_children_answer_more_than_their_share(round_: Round, world: Path) -> None:
    given = [item.children_under_five for item in round_.contributions if item.children_under_five]
    assert given.count("yes") / len(given) > _expected_share(
        round_, world, "children_under_five", "yes"
    )


def test_a_residents_postcode_is_in_the_area_they_speak_about(round_: Round) -> None:
    lsoa_of = dict(
        zip(
            load_postcodes().column("postcode").to_pylist(),
            load_postcodes().column("lsoa11cd").to_pylist(),
            strict=True,
        )
    )
    residents = [item for item in round_.contributions if item.role == "resident" and item.postcode]
    assert residents
    assert all(lsoa_of[item.postcode] == item.lsoa11cd for item in residents)
