"""Areas that could use additional support: a stated rule, and its reasons in plain words.

The rule (:class:`~bakehouse.recipes.areas_section.FlagRule`) is part of the recipe, so anyone
can see why an area is on the list and why another is not. Reasons are built from published
figures only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bakehouse.areas import summaries
from bakehouse.recipes.areas_section import FlagRule
from bakehouse.recipes.schema import Words


@dataclass(frozen=True)
class AreaNeed:
    """The published figures the rule reads, per area (nan where withheld)."""

    expected: np.ndarray
    population: np.ndarray
    rate: np.ndarray
    rate_low: np.ndarray
    benchmark_rate: np.ndarray  # the rule's benchmark (district or county) for each area
    benchmark_name: list[str]
    hotspot: list[str | None]
    observed_rate: np.ndarray
    observed_benchmark: np.ndarray
    drivers: list[list[str]]  # plain-language labels of each area's strongest drivers


@dataclass(frozen=True)
class Flags:
    flagged: np.ndarray  # bool per area
    reasons: list[str]  # "" when not flagged


def flag_areas(need: AreaNeed, rule: FlagRule, words: Words) -> Flags:
    """Apply ``rule`` to every area and explain each flag in the recipe's ``words``."""
    flagged = np.zeros(len(need.expected), dtype=bool)
    reasons: list[str] = []
    for i in range(len(need.expected)):
        enough = need.expected[i] >= rule.min_expected
        above = need.rate_low[i] > need.benchmark_rate[i]
        cluster = (
            rule.hotspots_count
            and need.hotspot[i] == "hot"
            and need.rate[i] > need.benchmark_rate[i]
        )
        flagged[i] = bool(enough and (above or cluster))
        reasons.append(_reasons(need, i, above, words) if flagged[i] else "")
    return Flags(flagged, reasons)


def _reasons(need: AreaNeed, i: int, above: bool, words: Words) -> str:
    name = need.benchmark_name[i]
    parts = [summaries.need_reason(need.expected[i], need.population[i], need.rate[i], words)]
    if above:
        parts.append(summaries.benchmark_reason(need.rate_low[i], name, need.benchmark_rate[i]))
    if need.hotspot[i] == "hot":
        parts.append(summaries.hotspot_reason())
    past, past_benchmark = need.observed_rate[i], need.observed_benchmark[i]
    if not np.isnan(past) and not np.isnan(past_benchmark):
        parts.append(summaries.past_reason(past, name, past_benchmark, words))
    parts.append(summaries.drivers_reason(need.drivers[i]))
    return " ".join(part for part in parts if part)
