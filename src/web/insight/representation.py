"""Who a round heard: the optional "about you" answers of its published contributions set beside
the population of its areas (``PopulationCount``), to show which groups it did not hear.

For each question, each group's share among those who answered it, with a Wilson 95% interval,
beside the group's share of the areas' population. A group is **under-heard** when the whole
interval lies below its population share. Counts follow the release's threshold as the verdict
counts do (``results.suppressed_counts``): from 1 to the threshold minus one shown as "fewer than
N", with the next smallest hidden when only one is. How many answered and how many skipped are
shown as they are: skipping is a choice, not a trait to protect. A withheld count has no share;
it is still
marked under-heard when the interval of the largest count it could be lies wholly below its
population share, which says nothing the "fewer than N" does not. A question's table is shown
only where at least the threshold answered it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Sum

from bakehouse.areas.intervals import wilson
from web.insight.models import (
    MEASURE_GROUPS,
    AgeBand,
    Contribution,
    ContributionState,
    Measure,
    PopulationCount,
    Round,
    RoundArea,
)
from web.insight.results import count_as_shown, suppressed_counts

WITHHELD = "Withheld"

# What each measure's population counts, for the page's denominators.
POPULATION_OF: dict[str, str] = {
    Measure.AGE_BAND: "residents aged 16 or over",
    Measure.ETHNIC_GROUP: "residents of all ages",
    Measure.CHILDREN_UNDER_FIVE: "households",
}
QUESTIONS: dict[str, str] = {
    Measure.AGE_BAND: "Age",
    Measure.ETHNIC_GROUP: "Ethnic group",
    Measure.CHILDREN_UNDER_FIVE: "Children under five at home",
}
HOME_AREA = "home_area"
ELSEWHERE = "elsewhere"


@dataclass(frozen=True)
class GroupHeard:
    label: str
    respondents: str  # as shown
    share: str  # the respondents' share and its interval, or withheld
    population: str  # the group's share of the population, or "not known"
    under_heard: bool


@dataclass(frozen=True)
class QuestionHeard:
    question: str
    answered: str
    skipped: str
    # Why no groups are shown, when they are not.
    withheld_because: str
    population: str  # the population's denominator in words, or "" when none is loaded
    groups: tuple[GroupHeard, ...]
    elsewhere: str = ""  # home area only: postcodes outside the round's areas, as shown


@dataclass(frozen=True)
class Heard:
    """Who was heard in one place: the whole round or one of its areas."""

    place: str
    threshold: int
    questions: tuple[QuestionHeard, ...]
    areas: int
    areas_with_population: int

    @property
    def under_heard(self) -> list[str]:
        return [
            f"{question.question}: {group.label}"
            for question in self.questions
            for group in question.groups
            if group.under_heard
        ]


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def _population(codes: Iterable[str], measure: str) -> dict[str, int]:
    rows = (
        PopulationCount.objects.filter(lsoa11cd__in=list(codes), measure=measure)
        .values("group")
        .annotate(total=Sum("count"))
    )
    return {row["group"]: int(row["total"]) for row in rows}


def _interval_below(count: int, answered: int, share: float) -> bool:
    _, high = wilson(count, answered)
    return bool(float(high) < share)


def _group(
    label: str,
    count: int,
    shown: str,
    answered: int,
    population: float | None,
    threshold: int,
) -> GroupHeard:
    exact = shown == str(count) or count == 0
    if exact:
        low, high = (float(value) for value in wilson(count, answered))
        share = f"{_percent(count / answered)} ({_percent(low)} to {_percent(high)})"
    else:
        share = WITHHELD
    under = False
    if population is not None:
        if exact:
            under = _interval_below(count, answered, population)
        elif count < threshold:
            under = _interval_below(threshold - 1, answered, population)
    return GroupHeard(
        label=label,
        respondents=shown,
        share=share,
        population="not known" if population is None else _percent(population),
        under_heard=under,
    )


def _question(
    question: str,
    answers: list[str],
    groups: list[tuple[str, str]],
    population: dict[str, int],
    population_words: str,
    threshold: int,
    elsewhere: int | None = None,
) -> QuestionHeard:
    """One question's table from the answers given (blank where skipped)."""
    known = {value for value, _ in groups}
    answered = sum(1 for answer in answers if answer in known)
    total_population = sum(population.get(value, 0) for value, _ in groups)
    base = {
        "question": question,
        # Not answering is a choice, not a trait: how many skipped is shown as it is, while the
        # groups, which are traits, follow the threshold.
        "answered": str(answered),
        "skipped": str(sum(1 for answer in answers if not answer)),
        "population": f"{total_population:,} {population_words}" if total_population else "",
        "elsewhere": "" if elsewhere is None else count_as_shown(elsewhere, threshold),
    }
    if answered < threshold:
        return QuestionHeard(
            **base,
            withheld_because=f"Fewer than {threshold} answered this question: too few to show "
            "by group.",
            groups=(),
        )
    counts = Counter(answer for answer in answers if answer in known)
    shown = suppressed_counts({value: counts.get(value, 0) for value, _ in groups}, threshold)
    return QuestionHeard(
        **base,
        withheld_because="",
        groups=tuple(
            _group(
                label,
                counts.get(value, 0),
                shown[value],
                answered,
                population.get(value, 0) / total_population if total_population else None,
                threshold,
            )
            for value, label in groups
        ),
    )


