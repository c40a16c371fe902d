"""The area profile for one recipe: every published measure of one area against its district
and county, its trend, what drives its need and why it is flagged, in the recipe's words (the
current release's ``recipe.words``).

The page is a list of sections (``SECTIONS``). Later parts of the service (assets nearby,
community insight, interventions) add theirs with ``add_section`` from their app's ``ready()``;
the page shows whatever sections there are, in order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Count
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from web.areas.charts import IntervalChart, TrendChart, interval_chart, trend_chart
from web.areas.measures import MEASURES, past_population
from web.areas.services import release_areas
from web.releases import figures
from web.releases.cache import per_release
from web.releases.models import (
    Area,
    Benchmark,
    BenchmarkLevel,
    Comparison,
    Release,
    TrendKind,
)
from web.releases.recipes import RecipeWords


@dataclass(frozen=True)
class Benchmarked:
    """One rate for the area, its district and its county."""

    label: str
    area: figures.Figure
    district: figures.Figure
    county: figures.Figure


@dataclass(frozen=True)
class MeasureLine:
    label: str
    figure: figures.Figure
    description: str


@dataclass(frozen=True)
class TrendRow:
    cohort: int
    kind: str
    population: str
    events: str
    rate: figures.Figure
    suppressed: bool


@dataclass(frozen=True)
class DriverLine:
    label: str
    text: str
    contribution: str


@dataclass(frozen=True)
class AreaProfile:
    release_id: str
    release_title: str
    recipe: str
    recipe_title: str
    words: RecipeWords
    code: str
    name: str
    msoa_name: str
    district_name: str
    district_benchmark: str
    county_benchmark: str
    summary: str
    flagged: bool
    flag_reasons: str
    suppression_note: str
    flag_rule: str
    intervals_note: str
    comparison: str
    benchmarked: tuple[Benchmarked, ...]
    comparison_chart: IntervalChart
    measures: tuple[MeasureLine, ...]
    trend: tuple[TrendRow, ...]
    trend_chart: TrendChart
    drivers: tuple[DriverLine, ...]
    earlier: tuple[EarlierRelease, ...] = field(default=())


@dataclass(frozen=True)
class EarlierRelease:
    """This area in another release (or the current one), for comparison over time."""

    release_id: str
    title: str
    created: str
    rank: figures.Figure
    expected_rate: figures.Figure
    flagged: bool
    current: bool


def _benchmarks(release: Release) -> dict[tuple[str, str], Benchmark]:
    return per_release(
        release,
        "benchmarks",
        lambda: {(item.level, item.measure): item for item in release.benchmarks.all()},
    )


def _benchmark_figure(benchmark: Benchmark | None, of: str) -> figures.Figure:
    if benchmark is None:
        return figures.Figure(figures.NOT_PUBLISHED, published=False)
    return figures.rate_figure(
        benchmark.value, benchmark.low, benchmark.high, benchmark.denominator, of
    )


def _comparison(area: Area, district: str, county: str, words: RecipeWords) -> str:
    """The area's expected need against its district and county, in words."""

    def versus(comparison: str | None, place: str) -> str:
        if comparison is None:
            return f"not compared with {place}"
        return {
            Comparison.HIGHER: f"higher than across {place}",
            Comparison.SIMILAR: f"about the same as across {place}",
            Comparison.LOWER: f"lower than across {place}",
        }[Comparison(comparison)]

    return (
        f"Allowing for chance, the expected {words.event_rate} here is "
        f"{versus(area.vs_district, district)} and {versus(area.vs_county, county)}."
    )


