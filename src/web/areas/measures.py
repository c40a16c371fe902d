"""The measures the map can show, how each is written, and how its values fall into the
legend's bands. The legend, the map's colours and the table beside it all come from here, so
they always agree."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from enum import Enum

from web.releases import figures
from web.releases.models import Area, Hotspot
from web.releases.recipes import RecipeWords

# ColorBrewer GnBu, five classes: ordered light to dark, distinguishable in greyscale.
SEQUENTIAL = ("#f0f9e8", "#bae4bc", "#7bccc4", "#43a2ca", "#0868ac")
HOTSPOT_COLOURS = {Hotspot.HOT: "#b2182b", Hotspot.COLD: "#2166ac", Hotspot.NONE: "#f7f7f7"}
MISSING_COLOUR = "#bdbdbd"


class Scale(Enum):
    QUANTILE = "quantile"  # five bands holding about the same number of areas
    DECILE = "decile"  # IoD deciles in pairs
    CATEGORY = "category"


@dataclass(frozen=True)
class Band:
    label: str
    colour: str


@dataclass(frozen=True)
class Measure:
    """A measure the map can show. ``label`` and ``description`` are templates filled with the
    recipe's words (``{events}``, ``{event_rate}``, ``{population}``, ...): see ``label_for``."""

    id: str
    label: str
    description: str
    scale: Scale
    # The value that orders and bands the areas; None when not published.
    value: Callable[[Area], float | None]
    # The figure as written, with interval and denominator in the recipe's words.
    figure: Callable[[Area, int, RecipeWords], figures.Figure]
    # True when a higher value means more need (rank and decile: lower means more).
    higher_is_more_need: bool = True

    def label_for(self, words: RecipeWords) -> str:
        return _sentence(self.label.format(**asdict(words)))

    def description_for(self, words: RecipeWords) -> str:
        return _sentence(self.description.format(**asdict(words)))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def past_population(words: RecipeWords) -> str:
    """Who the observed rates are out of."""
    return f"{words.units} in past years"


def _expected_number(area: Area, areas: int, words: RecipeWords) -> figures.Figure:
    return figures.count_figure(
        area.expected_events,
        area.expected_low,
        area.expected_high,
        area.future_population,
        words.population,
    )


def _expected_rate(area: Area, areas: int, words: RecipeWords) -> figures.Figure:
    return figures.rate_figure(
        area.expected_rate,
        area.expected_rate_low,
        area.expected_rate_high,
        area.future_population,
        words.population,
    )


def _observed_rate(area: Area, areas: int, words: RecipeWords) -> figures.Figure:
    return figures.rate_figure(
        area.observed_rate,
        area.observed_low,
        area.observed_high,
        area.observed_population,
        past_population(words),
    )


def _rank(area: Area, areas: int, words: RecipeWords) -> figures.Figure:
    return figures.rank_figure(area.rank, area.rank_low, area.rank_high, areas)


def _decile(area: Area, areas: int, words: RecipeWords) -> figures.Figure:
    if area.imd_decile is None:
        return figures.Figure("not given in this release", published=False)
    return figures.Figure(f"decile {area.imd_decile}", denominator="of 10 (1 is most deprived)")


def _hotspot(area: Area, areas: int, words: RecipeWords) -> figures.Figure:
    if area.hotspot is None:
        return figures.Figure(figures.NOT_PUBLISHED, published=False)
    label = Hotspot(area.hotspot).label
    if area.hotspot_p is None or area.hotspot == Hotspot.NONE:
        return figures.Figure(label)
    return figures.Figure(label, denominator=f"(p = {area.hotspot_p:.3f}, corrected)")


MEASURES: dict[str, Measure] = {
    measure.id: measure
    for measure in (
        Measure(
            "expected_events",
            "expected number of {events}",
            "How many {events} are expected in {coming}, out of the {population}.",
            Scale.QUANTILE,
            lambda area: area.expected_events,
            _expected_number,
        ),
        Measure(
            "expected_rate",
            "expected {event_rate}",
            "The expected number as a share of the {population}.",
            Scale.QUANTILE,
            lambda area: area.expected_rate,
            _expected_rate,
        ),
        Measure(
            "observed_rate",
            "{event_rate} in past years",
            "What happened to the {units} of the area in past years.",
            Scale.QUANTILE,
            lambda area: area.observed_rate,
            _observed_rate,
        ),
        Measure(
            "rank",
            "Rank of need (1 is the highest)",
            "Areas in order of the expected share, with the range the rank could plausibly take.",
            Scale.QUANTILE,
            lambda area: None if area.rank is None else float(area.rank),
            _rank,
            higher_is_more_need=False,
        ),
        Measure(
            "imd_decile",
            "Deprivation (Index of Multiple Deprivation 2019)",
            "Where the area stands among all areas in England: decile 1 is the most deprived "
            "tenth.",
            Scale.DECILE,
            lambda area: None if area.imd_decile is None else float(area.imd_decile),
            _decile,
            higher_is_more_need=False,
        ),
        Measure(
            "hotspot",
            "Hot spots of need",
            "Groups of neighbouring areas where need is higher (or lower) than chance would "
            "give, after allowing for testing many areas at once.",
            Scale.CATEGORY,
            lambda area: None,
            _hotspot,
        ),
    )
}
DEFAULT_MEASURE = "expected_events"


