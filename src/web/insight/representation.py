"""Who a round heard: the optional "about you" answers of its published contributions set beside
the population of its areas (``PopulationCount``), to show which groups it did not hear.

For each question, each group's share among those who answered it, with a Wilson 95% interval,
beside the group's share of the areas' population. A group is **under-heard** when the whole
interval lies below its population share. Counts follow the release's threshold as the verdict
counts do (``results.suppressed_counts``): from 1 to the threshold minus one shown as "fewer than
N", zeros hidden with them, and shown counts hidden until the hidden ones sum to the threshold.
How many answered and how many skipped follow the threshold too: together they are the
contributions published for the area, a total its own page may hide as "fewer than N". A
withheld count has no share; it is still marked under-heard when the interval of the largest
count it could be lies wholly below its population share, which says nothing the "fewer than N"
does not. A question's groups are shown only where at least the threshold answered it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bakehouse.areas.intervals import wilson
from web.insight.models import (
    MEASURE_GROUPS,
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
    exact = shown in (str(count), "None")  # a zero hidden beside small counts stays hidden
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
    # Answered and skipped add up to the contributions published, which an area's page hides
    # when they are fewer than the threshold: shown exactly, they would tell that total.
    replied = suppressed_counts(
        {"answered": answered, "skipped": sum(1 for answer in answers if not answer)}, threshold
    )
    base = {
        "question": question,
        "answered": replied["answered"],
        "skipped": replied["skipped"],
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


@dataclass(frozen=True)
class _Loaded:
    """What a round's pages read, fetched once: the population of its areas (LSOA, measure,
    group) and the published contributions of each of its areas."""

    population: dict[str, dict[str, dict[str, int]]]
    published: dict[int, list[Contribution]]

    def counts(self, codes: list[str], measure: str) -> dict[str, int]:
        summed: Counter[str] = Counter()
        for code in codes:
            summed.update(self.population.get(code, {}).get(measure, {}))
        return dict(summed)


def _load(round_areas: list[RoundArea]) -> _Loaded:
    population: dict[str, dict[str, dict[str, int]]] = {}
    for row in PopulationCount.objects.filter(
        lsoa11cd__in=[item.lsoa11cd for item in round_areas]
    ).values_list("lsoa11cd", "measure", "group", "count"):
        code, measure, group, count = row
        population.setdefault(code, {}).setdefault(measure, {})[group] = count
    published: dict[int, list[Contribution]] = {item.pk: [] for item in round_areas}
    for contribution in Contribution.objects.filter(
        round_area__in=round_areas, state=ContributionState.PUBLISHED
    ).only("round_area_id", "age_band", "ethnic_group", "children_under_five", "home_lsoa11cd"):
        published[contribution.round_area_id].append(contribution)
    return _Loaded(population, published)


def _heard(
    round_areas: list[RoundArea], loaded: _Loaded, threshold: int, place: str, whole: bool
) -> Heard:
    codes = [item.lsoa11cd for item in round_areas]
    found = [item for area in round_areas for item in loaded.published[area.pk]]
    questions = [
        _question(
            str(Measure(measure).label),
            [getattr(item, measure) for item in found],
            list(MEASURE_GROUPS[measure].choices),
            loaded.counts(codes, measure),
            POPULATION_OF[measure],
            threshold,
        )
        for measure in MEASURE_GROUPS
    ]
    if whole:
        questions.append(_home_area(round_areas, found, loaded, threshold))
    return Heard(
        place=place,
        threshold=threshold,
        questions=tuple(questions),
        areas=len(codes),
        areas_with_population=sum(1 for code in codes if code in loaded.population),
    )


def heard(round_: Round) -> Heard:
    """Who the round heard across all its areas."""
    round_areas = list(round_.areas.all())
    return _heard(
        round_areas,
        _load(round_areas),
        round_.release.suppression_threshold,
        "All the round's areas",
        whole=True,
    )


def heard_by_area(round_: Round) -> list[Heard]:
    """Who the round heard in each of its areas."""
    round_areas = list(round_.areas.all())
    loaded = _load(round_areas)
    threshold = round_.release.suppression_threshold
    return [_heard([area], loaded, threshold, str(area), whole=False) for area in round_areas]


def _home_area(
    round_areas: list[RoundArea], found: list[Contribution], loaded: _Loaded, threshold: int
) -> QuestionHeard:
    """Where those who gave a postcode live, among the round's areas, beside each area's share
    of the round's residents aged 16 or over; postcodes elsewhere are counted apart."""
    codes = [item.lsoa11cd for item in round_areas]
    adults = {
        code: sum(loaded.population[code].get(Measure.AGE_BAND, {}).values())
        for code in codes
        if code in loaded.population
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
