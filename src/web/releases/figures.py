"""How a published number is written on a page: with its interval and its denominator, and in
words when it was not published. Every page formats figures through these functions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

NOT_PUBLISHED = "not published"


def percent(value: float | None, places: int = 1) -> str:
    if value is None:
        return NOT_PUBLISHED
    return f"{value * 100:.{places}f}%"


def number(value: float | None, places: int = 1) -> str:
    if value is None:
        return NOT_PUBLISHED
    return f"{value:,.{places}f}"


def count(value: int | None) -> str:
    if value is None:
        return NOT_PUBLISHED
    return f"{value:,}"


def interval(low: str, high: str) -> str:
    return f"{low} to {high}"


@dataclass(frozen=True)
class Figure:
    """One estimate as the pages write it. ``value`` is the headline (``"23.5%"``),
    ``interval`` the 95% interval (``"18.0% to 29.9%"``, blank when there is none) and
    ``denominator`` what it is out of (``"of 60 children"``, in the recipe's words)."""

    value: str
    interval: str = ""
    denominator: str = ""
    published: bool = True

    @property
    def text(self) -> str:
        """The whole figure in one line, for tables and the map."""
        parts = [self.value]
        if self.interval:
            parts.append(f"(95% interval {self.interval})")
        if self.denominator:
            parts.append(self.denominator)
        return " ".join(parts)


def rate_figure(
    value: float | None,
    low: float | None,
    high: float | None,
    denominator: int | None,
    of: str,
) -> Figure:
    """A share; ``of`` names who the denominator counts, in the recipe's words."""
    return _figure(percent, value, low, high, denominator, of)


def count_figure(
    value: float | None,
    low: float | None,
    high: float | None,
    denominator: int | None,
    of: str,
) -> Figure:
    return _figure(number, value, low, high, denominator, of)


def _figure(
    written: Callable[[float], str],
    value: float | None,
    low: float | None,
    high: float | None,
    denominator: int | None,
    of: str,
) -> Figure:
    if value is None:
        return Figure(NOT_PUBLISHED, published=False, denominator=_out_of(denominator, of))
    span = interval(written(low), written(high)) if low is not None and high is not None else ""
    return Figure(written(value), span, _out_of(denominator, of))


def rank_figure(rank: int | None, low: int | None, high: int | None, areas: int) -> Figure:
    if rank is None:
        return Figure(NOT_PUBLISHED, published=False)
    span = interval(str(low), str(high)) if low is not None and high is not None else ""
    return Figure(f"{rank}", span, f"of {areas} areas")


def _out_of(denominator: int | None, of: str) -> str:
    if denominator is None:
        return ""
    return f"of {denominator:,} {of}".rstrip()
