"""Plain-language sentences about an area, built only from the figures published beside them.

Numbers are given as a resident would say them: whole percentages, "about 14", and the likely
range rather than a confidence interval.
"""

from __future__ import annotations

import math

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
    children: float,
    expected: float,
    rate: float,
    low: float,
    high: float,
    comparison: str | None,
    benchmark_name: str,
) -> str:
    """One sentence about an area's expected need; a plain refusal when figures are withheld."""
    if _missing(children) or _missing(expected):
        return f"Too few children live in {name} to publish figures for it."
    sentence = (
        f"In {name}, {about(expected)} of the {children:.0f} or so children in the coming "
        f"cohorts ({percent(rate)}, likely between {percent(low)} and {percent(high)}) are "
        "expected not to be school ready at the end of Reception"
    )
    if comparison is not None:
        sentence += f": {COMPARISON_WORDS[comparison]} {benchmark_name} as a whole"
    return sentence + "."


def need_reason(expected: float, children: float, rate: float) -> str:
    return (
        f"{about(expected).capitalize()} of the {children:.0f} or so children in the coming "
        f"cohorts here ({percent(rate)}) are expected not to be school ready."
    )


def benchmark_reason(low: float, benchmark_name: str, benchmark_rate: float) -> str:
    return (
        f"Even the low end of the likely range ({percent(low)}) is above the rate for "
        f"{benchmark_name} as a whole ({percent(benchmark_rate)})."
    )


def hotspot_reason() -> str:
    return "Neighbouring areas have high need too: together they form a significant cluster."


def past_reason(rate: float, benchmark_name: str, benchmark_rate: float) -> str:
    return (
        f"In past years, {percent(rate)} of children here did not reach a good level of "
        f"development ({benchmark_name}: {percent(benchmark_rate)})."
    )


def drivers_reason(labels: list[str]) -> str:
    if not labels:
        return ""
    listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
    return f"What raises predicted need most here: {listed}."


def _missing(value: float) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
