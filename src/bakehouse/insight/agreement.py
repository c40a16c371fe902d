"""Community verdicts against the model's flags: per area counts, the share agreeing, agreement
between the community and the model, and the areas marked for review.

The rules:

- **A view.** "agrees", "partly" and "disagrees" are views; "don't know" is not. "partly" is a
  view that is not agreement.
- **The community agrees** in an area when more than half of those with a view agree, and at
  least ``MIN_VIEWS`` gave one; with fewer the area has no community verdict and is left out of
  the comparison.
- **Agreement** is over the areas with a community verdict: the share where "community agrees"
  equals "model flagged" (Wilson 95% interval), and Cohen's kappa (that share corrected for the
  agreement two independent raters with the same margins would reach by chance).
- **Marked for review:** a flagged area where at least ``MIN_VIEWS`` gave a view and more than
  half of them disagree. The model may have seen something residents do not, so a marked area
  is a question for the partnership, not a correction.

Per area counts are for analysts: small numbers of contributions identify people in a small
area, so anything published goes through the release's disclosure rules first
(:func:`bakehouse.insight.themes.counts_by_theme_and_area`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bakehouse.areas.intervals import wilson

MIN_VIEWS = 5


class Verdict(StrEnum):
    """A contributor's answer to "does this area need more support?"; values are stored."""

    AGREES = "agrees"
    PARTLY = "partly"
    DISAGREES = "disagrees"
    DONT_KNOW = "dont_know"


def _interval(events: int, total: int) -> tuple[float, float]:
    """The Wilson 95% interval; nan for nothing out of nothing."""
    low, high = wilson(events, total)
    return float(low), float(high)


@dataclass(frozen=True)
class AreaVerdicts:
    lsoa11cd: str
    flagged: bool
    agrees: int
    partly: int
    disagrees: int
    dont_know: int

    @property
    def with_view(self) -> int:
        return self.agrees + self.partly + self.disagrees

    @property
    def share_agreeing(self) -> float:
        return self.agrees / self.with_view if self.with_view else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        return _interval(self.agrees, self.with_view)

    @property
    def community_agrees(self) -> bool | None:
        """None when fewer than ``MIN_VIEWS`` gave a view."""
        if self.with_view < MIN_VIEWS:
            return None
        return self.agrees * 2 > self.with_view

    @property
    def marked_for_review(self) -> bool:
        return self.flagged and self.with_view >= MIN_VIEWS and self.disagrees * 2 > self.with_view


@dataclass(frozen=True)
class Agreement:
    areas: tuple[AreaVerdicts, ...]
    both: int  # flagged, and the community agrees
    model_only: int
    community_only: int
    neither: int

    @property
    def compared(self) -> int:
        return self.both + self.model_only + self.community_only + self.neither

    @property
    def rate(self) -> float:
        return (self.both + self.neither) / self.compared if self.compared else math.nan

    @property
    def rate_interval(self) -> tuple[float, float]:
        return _interval(self.both + self.neither, self.compared)

    @property
    def kappa(self) -> float:
        if not self.compared:
            return math.nan
        flagged = (self.both + self.model_only) / self.compared
        agrees = (self.both + self.community_only) / self.compared
        chance = flagged * agrees + (1 - flagged) * (1 - agrees)
        return (self.rate - chance) / (1 - chance) if chance < 1 else math.nan

    @property
    def marked(self) -> tuple[str, ...]:
        return tuple(a.lsoa11cd for a in self.areas if a.marked_for_review)


def agreement(verdicts: Sequence[tuple[str, Verdict]], flagged: Collection[str]) -> Agreement:
    """The agreement of the community's verdicts (each contribution's area and verdict) with
    the model's ``flagged`` areas; areas in neither have nothing to say and are left out."""
    counts: dict[str, Counter[Verdict]] = {code: Counter() for code in flagged}
    for code, verdict in verdicts:
        counts.setdefault(code, Counter())[Verdict(verdict)] += 1
    areas = tuple(
        AreaVerdicts(
            code,
            code in flagged,
            tally[Verdict.AGREES],
            tally[Verdict.PARTLY],
            tally[Verdict.DISAGREES],
            tally[Verdict.DONT_KNOW],
        )
        for code, tally in sorted(counts.items())
    )
    cells: Counter[tuple[bool, bool]] = Counter(
        (area.flagged, area.community_agrees) for area in areas if area.community_agrees is not None
    )
    return Agreement(
        areas,
        both=cells[(True, True)],
        model_only=cells[(True, False)],
        community_only=cells[(False, True)],
        neither=cells[(False, False)],
    )


@dataclass(frozen=True)
class ReviewScore:
    """The areas marked for review against the truth of a synthetic world: ``mistaken`` are the
    flagged areas the truth says are not high need."""

    marked: frozenset[str]
    mistaken: frozenset[str]

    @property
    def correct(self) -> int:
        return len(self.marked & self.mistaken)

    @property
    def precision(self) -> float:
        return self.correct / len(self.marked) if self.marked else math.nan

    @property
    def precision_interval(self) -> tuple[float, float]:
        return _interval(self.correct, len(self.marked))

    @property
    def recall(self) -> float:
        return self.correct / len(self.mistaken) if self.mistaken else math.nan


def review_against_truth(
    found: Agreement, flagged: Collection[str], high_need: Collection[str]
) -> ReviewScore:
    return ReviewScore(frozenset(found.marked), frozenset(flagged) - frozenset(high_need))