def _published(round_areas: list[RoundArea]) -> list[Contribution]:
    return list(
        Contribution.objects.filter(
            round_area__in=round_areas, state=ContributionState.PUBLISHED
        ).only("age_band", "ethnic_group", "children_under_five", "home_lsoa11cd")
    )


def _areas_with_population(codes: list[str]) -> int:
    return PopulationCount.objects.filter(lsoa11cd__in=codes).values("lsoa11cd").distinct().count()


def heard(round_: Round, round_area: RoundArea | None = None) -> Heard:
    """Who the round heard, across all its areas, or in ``round_area`` alone."""
    threshold = round_.release.suppression_threshold
    round_areas = [round_area] if round_area else list(round_.areas.all())
    codes = [item.lsoa11cd for item in round_areas]
    found = _published(round_areas)
    questions = [
        _question(
            QUESTIONS[measure],
            [getattr(item, measure) for item in found],
            list(MEASURE_GROUPS[measure].choices),
            _population(codes, measure),
            POPULATION_OF[measure],
            threshold,
        )
        for measure in MEASURE_GROUPS
    ]
    if round_area is None:
        questions.append(_home_area(round_areas, found, threshold))
    return Heard(
        place=str(round_area) if round_area else "All the round's areas",
        threshold=threshold,
        questions=tuple(questions),
        areas=len(codes),
        areas_with_population=_areas_with_population(codes),
    )


def _home_area(
    round_areas: list[RoundArea], found: list[Contribution], threshold: int
) -> QuestionHeard:
    """Where those who gave a postcode live, among the round's areas, beside each area's share
    of the round's residents aged 16 or over; postcodes elsewhere are counted apart."""
    codes = [item.lsoa11cd for item in round_areas]
    adults = {
        row["lsoa11cd"]: int(row["total"])
        for row in PopulationCount.objects.filter(
            lsoa11cd__in=codes, measure=Measure.AGE_BAND, group__in=AgeBand.values
        )
        .values("lsoa11cd")
        .annotate(total=Sum("count"))
    }
    given = [item.home_lsoa11cd for item in found]
    return _question(
        "Where people live (from the postcode given)",
        [code if not code or code in codes else ELSEWHERE for code in given],
        [(item.lsoa11cd, str(item)) for item in round_areas],
        adults,
        POPULATION_OF[Measure.AGE_BAND],
        threshold,
        elsewhere=sum(1 for code in given if code and code not in codes),
    )


def heard_by_area(round_: Round) -> list[Heard]:
    """Who the round heard in each of its areas."""
    return [heard(round_, item) for item in round_.areas.all()]
