"""A result on disk: the JSON, each plot as an SVG, and each plot's figures as a CSV table, so
nothing is shown only as a picture.

Plots are drawn with matplotlib's Agg backend (no display needed):

- ``event_study.svg`` / ``.csv``: the estimate for each period relative to the start (0 = the
  first treated period), with its interval; for synthetic control, the gap between the treated
  and synthetic series with the placebos' band.
- ``trajectories.svg`` / ``.csv``: the treated units' mean outcome per period beside the
  comparison units' (or the synthetic series).

The same result gives the same bytes (no date in the SVG, fixed element ids), so a release that
carries an evaluation kept again unchanged is the same release.
"""

from __future__ import annotations

import csv
from pathlib import Path
from textwrap import fill
from typing import TYPE_CHECKING

from bakehouse.evaluation.result import Result

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def write_json(result: Result, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.to_json(), encoding="utf-8")


def write_plots(result: Result, folder: Path) -> list[Path]:
    """The two plots and their tables in ``folder``; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = [
        _table(result.event_study, folder / "event_study.csv"),
        _table(result.trajectories, folder / "trajectories.csv"),
    ]
    figure, axes = plt.subplots(figsize=(7, 4))
    times = [row["event_time"] for row in result.event_study]
    estimates = [row["estimate"] for row in result.event_study]
    axes.fill_between(
        times,
        [row["low"] for row in result.event_study],
        [row["high"] for row in result.event_study],
        alpha=0.25,
        label=f"{1 - result.alpha:.0%} interval",
    )
    axes.plot(times, estimates, marker="o", label="estimate")
    axes.axhline(0, color="black", linewidth=0.8)
    axes.axvline(-0.5, color="grey", linestyle="--", linewidth=0.8)
    axes.set_xlabel("periods from the start (0 = first treated period)")
    axes.set_ylabel("gap" if result.design == "synthetic-control" else "effect")
    axes.set_title(fill(f"{result.outcome}: effect by period ({result.design})", 70), fontsize=10)
    axes.legend()
    figure.tight_layout()
    written.append(_save(figure, folder / "event_study.svg"))
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(7, 4))
    periods = [row["period"] for row in result.trajectories]
    other = "synthetic" if result.design == "synthetic-control" else "comparison"
    axes.plot(periods, [row["treated"] for row in result.trajectories], marker="o", label="treated")
    axes.plot(periods, [row[other] for row in result.trajectories], marker="s", label=other)
    axes.axvline(result.start - 0.5, color="grey", linestyle="--", linewidth=0.8)
    axes.set_xlabel("period")
    axes.set_ylabel("outcome")
    axes.set_title(fill(f"{result.outcome}: treated and {other}", 70), fontsize=10)
    axes.legend()
    figure.tight_layout()
    written.append(_save(figure, folder / "trajectories.svg"))
    plt.close(figure)
    return written


def _save(figure: Figure, path: Path) -> Path:
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "bakehouse-evaluation"}):
        figure.savefig(path, format="svg", metadata={"Date": None})
    return path


def _table(rows: list[dict[str, float]], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
    return path
