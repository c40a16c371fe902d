"""A result as pages show it: proportions in percentage points with the unit once per table
column, tiny p-values as such, and the registration in words."""

from __future__ import annotations

from typing import Any

from bakehouse.evaluation import EXPLORATORY
from web.interventions.results import shown_result

CSV = {
    "event_study.csv": "event_time,estimate,low,high\n-1,0.0,0.0,0.0\n0,-0.081,-0.1,-0.062\n",
    "trajectories.csv": "period,treated,comparison\n2025,0.31,0.30\n2026,0.243,0.317\n",
}
URLS = {"event_study": "/plots/event_study.svg", "trajectories": "/plots/trajectories.svg"}


def _result(**changes: Any) -> dict[str, Any]:
    return {
        "design": "did",
        "estimator": "statsmodels WLS",
        "outcome": "children not reaching a good level of development",
        "plan_hash": "e1" * 32,
        "effect": -0.0815,
        "low": -0.092,
        "high": -0.071,
        "p_value": 0.00002,
        "alpha": 0.05,
        "mde": 0.186,
        "n_treated": 2,
        "n_comparison": 8,
        "periods": [2024, 2025, 2026],
        "start": 2026,
        "pretrend_p": 0.498,
        "pretrend_test": "event-study leads jointly zero (F)",
        "balance": {
            "treated_pre_mean": 0.311,
            "comparison_pre_mean": 0.302,
            "difference": 0.009,
            "standardised_difference": 0.33,
        },
        "verdict": "an effect of -8.2 percentage points on children ...",
        "caveats": ["Only 2 treated unit(s)."],
        "registration": "pre-registered: frozen 2026-12-05T05:40:06+00:00 (plan e1e1e1e1e1e1)",
        **changes,
    }


def test_a_pre_registered_proportion_reads_in_percentage_points() -> None:
    shown = shown_result(_result(), CSV, URLS)

    assert shown.pre_registered
    assert shown.registration == "frozen 2026-12-05T05:40:06+00:00 (plan e1e1e1e1e1e1)"
    assert shown.verdict.startswith("An effect of -8.2")
    assert shown.effect == "-8.2 percentage points"
    assert shown.interval == "95% interval -9.2 percentage points to -7.1 percentage points"
    assert shown.p_value == "less than 0.001" and shown.mde == "18.6 percentage points"
    study, paths = shown.plots
    assert study.url == URLS["event_study"]
    assert study.header == (
        "Periods from the start",
        "Estimate (percentage points)",
        "Interval from (percentage points)",
        "Interval to (percentage points)",
    )
    assert study.rows[1] == ("0", "-8.1", "-10.0", "-6.2")
    assert paths.rows[1] == ("2026", "24.3", "31.7")


def test_an_exploratory_result_on_another_scale_keeps_its_units() -> None:
    shown = shown_result(
        _result(
            registration=EXPLORATORY,
            verdict="no evidence of an effect on visits (estimate +1.5, ...)",
            effect=1.5,
            p_value=0.2,
        ),
        CSV,
        {"event_study": "/plots/event_study.svg"},
    )

    assert not shown.pre_registered
    assert shown.effect == "+1.5" and shown.p_value == "0.200"
    # A plot without a URL to serve it from is not shown.
    assert [plot.name for plot in shown.plots] == ["event_study"]
    assert shown.plots[0].header[1] == "Estimate"


def test_a_synthetic_control_that_could_detect_nothing_shows_no_mde() -> None:
    shown = shown_result(_result(design="synthetic-control", mde=None), CSV, URLS)

    assert shown.mde is None