@dataclass(frozen=True)
class Legend:
    """The bands of one measure for one release, and which band each area falls in."""

    bands: tuple[Band, ...]
    band_of: dict[str, int]  # lsoa11cd -> index into bands


def legend_for(measure: Measure, areas: Sequence[Area]) -> Legend:
    if measure.scale is Scale.CATEGORY:
        return _hotspot_legend(areas)
    if measure.scale is Scale.DECILE:
        return _decile_legend(areas)
    return _quantile_legend(measure, areas)


def _with_missing(bands: list[Band], band_of: dict[str, int], areas: Sequence[Area]) -> Legend:
    """The legend, with a band for the areas whose value is not published, if any."""
    missing = [area.lsoa11cd for area in areas if area.lsoa11cd not in band_of]
    if missing:
        bands.append(Band("Not published", MISSING_COLOUR))
        band_of.update(dict.fromkeys(missing, len(bands) - 1))
    return Legend(tuple(bands), band_of)


def _quantile_legend(measure: Measure, areas: Sequence[Area]) -> Legend:
    values = sorted(
        (value, area.lsoa11cd) for area in areas if (value := measure.value(area)) is not None
    )
    bands: list[Band] = []
    band_of: dict[str, int] = {}
    if values:
        classes = min(len(SEQUENTIAL), len({value for value, _ in values}))
        # Band edges at quantiles; equal values stay in one band.
        groups: list[list[tuple[float, str]]] = []
        for index, item in enumerate(values):
            target = min(classes - 1, index * classes // len(values))
            if groups and (len(groups) > target or item[0] == groups[-1][-1][0]):
                groups[-1].append(item)
            else:
                groups.append([item])
        colours = _colours(len(groups), measure.higher_is_more_need)
        for position, (group, colour) in enumerate(zip(groups, colours, strict=True)):
            low = _written(measure, area_value=group[0][0])
            high = _written(measure, area_value=group[-1][0])
            bands.append(Band(low if low == high else f"{low} to {high}", colour))
            band_of.update(dict.fromkeys((code for _, code in group), position))
    return _with_missing(bands, band_of, areas)


def _colours(count: int, ascending: bool) -> list[str]:
    """``count`` colours spread over the ramp, darkest for the most need."""
    if count == 1:
        picks = [len(SEQUENTIAL) - 1]
    else:
        picks = [round(index * (len(SEQUENTIAL) - 1) / (count - 1)) for index in range(count)]
    colours = [SEQUENTIAL[pick] for pick in picks]
    return colours if ascending else colours[::-1]


def _written(measure: Measure, area_value: float) -> str:
    if measure.id in {"expected_rate", "observed_rate"}:
        return figures.percent(area_value)
    if measure.id == "rank":
        return f"{area_value:.0f}"
    return figures.number(area_value)


def _decile_legend(areas: Sequence[Area]) -> Legend:
    pairs = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10))
    colours = _colours(len(pairs), ascending=False)
    bands = [
        Band(f"Deciles {low} and {high}" + (" (most deprived)" if low == 1 else ""), colour)
        for (low, high), colour in zip(pairs, colours, strict=True)
    ]
    band_of = {
        area.lsoa11cd: (area.imd_decile - 1) // 2 for area in areas if area.imd_decile is not None
    }
    return _with_missing(bands, band_of, areas)


def _hotspot_legend(areas: Sequence[Area]) -> Legend:
    order = (Hotspot.HOT, Hotspot.NONE, Hotspot.COLD)
    bands = [Band(str(kind.label), HOTSPOT_COLOURS[kind]) for kind in order]
    band_of = {
        area.lsoa11cd: order.index(Hotspot(area.hotspot))
        for area in areas
        if area.hotspot is not None
    }
    return _with_missing(bands, band_of, areas)
