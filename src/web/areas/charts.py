"""Coordinates for the small SVG charts of the area profile. The charts are drawn beside a
table holding the same numbers, which is what assistive technology reads; they use attributes,
not inline styles, so the Content Security Policy allows them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 200
RIGHT_MARGIN = 24
ROW_HEIGHT = 44
AXIS_HEIGHT = 36


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class IntervalRow:
    label: str
    y: float
    value: float | None
    low: float | None
    high: float | None
    highlight: bool


@dataclass(frozen=True)
class IntervalChart:
    """Horizontal dots with their 95% intervals on one percentage scale."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    axis_y: float
    tick_y: float
    rows: tuple[IntervalRow, ...]
    ticks: tuple[Tick, ...]


def _steps(highest: float) -> tuple[float, int]:
    """Gridlines for a percentage axis reaching past ``highest``: every 10%, or every 20% above
    60%; returns the step and how many."""
    step = 0.1 if highest <= 0.6 else 0.2
    return step, max(1, math.ceil(highest / step - 1e-9))


def interval_chart(
    rows: Sequence[tuple[str, float | None, float | None, float | None, bool]],
) -> IntervalChart:
    """``rows`` are (label, value, low, high, highlight) with proportions between 0 and 1."""
    rows = [row for row in rows if row[1] is not None]  # nothing to draw for a withheld figure
    highest = max(
        (value for _, *numbers, _ in rows for value in numbers if value is not None), default=0.1
    )
    step_size, steps = _steps(highest)
    top = step_size * steps
    left, right = LABEL_WIDTH, WIDTH - RIGHT_MARGIN

    def x(value: float | None) -> float | None:
        return None if value is None else round(left + (right - left) * value / top, 1)

    placed = tuple(
        IntervalRow(label, ROW_HEIGHT * index + ROW_HEIGHT / 2, x(value), x(low), x(high), mark)
        for index, (label, value, low, high, mark) in enumerate(rows)
    )
    ticks = tuple(
        Tick(round(left + (right - left) * step / steps, 1), f"{step_size * step:.0%}")
        for step in range(steps + 1)
    )
    axis_y = ROW_HEIGHT * len(rows) + 4
    return IntervalChart(
        WIDTH, int(axis_y + AXIS_HEIGHT), left, right, axis_y, axis_y + 22, placed, ticks
    )


@dataclass(frozen=True)
class TrendMark:
    x: float
    y: float | None
    low: float | None
    high: float | None
    expected: bool
    label: str


@dataclass(frozen=True)
class TrendChart:
    """Rates by cohort, observed and expected, each with its interval."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    marks: tuple[TrendMark, ...]
    ticks: tuple[Tick, ...]  # on the vertical axis


def trend_chart(
    points: Sequence[tuple[str, float | None, float | None, float | None, bool]],
) -> TrendChart:
    """``points`` are (cohort label, rate, low, high, expected) in cohort order."""
    left, right, top_y, bottom_y = 56, WIDTH - RIGHT_MARGIN, 16, 220
    highest = max(
        (value for _, *numbers, _ in points for value in numbers if value is not None),
        default=0.1,
    )
    step_size, steps = _steps(highest)
    top = steps * step_size

    def y(value: float | None) -> float | None:
        return None if value is None else round(bottom_y - (bottom_y - top_y) * value / top, 1)

    step = (right - left) / max(1, len(points))
    marks = tuple(
        TrendMark(round(left + step * (index + 0.5), 1), y(rate), y(low), y(high), kind, label)
        for index, (label, rate, low, high, kind) in enumerate(points)
    )
    ticks = tuple(
        Tick(round(bottom_y - (bottom_y - top_y) * index / steps, 1), f"{step_size * index:.0%}")
        for index in range(steps + 1)
    )
    return TrendChart(WIDTH, bottom_y + 40, left, right, top_y, bottom_y, marks, ticks)
