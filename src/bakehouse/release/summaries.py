"""The public linkage and data quality summaries of a release, from a workspace's reports.

The workspace's own reports (``reports/linkage.json``, ``reports/quality.json``) are for the
custodian: they hold settings fingerprints, key ids and exact counts. A release carries only
what a resident or a partner needs to judge the joined data: how many records, people and homes,
how good the joins are (the model's own estimate and, on a synthetic world, the measured truth),
whether errors fall unevenly on some groups, and how much of each source was accepted. Every
count is rounded and small counts withheld by the release's disclosure rule, and no field is
named like an identifier (the output checker refuses those), so "people" and "homes" stand for
persons and households.

Every share is published as ``{"share": s, "count": c, "of": d}`` (with ``"interval_95"`` where
it has one): ``c`` and ``d`` are the published (protected) counts and ``s`` is ``c / d`` to four
decimals, so a reader can reproduce it and nobody can work back an exact count from it. The
counts under each share are protected together (:func:`protect_rates`): a count of 1 to the
threshold, or one whose rest is 0 to the threshold, is withheld with its share. The linkage
model's own estimates and the pairwise scores against the synthetic truth are model measures
over pairs of records, not shares of people, and are shown as they are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bakehouse.areas.intervals import wilson
from bakehouse.custody.workspace import REPORTS
from bakehouse.errors import ConfigError
from bakehouse.release.disclosure import DisclosureRules, Rate, protect_rates

LINKAGE_REPORT = Path(REPORTS) / "linkage.json"
QUALITY_REPORT = Path(REPORTS) / "quality.json"

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


def _wilson(events: int, total: int) -> list[float]:
    low, high = wilson(events, total)
    return [round(float(low), 4), round(float(high), 4)]


def shares(
    counts: dict[str, Any], rates: dict[str, Rate], rules: DisclosureRules, interval: bool = False
) -> dict[str, dict[str, Any]]:
    """Each named rate as ``{"share", "count", "of"}`` from the protected counts; a count the
    report does not give leaves its shares out (nothing is invented)."""
    needed = {name for rate in rates.values() for name in (rate.numerator, rate.denominator)}
    if any(counts.get(name) is None for name in needed):
        return {}
    exact = {name: int(counts[name]) for name in needed}
    shown = protect_rates(exact, list(rates.values()), rules)
    out: dict[str, dict[str, Any]] = {}
    for label, rate in rates.items():
        events, total = shown[rate.numerator], shown[rate.denominator]
        both = (events, total) if events is not None and total else None
        item: dict[str, Any] = {
            "share": round(both[0] / both[1], 4) if both else None,
            "count": events,
            "of": total,
        }
        if interval:
            item["interval_95"] = _wilson(*both) if both else None
        out[label] = item
    return out


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
            correct = children.get("correct", {})
            summary["children_at_their_prediction_date"] = {
                "children_counted": count(total),
                **{
                    CHILD_MEASURES.get(name, name): shares(
                        {"right": value, "children": total},
                        {"share": Rate("right", "children", "wrong")},
                        rules,
                    )["share"]
                    for name, value in correct.items()
                },
            }
        summary["errors_by_group"] = [
            _group_errors(attribute, row, count, rules)
            for attribute, rows in measured.get("by_group", {}).items()
            for row in rows
        ]
    return summary


def _group_errors(
    attribute: str, row: dict[str, Any], count: _Counts, rules: DisclosureRules
) -> dict[str, Any]:
    """One group's linkage errors, each rate from the published counts with its 95% Wilson
    interval; nothing derived from a count at or below the threshold."""
    people, children = row.get("persons"), row.get("children")
    several = row.get("persons_with_several_records")
    rates = shares(
        {
            "missed": row.get("missed_links"),
            "several": several,
            "false": row.get("false_links"),
            "people": people,
            "wrong": row.get("household_errors"),
            "children": children,
        },
        {
            "missed_link": Rate("missed", "several", "found"),
            "false_link": Rate("false", "people", "right"),
            "children_in_the_wrong_home": Rate("wrong", "children", "right_home"),
        },
        rules,
        interval=True,
    )
    return {
        "attribute": attribute,
        "group": GROUP_NAMES.get(str(row.get("group")), row.get("group")),
        "size": count(people),
        "people_with_several_records": count(several),
        "children": count(children),
        **rates,
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
                **shares(
                    {"accepted": accepted, "rows_in": rows_in},
                    {"share_accepted": Rate("accepted", "rows_in", "not_accepted")},
                    rules,
                ),
                **shares(
                    {
                        "matched": postcodes.get("matched"),
                        "with": postcodes.get("accepted_with_postcode"),
                    },
                    {"share_placed_in_an_lsoa": Rate("matched", "with", "unmatched")},
                    rules,
                ),
                **shares(
                    {"late": late.get("rows"), "accepted": accepted},
                    {"entered_over_90_days_late": Rate("late", "accepted", "on_time")},
                    rules,
                ),
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
