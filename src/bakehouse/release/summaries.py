"""The public linkage and data quality summaries of a release, from a workspace's reports.

The workspace's own reports (``reports/linkage.json``, ``reports/quality.json``) are for the
custodian: they hold settings fingerprints, key ids and exact counts. A release carries only
what a resident or a partner needs to judge the joined data: how many records, people and homes,
how good the joins are (the model's own estimate and, on a synthetic world, the measured truth),
whether errors fall unevenly on some groups, and how much of each source was accepted. Every
count is rounded and small counts withheld by the release's disclosure rule, and no field is
named like an identifier (the output checker refuses those), so "people" and "homes" stand for
persons and households.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bakehouse.errors import ConfigError
from bakehouse.release.disclosure import DisclosureRules

LINKAGE_REPORT = Path("reports") / "linkage.json"
QUALITY_REPORT = Path("reports") / "quality.json"

LINKAGE_ABOUT = (
    "Agencies record the same child and family in different ways. Records were joined into "
    "people and homes (households) inside the data custodian's secure zone, by comparing names, "
    "dates of birth, addresses and reference numbers; analysts only ever see pseudonymous ids. "
    "A wrong join can put a child in the wrong home; a missed join can hide part of their "
    "history. The figures below say how often that is likely to happen, and for whom."
)
QUALITY_ABOUT = (
    "Every row each agency sent was checked against its data sharing agreement and its "
    "specification. Rows that could not be used (a date that is not a date, a duplicate, a row "
    "outside the agreed period) were set aside and counted, not silently dropped; people who "
    "opted out were withheld before anything else happened."
)
MEASURE_NAMES = {
    "persons, pairwise": "People: pairs of records joined",
    "persons, clusters": "People: whole sets of records",
    "households, pairwise": "Homes: pairs of people placed together",
    "households, clusters": "Homes: whole memberships",
}
CHILD_MEASURES = {
    "household correct": "share in the right home",
    "household correct, no wrong members": "share in the right home, with nobody from another",
    "household correct, exact members": "share in the right home, with exactly its members",
}
# The school census codes and flags, in words.
GROUP_NAMES = {
    "F": "girls and women",
    "M": "boys and men",
    "WBRI": "White British",
    "WOTH": "White, other",
    "MIXD": "Mixed",
    "ASIA": "Asian or Asian British",
    "BLAC": "Black or Black British",
    "CHIN": "Chinese",
    "OTHE": "Other ethnic group",
    "true": "yes",
    "false": "no",
}


class _Counts:
    """Counts as the release may show them: rounded, and 1 to the threshold withheld."""

    def __init__(self, rules: DisclosureRules) -> None:
        self.rules = rules

    def __call__(self, value: Any) -> int | str | None:
        if value is None:
            return None
        count = int(value)
        if 0 < count <= self.rules.threshold:
            return f"1 to {self.rules.threshold} (withheld)"
        return self.rules.round(count)

    def shown(self, value: Any) -> bool:
        """Whether figures derived from this count may be published (more than the threshold)."""
        return value is not None and int(value) > self.rules.threshold

    @property
    def note(self) -> str:
        rules = self.rules
        raised = ""
        if rules.lowest_shown - rules.rounding // 2 > rules.threshold + 1:
            raised = (
                f" A count above {rules.threshold} that would round to {rules.threshold} or "
                f"less is shown as {rules.lowest_shown}."
            )
        return (
            f"Counts are rounded to the nearest {rules.rounding}; counts from 1 to "
            f"{rules.threshold} are withheld.{raised}"
        )


def _read(workspace: Path, relative: Path) -> dict[str, Any] | None:
    path = workspace / relative
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise ConfigError(
            "Report is not valid JSON",
            file=path,
            fix="Run the stage that writes it again (`bakehouse ingest` or `bakehouse link`)",
        ) from None
    if not isinstance(data, dict):
        raise ConfigError("Report must be a JSON object", file=path)
    return data


def linkage_summary(report: dict[str, Any], rules: DisclosureRules) -> dict[str, Any]:
    """The public summary of a linkage report."""
    count = _Counts(rules)
    totals = report.get("counts", {})
    estimated = report.get("persons", {}).get("estimated", {})
    summary: dict[str, Any] = {
        "what_this_is": LINKAGE_ABOUT,
        "linkage_run": report.get("run_id"),
        "method": (
            "Probabilistic record linkage (the Fellegi-Sunter model, fitted with Splink) after "
            "exact matches on NHS number, unique pupil number or National Insurance number; "
            "then homes from shared addresses over time."
        ),
        "match_probability_needed": report.get("threshold"),
        "totals": {
            "records": count(totals.get("records")),
            "people": count(totals.get("persons")),
            "homes": count(totals.get("households")),
        },
        "estimated_by_the_linkage_model": {
            "precision": estimated.get("precision"),
            "recall": estimated.get("recall"),
            "meaning": (
                "Precision: of the pairs of records joined, the share that are the same "
                "person. Recall: of the pairs that are the same person, the share joined. "
                "Estimated by the linkage model itself, without knowing the answer."
            ),
        },
        "counts_note": count.note,
    }
    measured = report.get("measured")
    if measured:
        summary["measured_against_the_synthetic_truth"] = [
            {
                "measure": MEASURE_NAMES.get(name, name),
                "precision": score.get("precision"),
                "recall": score.get("recall"),
                "f1": score.get("f1"),
            }
            for name, score in measured.get("scores", {}).items()
        ]
        children = measured.get("children", {})
        total = children.get("children") or 0
        if total:
            summary["children_at_their_prediction_date"] = {
                "children_counted": count(total),
                **{
                    CHILD_MEASURES.get(name, name): round(correct / total, 4)
                    for name, correct in children.get("correct", {}).items()
                },
            }
        summary["errors_by_group"] = [
            _group_errors(attribute, row, count)
            for attribute, rows in measured.get("by_group", {}).items()
            for row in rows
        ]
    return summary


def _group_errors(attribute: str, row: dict[str, Any], count: _Counts) -> dict[str, Any]:
    """One group's linkage errors, each rate with its denominator and 95% interval; nothing
    derived from a group (or a rate's denominator) at or below the threshold."""
    people, children = row.get("persons"), row.get("children")
    several = row.get("persons_with_several_records")
    shown = {
        "missed_link": count.shown(people) and count.shown(several),
        "false_link": count.shown(people),
        "household_error": count.shown(children),
    }

    def rate(name: str) -> float | None:
        return row.get(f"{name}_rate") if shown[name] else None

    def interval(name: str) -> str | None:
        bounds = row.get(f"{name}_interval")
        if not shown[name] or not bounds:
            return None
        return f"{bounds[0]:.4f} to {bounds[1]:.4f}"

    return {
        "attribute": attribute,
        "group": GROUP_NAMES.get(str(row.get("group")), row.get("group")),
        "size": count(people),
        "people_with_several_records": count(several),
        "missed_link_rate": rate("missed_link"),
        "missed_link_rate_95_interval": interval("missed_link"),
        "false_link_rate": rate("false_link"),
        "false_link_rate_95_interval": interval("false_link"),
        "children": count(children),
        "children_in_the_wrong_home": rate("household_error"),
        "children_in_the_wrong_home_95_interval": interval("household_error"),
    }


def quality_summary(report: dict[str, Any], rules: DisclosureRules) -> dict[str, Any]:
    """The public summary of an ingest quality report."""
    count = _Counts(rules)
    totals = report.get("totals", {})
    sources = []
    reasons = []
    for source in report.get("sources", []):
        files = source.get("files", [])
        rows_in = sum(f.get("rows_in", 0) for f in files)
        accepted = sum(f.get("accepted", 0) for f in files)
        withheld = sum(f.get("withheld_optout", 0) + f.get("withheld_erasure", 0) for f in files)
        postcodes = source.get("postcode_to_lsoa") or {}
        late = source.get("late_records") or {}
        sources.append(
            {
                "source": source.get("title") or source.get("source"),
                "rows_in": count(rows_in),
                "accepted": count(accepted),
                "set_aside": count(rows_in - accepted - withheld),
                "withheld_opt_out_or_erasure": count(withheld),
                "share_accepted": round(accepted / rows_in, 4) if count.shown(rows_in) else None,
                "share_placed_in_an_lsoa": postcodes.get("share"),
                "entered_over_90_days_late": late.get("share_of_accepted"),
                "reconciled": all(f.get("reconciled", False) for f in files),
            }
        )
        for reason in source.get("quarantine_reasons", []):
            reasons.append(
                {
                    "source": source.get("title") or source.get("source"),
                    "reason": str(reason.get("code", "")).replace("_", " "),
                    "column": reason.get("field") or "whole row",
                    "rows": count(reason.get("rows")),
                }
            )
    return {
        "what_this_is": QUALITY_ABOUT,
        "ingest_run": report.get("run_id"),
        "every_row_accounted_for": bool(report.get("reconciled")),
        "totals": {
            "rows_in": count(totals.get("rows_in")),
            "accepted": count(totals.get("accepted")),
            "set_aside": count(totals.get("quarantined")),
            "withheld_opt_out": count(totals.get("withheld_optout")),
            "withheld_erasure": count(totals.get("withheld_erasure")),
        },
        "sources": sources,
        "why_rows_were_set_aside": reasons,
        "counts_note": count.note,
    }


def workspace_summaries(
    workspace: Path, rules: DisclosureRules
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The linkage and quality summaries from a workspace's reports (None where a stage has
    not run)."""
    linkage = _read(workspace, LINKAGE_REPORT)
    quality = _read(workspace, QUALITY_REPORT)
    return (
        linkage_summary(linkage, rules) if linkage is not None else None,
        quality_summary(quality, rules) if quality is not None else None,
    )
