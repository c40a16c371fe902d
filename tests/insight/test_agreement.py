"""Community verdicts against the model's flags: the majority rule, the review rule and its
minimum, agreement and kappa, and the review's precision against truth."""

from __future__ import annotations

import math

import pytest

from bakehouse.insight.agreement import MIN_VIEWS, Verdict, agreement, review_against_truth

A, P, D, K = Verdict.AGREES, Verdict.PARTLY, Verdict.DISAGREES, Verdict.DONT_KNOW


def votes(area: str, *verdicts: Verdict) -> list[tuple[str, Verdict]]:
    return [(area, v) for v in verdicts]


def test_flagged_area_where_most_with_a_view_disagree_is_marked_for_review() -> None:
    found = agreement(votes("X", D, D, D, A, P, K, K, K), flagged={"X"})
    (area,) = found.areas
    assert (area.with_view, area.disagrees) == (5, 3)
    assert found.marked == ("X",)
    assert area.community_agrees is False


def test_dont_know_is_not_a_view_so_too_few_views_mark_nothing() -> None:
    found = agreement(votes("X", D, D, D, D, K, K, K, K), flagged={"X"})
    assert found.areas[0].with_view == MIN_VIEWS - 1
    assert found.marked == ()
    assert found.areas[0].community_agrees is None
    assert found.compared == 0
    assert math.isnan(found.rate)


def test_partly_is_a_view_but_not_agreement_or_disagreement() -> None:
    found = agreement(votes("X", P, P, P, D, D, A), flagged={"X"})
    assert found.marked == ()  # 2 of 6 disagree: not a majority
    assert found.areas[0].community_agrees is False
    assert found.areas[0].share_agreeing == pytest.approx(1 / 6)


def test_an_unflagged_area_is_never_marked_however_many_disagree() -> None:
    assert agreement(votes("Y", D, D, D, D, D, D), flagged=set()).marked == ()


def test_a_flagged_area_nobody_spoke_about_is_listed_without_a_verdict() -> None:
    found = agreement(votes("Y", A, A, A, A, A), flagged={"X"})
    assert [(a.lsoa11cd, a.flagged, a.with_view) for a in found.areas] == [
        ("X", True, 0),
        ("Y", False, 5),
    ]


def test_agreement_rate_and_kappa_over_the_areas_with_a_community_verdict() -> None:
    agree, disagree = (A,) * 5, (D,) * 5
    verdicts = (
        votes("F1", *agree)
        + votes("F2", *agree)
        + votes("F3", *disagree)
        + votes("N1", *agree)
        + [(f"N{i}", d) for i in range(2, 6) for d in disagree]
        + votes("N6", A)  # too few views: left out
    )
    found = agreement(verdicts, flagged={"F1", "F2", "F3"})
    assert (found.both, found.model_only, found.community_only, found.neither) == (2, 1, 1, 4)
    assert found.rate == pytest.approx(6 / 8)
    chance = (3 / 8) * (3 / 8) + (5 / 8) * (5 / 8)
    assert found.kappa == pytest.approx((6 / 8 - chance) / (1 - chance))
    low, high = found.rate_interval
    assert low < 6 / 8 < high


def test_review_precision_counts_marked_areas_the_truth_says_are_not_high_need() -> None:
    disagree = (D,) * 5
    found = agreement(votes("F1", *disagree) + votes("F2", *disagree), flagged={"F1", "F2", "F3"})
    score = review_against_truth(found, flagged={"F1", "F2", "F3"}, high_need={"F2", "F3"})
    assert score.marked == {"F1", "F2"}
    assert score.mistaken == {"F1"}
    assert score.precision == pytest.approx(0.5)
    assert score.recall == pytest.approx(1.0)