def _profile(release: Release, code: str) -> AreaProfile | None:
    area = (
        release.areas.defer("geometry")
        .prefetch_related("trend", "drivers")
        .filter(lsoa11cd=code)
        .first()
    )
    if area is None:
        return None
    count = len(release_areas(release))
    words = release.words
    past = past_population(words)
    benchmarks = _benchmarks(release)
    district = {
        measure: benchmarks.get((BenchmarkLevel.DISTRICT, measure))
        for measure in ("expected_rate", "observed_rate")
    }
    county = {
        measure: benchmarks.get((BenchmarkLevel.COUNTY, measure))
        for measure in ("expected_rate", "observed_rate")
    }
    expected_rate = MEASURES["expected_rate"].figure(area, count, words)
    observed_rate = MEASURES["observed_rate"].figure(area, count, words)
    benchmarked = (
        Benchmarked(
            f"{MEASURES['expected_rate'].label_for(words)} ({words.coming})",
            expected_rate,
            _benchmark_figure(district["expected_rate"], words.population),
            _benchmark_figure(county["expected_rate"], words.population),
        ),
        Benchmarked(
            MEASURES["observed_rate"].label_for(words),
            observed_rate,
            _benchmark_figure(district["observed_rate"], past),
            _benchmark_figure(county["observed_rate"], past),
        ),
    )
    district_name = _name(district["expected_rate"], area.lad_name)
    county_name = _name(county["expected_rate"], "the county")
    chart = interval_chart(
        [
            (
                f"{area.lsoa11nm}, expected",
                area.expected_rate,
                area.expected_rate_low,
                area.expected_rate_high,
                True,
            ),
            (f"{district_name}, expected", *_triple(district["expected_rate"]), False),
            (f"{county_name}, expected", *_triple(county["expected_rate"]), False),
            (
                f"{area.lsoa11nm}, past",
                area.observed_rate,
                area.observed_low,
                area.observed_high,
                True,
            ),
            (f"{district_name}, past", *_triple(district["observed_rate"]), False),
            (f"{county_name}, past", *_triple(county["observed_rate"]), False),
        ]
    )
    measures = (
        *(
            MeasureLine(
                MEASURES[key].label_for(words),
                MEASURES[key].figure(area, count, words),
                MEASURES[key].description_for(words),
            )
            for key in ("expected_events", "rank", "imd_decile", "hotspot")
        ),
        MeasureLine(
            f"Past {words.event_rate}, steadied towards similar areas",
            figures.rate_figure(
                area.shrunken_rate,
                area.shrunken_low,
                area.shrunken_high,
                area.observed_population,
                past,
            ),
            f"The past share adjusted towards what similar areas show, so that a few "
            f"{words.units} more or less in a small area do not swing it (an empirical Bayes "
            "estimate).",
        ),
    )
    trend = sorted(area.trend.all(), key=lambda point: (point.cohort, point.kind))
    return AreaProfile(
        release_id=release.id,
        release_title=release.title,
        recipe=release.recipe,
        recipe_title=release.about.title,
        words=words,
        code=area.lsoa11cd,
        name=area.lsoa11nm,
        msoa_name=area.msoa11nm,
        district_name=area.lad_name,
        district_benchmark=district_name,
        county_benchmark=county_name,
        summary=area.summary,
        flagged=area.flagged,
        flag_reasons=area.flag_reasons,
        suppression_note=_suppression_note(release),
        flag_rule=release.flag_rule,
        intervals_note=release.intervals_note,
        comparison=_comparison(area, district_name, county_name, words),
        benchmarked=benchmarked,
        comparison_chart=chart,
        measures=measures,
        trend=tuple(
            TrendRow(
                cohort=point.cohort,
                kind=TrendKind(point.kind).label,
                population=figures.count(point.population),
                events=(
                    "not published (too few)"
                    if point.suppressed
                    else figures.count(point.events)
                    if point.events is not None
                    else "not applicable"
                ),
                rate=figures.rate_figure(point.rate, point.low, point.high, None, ""),
                suppressed=point.suppressed,
            )
            for point in trend
        ),
        trend_chart=trend_chart(
            [
                (
                    str(point.cohort),
                    point.rate,
                    point.low,
                    point.high,
                    point.kind == TrendKind.EXPECTED,
                )
                for point in trend
            ]
        ),
        drivers=tuple(
            DriverLine(
                driver.label,
                driver.text,
                f"{driver.contribution * 100:+.1f} percentage points",
            )
            for driver in area.drivers.all()
        ),
    )


def _name(benchmark: Benchmark | None, fallback: str) -> str:
    return benchmark.name if benchmark is not None and benchmark.name else fallback


def _triple(benchmark: Benchmark | None) -> tuple[float | None, float | None, float | None]:
    if benchmark is None:
        return (None, None, None)
    return (benchmark.value, benchmark.low, benchmark.high)


def _suppression_note(release: Release) -> str:
    threshold = release.suppression_threshold
    return (
        f"Counts from 1 to {threshold} are not published, so that no one can be picked out; "
        f"other counts are rounded ({release.disclosure_rule})."
    )


def _in_each_release(recipe: str, code: str, words: RecipeWords) -> tuple[EarlierRelease, ...]:
    """The area in every published release of the recipe, cached until one of them is
    published, withdrawn or made current (the key names every published release of the recipe
    and which one is current)."""
    releases = (
        Release.objects.public()
        .filter(recipe=recipe)
        .order_by("pk")
        .values_list("pk", "imported_at", "is_current")
    )
    stamp = hashlib.sha256(repr(list(releases)).encode()).hexdigest()[:16]
    found = cache.get_or_set(
        f"area-in-each-release:{recipe}:{code}:{stamp}",
        lambda: _each_release(recipe, code, words),
        None,
    )
    return cast(tuple[EarlierRelease, ...], found)


