"""What communities said about an area, as the public sees it: verdict counts under the
release's disclosure threshold, counts by theme under the release's disclosure rules, moderated
quotes, the partnership's response, and whether the area is marked for review."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bakehouse.errors import DisclosureError
from bakehouse.insight.themes import EVERYWHERE, counts_by_theme_and_area
from bakehouse.release.disclosure import DisclosureRules
from web.insight.codebooks import accepted_in, coded_for_counts
from web.insight.models import (
    AreaResponse,
    Contribution,
    ContributionState,
    Round,
    RoundArea,
    RoundStatus,
    Verdict,
)
from web.releases.models import Release

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
class ThemeShown:
    label: str
    count: str


@dataclass(frozen=True)
class ThemeTable:
    """Published counts of one place (an area, or the whole round) by theme: how many
    contributions from there carry each theme, out of ``contributions``. A contribution may
    carry none, one or several themes, so the counts need not add up to it."""

    rules: DisclosureRules
    contributions: int | None  # rounded; None where withheld
    themes: tuple[ThemeShown, ...]


@dataclass(frozen=True)
class AreaResult:
    round_area: RoundArea
    total: str
    counts: tuple[Count, ...]
    quotes: tuple[Quote, ...]
    response: AreaResponse | None
    marked_for_review: bool
    themes: ThemeTable | None = None


def count_as_shown(count: int, threshold: int) -> str:
    if count == 0:
        return "None"
    return f"Fewer than {threshold}" if count < threshold else str(count)


def suppressed_counts(counts: dict[str, int], threshold: int) -> dict[str, str]:
    """Each count as shown: below the threshold as "fewer than N". The total is published, so
    the hidden counts' sum follows from it, and must say no more than they do: once any count is
    hidden, a zero is hidden with them (shown as "none", a zero would tell that each hidden count
    is at least 1, so that two hidden counts summing to 2 would each be exactly 1), and while the
    hidden counts sum to less than the threshold, the smallest shown count is hidden too."""
    if not any(0 < count < threshold for count in counts.values()):
        return {label: count_as_shown(count, threshold) for label, count in counts.items()}
    shown = {
        label: f"Fewer than {threshold}" for label, count in counts.items() if count < threshold
    }
    rest = sorted((count, label) for label, count in counts.items() if label not in shown)
    hidden_sum = sum(counts[label] for label in shown)
    while rest and hidden_sum < threshold:
        count, label = rest.pop(0)
        shown[label] = f"{threshold} or more (not shown, so that smaller counts stay hidden)"
        hidden_sum += count
    shown.update({label: count_as_shown(count, threshold) for count, label in rest})
    return {label: shown[label] for label in counts}


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


def area_result(round_area: RoundArea, tables: dict[str, ThemeTable] | None = None) -> AreaResult:
    """The area's result in its round; ``tables`` are the round's ``theme_tables``, when the
    caller has them already (protecting them takes about 0.1 s for a round of 400)."""
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
        total=count_as_shown(sum(counts.values()), threshold),
        counts=tuple(Count(v, Verdict(v).label, shown[v]) for v in Verdict.values),
        quotes=quotes,
        response=AreaResponse.objects.filter(round_area=round_area).first(),
        marked_for_review=marked_for_review(round_area, counts, threshold),
        themes=(theme_tables(round_area.round) if tables is None else tables).get(
            round_area.lsoa11cd
        ),
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
    tables: dict[int, dict[str, ThemeTable]] = {}
    for round_area in round_areas:
        threshold = round_area.round.release.suppression_threshold
        if marked_for_review(round_area, verdict_counts(round_area), threshold):
            if round_area.round_id not in tables:
                tables[round_area.round_id] = theme_tables(round_area.round)
            found.append(area_result(round_area, tables[round_area.round_id]))
    return found


WITHHELD = "Withheld"


def disclosure_rules(release: Release) -> DisclosureRules:
    """The release's own rules, as its manifest records them (threshold as the verdict counts
    read it)."""
    given = release.manifest.get("disclosure", {})
    return DisclosureRules(
        threshold=release.suppression_threshold,
        rounding=int(given.get("rounding", DisclosureRules.rounding)),
    )


def _shown_count(value: int | None) -> str:
    return WITHHELD if value is None else str(value)


def theme_tables(round_: Round) -> dict[str, ThemeTable]:
    """Published counts by accepted theme for the round (key ``all``) and each area, through
    ``counts_by_theme_and_area`` under the release's rules; empty when nothing is accepted, or
    when the rules cannot protect the counts (then nothing by theme is published). The number of
    uncoded contributions is never among them."""
    themes = accepted_in(round_)
    if not themes:
        return {}
    rules = disclosure_rules(round_.release)
    try:
        cells = counts_by_theme_and_area(coded_for_counts(round_), rules)
    except DisclosureError:
        return {}
    by_place: dict[str, dict[str, tuple[int | None, int | None]]] = {}
    for cell in cells:
        by_place.setdefault(cell.area, {})[cell.theme] = (cell.count, cell.contributions)
    tables = {}
    for place, found in by_place.items():
        # The rule publishes one denominator per place, the same beside every theme.
        contributions = next(iter(found.values()))[1]
        tables[place] = ThemeTable(
            rules=rules,
            contributions=contributions,
            # A theme no published contribution carries has no table of its own: none is 0.
            themes=tuple(
                ThemeShown(theme.label, _shown_count(found.get(theme.key, (0, None))[0]))
                for theme in themes
            ),
        )
    return tables


def round_theme_table(round_: Round) -> ThemeTable | None:
    return theme_tables(round_).get(EVERYWHERE)
