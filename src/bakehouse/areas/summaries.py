"""Plain-language sentences about an area, built only from the figures published beside them.

Numbers are given as a resident would say them: whole percentages, "about 14", and the likely
range rather than a confidence interval. What is counted is said in the recipe's words.
"""

from __future__ import annotations

import math

from bakehouse.recipes.schema import Words

COMPARISON_WORDS = {
    "higher": "higher than",
    "similar": "similar to",
    "lower": "lower than",
}


def percent(value: float) -> str:
    """0.314 -> '31%'; values under half a percent say so."""
    if 0 < value < 0.005:
        return "under 1%"
    return f"{round(value * 100):.0f}%"


def about(number: float) -> str:
    """An expected number in words: 'about 14', 'fewer than 1'."""
    if number < 0.5:
        return "fewer than 1"
    return f"about {round(number):.0f}"


def area_summary(
    name: str,
    population: float,
    expected: float,
    rate: float,
    low: float,
    high: float,
    comparison: str | None,
    benchmark_name: str,
    words: Words,
) -> str:
    """One sentence about an area's expected need; a plain refusal when figures are withheld."""
    if _missing(population) or _missing(expected):
        return f"Too few {words.units} live in {name} to publish figures for it."
    sentence = (
        f"In {name}, {about(expected)} {words.events} are expected in {words.coming}, of the "
        f"{population:.0f} or so {words.units} there ({percent(rate)}, likely between "
        f"{percent(low)} and {percent(high)})"
    )
    if comparison is not None:
        sentence += f": {COMPARISON_WORDS[comparison]} {benchmark_name} as a whole"
    return sentence + "."


def need_reason(expected: float, population: float, rate: float, words: Words) -> str:
    return (
        f"{about(expected).capitalize()} {words.events} are expected here in {words.coming}, "
        f"of the {population:.0f} or so {words.units} ({percent(rate)})."
    )


def benchmark_reason(low: float, benchmark_name: str, benchmark_rate: float) -> str:
    return (
        f"Even the low end of the likely range ({percent(low)}) is above the rate for "
        f"{benchmark_name} as a whole ({percent(benchmark_rate)})."
    )


def hotspot_reason() -> str:
    return "Neighbouring areas have high need too: together they form a significant cluster."


def past_reason(rate: float, benchmark_name: str, benchmark_rate: float, words: Words) -> str:
    return (
        f"In past years, the {words.event_rate} here was {percent(rate)} "
        f"({benchmark_name}: {percent(benchmark_rate)})."
    )


def drivers_reason(labels: list[str]) -> str:
    if not labels:
        return ""
    listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
    return f"What raises predicted need most here: {listed}."


def _missing(value: float) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