def _each_release(recipe: str, code: str, words: RecipeWords) -> tuple[EarlierRelease, ...]:
    """Figures of earlier releases are written in the current release's words: a release
    imported under format 1 carries none of its own."""
    rows = list(
        Area.objects.filter(
            lsoa11cd=code, release__in=Release.objects.public().filter(recipe=recipe)
        )
        .select_related("release")
        .only(
            "rank",
            "rank_low",
            "rank_high",
            "expected_rate",
            "expected_rate_low",
            "expected_rate_high",
            "future_population",
            "flagged",
            "release",
            "release__title",
            "release__created_at",
            "release__is_current",
        )
        .order_by("-release__created_at")
    )
    sizes = dict(
        Area.objects.filter(release__in=[row.release_id for row in rows])
        .values("release")
        .annotate(areas=Count("id"))
        .values_list("release", "areas")
    )
    return tuple(
        EarlierRelease(
            release_id=row.release.id,
            title=row.release.title,
            created=f"{row.release.created_at:%-d %B %Y}",
            rank=figures.rank_figure(row.rank, row.rank_low, row.rank_high, sizes[row.release_id]),
            expected_rate=MEASURES["expected_rate"].figure(row, sizes[row.release_id], words),
            flagged=row.flagged,
            current=row.release.is_current,
        )
        for row in rows
    )


# Sections of the page.


@dataclass(frozen=True)
class ProfileSection:
    """A part of the area profile: its anchor, its heading, and its template, rendered with
    ``profile`` and whatever ``context`` returns. A section drawn only from the release (not
    from other releases, the visitor or records people type in) sets ``same_for_release``: it
    is rendered once per release and area and then served from the cache."""

    id: str
    title: str | Callable[[AreaProfile], str]
    template: str
    context: Callable[[AreaProfile], dict[str, Any]] | None = None
    same_for_release: bool = False

    def heading(self, profile: AreaProfile) -> str:
        return self.title(profile) if callable(self.title) else self.title


SECTIONS: list[ProfileSection] = [
    ProfileSection(
        "status",
        lambda profile: "Why this area is flagged" if profile.flagged else "Is this area flagged?",
        "areas/profile/status.html",
        same_for_release=True,
    ),
    ProfileSection(
        "measures",
        "How this area compares",
        "areas/profile/measures.html",
        same_for_release=True,
    ),
    ProfileSection("trend", "Over time", "areas/profile/trend.html", same_for_release=True),
    ProfileSection(
        "drivers", "What raises need here", "areas/profile/drivers.html", same_for_release=True
    ),
    ProfileSection("releases", "In each release", "areas/profile/releases.html"),
]


def add_section(section: ProfileSection, *, after: str | None = None) -> None:
    """Add a section to every profile, at the end or after the section ``after``."""
    if any(existing.id == section.id for existing in SECTIONS):
        return
    if after is None:
        SECTIONS.append(section)
        return
    index = next(i for i, existing in enumerate(SECTIONS) if existing.id == after)
    SECTIONS.insert(index + 1, section)


@dataclass(frozen=True)
class ShownSection:
    id: str
    heading: str
    html: str


@dataclass(frozen=True)
class _CachedPage:
    """What one area's page holds that depends on the release alone: computed by the first
    visitor after an import and served from the cache after that."""

    profile: AreaProfile
    rendered: dict[str, str]  # section id -> HTML, for sections the same for the release


def _render(section: ProfileSection, profile: AreaProfile, request: HttpRequest | None) -> str:
    context = {"profile": profile, **(section.context(profile) if section.context else {})}
    return render_to_string(section.template, context, request=request)


def _cached_page(release: Release, code: str) -> _CachedPage | None:
    def compute() -> _CachedPage | str:
        profile = _profile(release, code)
        if profile is None:
            return ""  # the cache cannot tell None from a miss
        rendered = {
            section.id: _render(section, profile, None)
            for section in SECTIONS
            if section.same_for_release
        }
        return _CachedPage(profile, rendered)

    page = per_release(release, f"profile-page:{code}", compute)
    return page if isinstance(page, _CachedPage) else None


def profile_page(
    release: Release, code: str, request: HttpRequest
) -> tuple[AreaProfile, list[ShownSection]] | None:
    """The area's profile and every section of its page, rendered; None for an unknown area."""
    page = _cached_page(release, code)
    if page is None:
        return None
    profile = replace(
        page.profile, earlier=_in_each_release(release.recipe, code, page.profile.words)
    )
    shown = []
    for section in SECTIONS:
        html = page.rendered.get(section.id)
        if html is None:
            html = _render(section, profile, request)
        # Rendered by our own templates, which escaped every value.
        shown.append(ShownSection(section.id, section.heading(profile), mark_safe(html)))
    return profile, shown
