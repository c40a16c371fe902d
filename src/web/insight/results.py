"""What communities said about an area, as the public sees it: verdict counts under the
release's disclosure threshold, moderated quotes, the partnership's response, and whether the
area is marked for review."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from web.insight.models import (
    AreaResponse,
    Contribution,
    ContributionState,
    RoundArea,
    RoundStatus,
    Verdict,
)

# An area the release flagged is marked for review when at least the disclosure threshold of
# people gave a verdict other than "I do not know", and more than half of them disagreed.
REVIEW_RULE = (
    "An area is marked for review when at least {threshold} people gave a view on it and more "
    "than half of those said the flag does not match what they know."
)


@dataclass(frozen=True)
class Count:
    verdict: str
    label: str
    shown: str


@dataclass(frozen=True)
class Quote:
    """Published words, without the verdict: a quote labelled with its verdict would let anyone
    count the verdicts that the table hides."""

    reasons: str
    local_knowledge: str


@dataclass(frozen=True)
class AreaResult:
    round_area: RoundArea
    total: str
    counts: tuple[Count, ...]
    quotes: tuple[Quote, ...]
    response: AreaResponse | None
    marked_for_review: bool


def _shown(count: int, threshold: int) -> str:
    if count == 0:
        return "None"
    return f"Fewer than {threshold}" if count < threshold else str(count)


def suppressed_counts(counts: dict[str, int], threshold: int) -> dict[str, str]:
    """Each count as shown: below the threshold as "fewer than N". When exactly one count is
    hidden, the next smallest is hidden too, so that no hidden count follows from the total."""
    shown = {verdict: _shown(count, threshold) for verdict, count in counts.items()}
    hidden = [verdict for verdict, count in counts.items() if 0 < count < threshold]
    if len(hidden) == 1:
        others = sorted(
            (count, verdict)
            for verdict, count in counts.items()
            if count >= threshold and verdict not in hidden
        )
        if others:
            shown[others[0][1]] = (
                f"{threshold} or more (not shown, so that smaller counts stay hidden)"
            )
    return shown


def marked_for_review(round_area: RoundArea, counts: dict[str, int], threshold: int) -> bool:
    if not round_area.flagged:
        return False
    with_view = sum(count for verdict, count in counts.items() if verdict != Verdict.DONT_KNOW)
    return with_view >= threshold and counts.get(Verdict.DISAGREES, 0) * 2 > with_view


def verdict_counts(round_area: RoundArea) -> dict[str, int]:
    """Published contributions' verdicts: held and rejected ones are not counted."""
    found = Counter(
        Contribution.objects.filter(
            round_area=round_area, state=ContributionState.PUBLISHED
        ).values_list("verdict", flat=True)
    )
    return {verdict: found.get(verdict, 0) for verdict in Verdict.values}


def area_result(round_area: RoundArea) -> AreaResult:
    threshold = round_area.round.release.suppression_threshold
    counts = verdict_counts(round_area)
    shown = suppressed_counts(counts, threshold)
    published = Contribution.objects.filter(
        round_area=round_area, state=ContributionState.PUBLISHED
    ).order_by("published_at", "pk")
    # Each quote is one person's: fewer people than the threshold are not quoted at all.
    quotes = (
        tuple(Quote(item.reasons, item.local_knowledge) for item in published)
        if sum(counts.values()) >= threshold
        else ()
    )
    return AreaResult(
        round_area=round_area,
        total=_shown(sum(counts.values()), threshold),
        counts=tuple(Count(v, Verdict(v).label, shown[v]) for v in Verdict.values),
        quotes=quotes,
        response=AreaResponse.objects.filter(round_area=round_area).first(),
        marked_for_review=marked_for_review(round_area, counts, threshold),
    )


def results_for_area(recipe: str, lsoa11cd: str) -> list[AreaResult]:
    """The area in every round of the recipe that has opened, newest first."""
    round_areas = (
        RoundArea.objects.filter(round__recipe=recipe, lsoa11cd=lsoa11cd)
        .exclude(round__status=RoundStatus.DRAFT)
        .select_related("round__release")
        .order_by("-round__opens_on", "-round__pk")
    )
    return [area_result(round_area) for round_area in round_areas]


def areas_for_review() -> list[AreaResult]:
    """Every flagged area in any round that communities disagree with, by the rule above."""
    round_areas = (
        RoundArea.objects.filter(flagged=True)
        .exclude(round__status=RoundStatus.DRAFT)
        .select_related("round__release")
        .order_by("round__recipe", "lsoa11nm", "-round__pk")
    )
    found = []
    for round_area in round_areas:
        threshold = round_area.round.release.suppression_threshold
        if marked_for_review(round_area, verdict_counts(round_area), threshold):
            found.append(area_result(round_area))
    return found
