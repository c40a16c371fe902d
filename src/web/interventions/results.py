"""An evaluation's result as a page shows it: the library's ``Result`` JSON and its files
(``report.write_plots``: each plot as SVG and its figures as CSV) turned into the values the
include ``interventions/_result.html`` renders. Any source of results uses it: an evaluation run
from the web app, or one published inside a release.

    shown = shown_result(result_json, files, plot_urls={"event_study": url, ...})
    {% include "interventions/_result.html" with shown=shown %}
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# How ``PlanFile.registration`` begins for a plan frozen before the outcomes existed.
PRE_REGISTERED = "pre-registered: "
DESIGNS = {
    "did": "Difference-in-differences with comparison areas",
    "staggered": "Staggered adoption (Callaway and Sant'Anna)",
    "synthetic-control": "Synthetic control",
}
# The plots ``report.write_plots`` draws: the title and what the table beside each holds.
PLOTS = (
    (
        "event_study",
        "Effect by period from the start",
        "The estimated effect in each period relative to the start (0 is the first treated "
        "period), with its interval",
    ),
    (
        "trajectories",
        "Treated and comparison areas over time",
        "The treated areas' mean outcome in each period beside the comparison's",
    ),
)
HEADERS = {
    "event_time": "Periods from the start",
    "period": "Period",
    "estimate": "Estimate",
    "low": "Interval from",
    "high": "Interval to",
    "treated": "Treated areas",
    "comparison": "Comparison areas",
    "synthetic": "Synthetic series",
}


@dataclass(frozen=True)
class Plot:
    name: str
    title: str
    url: str
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ShownResult:
    verdict: str
    registration: str
    pre_registered: bool
    design: str
    estimator: str
    outcome: str
    effect: str
    interval: str
    p_value: str
    mde: str | None  # None: too few placebos for any effect to reach the level
    treated: int
    comparison: int
    periods: str
    start: int
    pretrend: str
    balance: tuple[tuple[str, str], ...]
    caveats: tuple[str, ...]
    plan_hash: str
    plots: tuple[Plot, ...]


def _amount(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:+.1f} percentage points"
    return f"{value:+.3g}"


def _level(value: float, percent: bool) -> str:
    return f"{value:.1%}" if percent else f"{value:.3g}"


EFFECTS = ("estimate", "low", "high")


def _cell(name: str, text: str, percent: bool) -> str:
    if name in ("event_time", "period"):
        return text
    value = float(text)
    if name in EFFECTS:
        return f"{value * 100:+.1f}" if percent else f"{value:+.3g}"
    return f"{value * 100:.1f}" if percent else f"{value:.3g}"


def _heading(name: str, percent: bool) -> str:
    """The column's heading, with the unit once rather than in every cell."""
    words = HEADERS.get(name, name)
    if not percent or name in ("event_time", "period"):
        return words
    return f"{words} (percentage points)" if name in EFFECTS else f"{words} (%)"


def _table(text: str, percent: bool) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        return (), ()
    names = list(rows[0])
    header = tuple(_heading(name, percent) for name in names)
    return header, tuple(tuple(_cell(name, row[name], percent) for name in names) for row in rows)


def _p(value: float) -> str:
    return "less than 0.001" if value < 0.001 else f"{value:.3f}"


def shown_result(
    result: Mapping[str, Any], files: Mapping[str, str], plot_urls: Mapping[str, str]
) -> ShownResult:
    """``result``: ``Result.to_dict()``; ``files``: the texts ``write_plots`` wrote, by file
    name; ``plot_urls``: where each plot's SVG is served, by plot name."""
    # The library words proportions as percentage points, and so does the page.
    percent = "percentage points" in result["verdict"]
    level = f"{1 - result['alpha']:.0%}"
    plots = []
    for name, title, caption in PLOTS:
        header, rows = _table(files.get(f"{name}.csv", ""), percent)
        if name in plot_urls and rows:
            plots.append(Plot(name, title, plot_urls[name], caption, header, rows))
    balance = result["balance"]
    pretrend = "Not tested for this design"
    if result["pretrend_p"] is not None:
        pretrend = f"p = {_p(result['pretrend_p'])} ({result['pretrend_test']})"
    verdict = result["verdict"]
    return ShownResult(
        verdict=verdict[:1].upper() + verdict[1:],
        registration=result["registration"].removeprefix(PRE_REGISTERED),
        pre_registered=result["registration"].startswith(PRE_REGISTERED),
        design=DESIGNS.get(result["design"], result["design"]),
        estimator=result["estimator"],
        outcome=result["outcome"],
        effect=_amount(result["effect"], percent),
        interval=(
            f"{level} interval {_amount(result['low'], percent)} to "
            f"{_amount(result['high'], percent)}"
        ),
        p_value=_p(result["p_value"]),
        mde=None if result["mde"] is None else _amount(result["mde"], percent).lstrip("+"),
        treated=result["n_treated"],
        comparison=result["n_comparison"],
        periods=", ".join(str(period) for period in result["periods"]),
        start=result["start"],
        pretrend=pretrend,
        balance=(
            ("Treated areas before the start", _level(balance["treated_pre_mean"], percent)),
            ("Comparison areas before the start", _level(balance["comparison_pre_mean"], percent)),
            ("Difference", _amount(balance["difference"], percent)),
            ("Standardised difference", f"{balance['standardised_difference']:.2f}"),
        ),
        caveats=tuple(result["caveats"]),
        plan_hash=result["plan_hash"],
        plots=tuple(plots),
    )
