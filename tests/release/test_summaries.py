"""The public linkage and quality summaries: rounded, small counts withheld, nothing else."""

from __future__ import annotations

from typing import Any

from bakehouse.release.checker import IDENTIFIER_NAME
from bakehouse.release.disclosure import DisclosureRules
from bakehouse.release.summaries import linkage_summary, quality_summary

RULES = DisclosureRules(threshold=7, rounding=5)


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(key for item in value.values() for key in _keys(item))]
    if isinstance(value, list):
        return [key for item in value for key in _keys(item)]
    return []


def _linkage_report(measured: bool) -> dict[str, Any]:
    report: dict[str, Any] = {
        "run_id": "20261122T130302Z-a82fb9",
        "threshold": 0.9,
        "key_id": "ee1d58d2021b28a3",
        "settings_fingerprint": "0c04b4c7",
        "counts": {"records": 843872, "persons": 170957, "households": 93472},
        "persons": {"estimated": {"precision": 0.99844, "recall": 0.98086}},
        "measured": None,
    }
    if measured:
        report["measured"] = {
            "scores": {"persons, pairwise": {"precision": 0.996, "recall": 0.995, "f1": 0.9955}},
            "children": {"children": 33722, "correct": {"household correct": 33515}},
            "by_group": {
                "ethnicity": [
                    {"group": "ASIA", "persons": 8334, "persons_with_several_records": 6120,
                     "children": 1510, "missed_links": 35, "false_links": 32,
                     "household_errors": 8, "missed_link_rate": 0.0057,
                     "missed_link_interval": [0.0041, 0.0079], "false_link_rate": 0.0038,
                     "false_link_interval": [0.0027, 0.0053], "household_error_rate": 0.0053,
                     "household_error_interval": [0.0027, 0.0103]},
                    {"group": "OTHE", "persons": 6, "persons_with_several_records": 4,
                     "children": 0, "missed_links": 0, "false_links": 0,
                     "household_errors": 0, "missed_link_rate": 0.0,
                     "missed_link_interval": [0.0, 0.49],
                     "false_link_rate": 0.0, "false_link_interval": [0.0, 0.39],
                     "household_error_rate": 0.0},
                ]
            },
        }  # fmt: skip
    return report


def test_linkage_counts_are_rounded_and_small_ones_withheld() -> None:
    summary = linkage_summary(_linkage_report(measured=True), RULES)
    assert summary["totals"] == {"records": 843870, "people": 170955, "homes": 93470}
    sizes = [row["size"] for row in summary["errors_by_group"]]
    assert sizes == [8335, "1 to 7 (withheld)"]
    large, small = summary["errors_by_group"]
    # Every rate is its published count over its published denominator, with its interval.
    assert large["people_with_several_records"] == 6120
    assert large["missed_link"] == {
        "share": round(35 / 6120, 4),
        "count": 35,
        "of": 6120,
        "interval_95": [0.0041, 0.0079],
    }
    assert large["false_link"]["count"] == 30 and large["false_link"]["of"] == 8335
    assert large["false_link"]["share"] == round(30 / 8335, 4)
    # 8 children in the wrong home of 1,510: 10 of 1,510, and the share from those two.
    assert large["children_in_the_wrong_home"]["share"] == round(10 / 1510, 4)
    assert small["missed_link"]["share"] is None and small["missed_link"]["of"] is None
    assert small["false_link"]["interval_95"] is None
    children = summary["children_at_their_prediction_date"]
    assert children["children_counted"] == 33720
    assert children["share in the right home"] == {
        "share": round(33515 / 33720, 4),
        "count": 33515,
        "of": 33720,
    }
    assert [row["group"] for row in summary["errors_by_group"]] == [
        "Asian or Asian British",
        "Other ethnic group",
    ]
    assert summary["estimated_by_the_linkage_model"]["precision"] == 0.99844


def test_linkage_summary_leaves_out_what_only_the_custodian_needs() -> None:
    summary = linkage_summary(_linkage_report(measured=False), RULES)
    text = repr(summary)
    assert "ee1d58d2021b28a3" not in text and "0c04b4c7" not in text
    assert "measured_against_the_synthetic_truth" not in summary
    assert not [key for key in _keys(summary) if IDENTIFIER_NAME.search(key) and key != "size"]


def test_quality_summary_counts_set_aside_rows_by_reason() -> None:
    report = {
        "run_id": "20261122T130215Z-587ef6",
        "reconciled": True,
        "totals": {"rows_in": 1000, "accepted": 960, "quarantined": 37, "withheld_optout": 3,
                   "withheld_erasure": 0},
        "sources": [
            {
                "source": "benefits",
                "title": "Housing benefit claims",
                "files": [{"rows_in": 1000, "accepted": 960, "withheld_optout": 3,
                           "withheld_erasure": 0, "reconciled": True}],
                "quarantine_reasons": [
                    {"code": "duplicate", "field": None, "rows": 33},
                    {"code": "bad_date", "field": "PartnerDOB", "rows": 4},
                ],
                "postcode_to_lsoa": {"share": 0.99, "accepted_with_postcode": 955,
                                     "matched": 951},
                "late_records": {"share_of_accepted": 0.02, "rows": 19},
            }
        ],
    }  # fmt: skip
    summary = quality_summary(report, RULES)
    assert summary["totals"]["set_aside"] == 35
    assert summary["totals"]["withheld_opt_out"] == "1 to 7 (withheld)"
    source = summary["sources"][0]
    assert source["set_aside"] == 35
    assert source["share_accepted"] == {"share": 0.96, "count": 960, "of": 1000}
    # 951 of 955 placed: 4 not placed would follow from the two, so the share is withheld.
    assert source["share_placed_in_an_lsoa"] == {"share": None, "count": None, "of": 955}
    assert source["entered_over_90_days_late"] == {
        "share": round(20 / 960, 4),
        "count": 20,
        "of": 960,
    }
    assert [(r["reason"], r["column"], r["rows"]) for r in summary["why_rows_were_set_aside"]] == [
        ("duplicate", "whole row", 35),
        ("bad date", "PartnerDOB", "1 to 7 (withheld)"),
    ]
    assert not [key for key in _keys(summary) if IDENTIFIER_NAME.search(key) and key != "size"]
