"""The model card and the Algorithmic Transparency Record, generated from the run itself.

Both are built as nested mappings from the run's own figures (:class:`RunFacts`), then written as
JSON and rendered as Markdown from the same mapping, so the two always agree. Leaf values are
strings or numbers; a field only a person can supply is ``{"to_complete": "what is needed"}``
(Markdown: **To complete**). The record follows the UK Algorithmic Transparency Recording
Standard's tier 1 and tier 2 fields.

The prose lives in ``prose.md`` beside this module, one passage per heading; this module
supplies the values: the run's figures and the recipe's words.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

from bakehouse.features.catalogue import SCOPES
from bakehouse.features.labels import describe_group
from bakehouse.insight.review import ReviewList
from bakehouse.modelling import baselines
from bakehouse.modelling.fairness import publishable
from bakehouse.modelling.stability import (
    BINS,
    MAJOR,
    MODERATE,
    SHARE_FLOOR,
    FeatureStability,
    GroupMean,
)
from bakehouse.recipes.schema import Recipe, Words
from bakehouse.release.disclosure import DisclosureRules

TO_COMPLETE = "to_complete"
PROSE = Path(__file__).with_name("prose.md")


@functools.cache
def _passages() -> dict[str, str]:
    """Each ``## name`` passage of ``prose.md``, its lines joined with spaces."""
    passages: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in PROSE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = passages.setdefault(line.removeprefix("## ").strip(), [])
        elif current is not None and line.strip():
            current.append(line.strip())
    return {name: " ".join(lines) for name, lines in passages.items()}


def prose(name: str, words: Words, **values: object) -> str:
    """The passage ``name`` with the recipe's ``words`` and ``values`` filled in; a placeholder
    left without a value raises ``KeyError``."""
    named = {
        **words.model_dump(),
        "Unit": words.unit[:1].upper() + words.unit[1:],
        "Units": words.units[:1].upper() + words.units[1:],
    }
    return Template(_passages()[name]).substitute(named, **values)


def needed(what: str) -> dict[str, str]:
    return {TO_COMPLETE: what}


def given(value: str | None, what: str) -> str | dict[str, str]:
    return value if value else needed(what)


@dataclass
class RunFacts:
    """Everything the documents say, gathered by the pipeline from the run."""

    recipe: Recipe
    recipe_sha256: str
    run_id: str
    code_version: str
    created: str
    as_at: str
    sources: list[dict[str, Any]]  # source, title, supplier, agreement, version, review, rows
    features: list[dict[str, str]]  # name, label, scope, source ("" for stays and cohort)
    counts: dict[str, Any]
    split: dict[str, list[int]]
    chosen: str
    reason: str
    rounds: int | None
    test_metrics: dict[str, Any]
    comparison: dict[str, Any]
    calibration_curve: list[dict[str, float]]
    fairness: dict[str, Any]
    importance: list[dict[str, Any]]
    review_share: float | None
    truth: dict[str, Any] | None
    # Sources accepted missing, empty or far short at ingestion (the workspace manifest's).
    shortfalls: list[dict[str, Any]] = field(default_factory=list)
    # The disclosure rule every count in the documents follows: they are published with the
    # release, so counts are rounded and small ones withheld, as in its tables.
    rules: DisclosureRules = field(default_factory=DisclosureRules)
    # The comparison with what services already knew (:mod:`.baselines`), exact; None when the
    # recipe states no baselines.
    added_value: dict[str, Any] | None = None
    # The areas validation rounds marked for review (``bakehouse run --review``); None when the
    # run was given no list.
    review: ReviewList | None = None
    # Each feature between the development and the test cohorts (:mod:`.stability`).
    stability: list[FeatureStability] = field(default_factory=list)

    @property
    def added_value_published(self) -> dict[str, Any] | None:
        """The comparison as the release carries it: counts under the disclosure rule."""
        if self.added_value is None:
            return None
        return baselines.publishable(self.added_value, self.rules)

    def count(self, value: int) -> int | str:
        """A count as the documents show it."""
        if 0 < value <= self.rules.threshold:
            return f"1 to {self.rules.threshold} (withheld)"
        return self.rules.round(value)

    def count_text(self, value: int) -> str:
        shown = self.count(value)
        return f"{shown:,}" if isinstance(shown, int) else shown

    def prose(self, name: str, **values: object) -> str:
        return prose(name, self.recipe.words, **values)


def _pct(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _with_interval(item: dict[str, float], digits: int = 3) -> str:
    low, high = _num(item["low"], digits), _num(item["high"], digits)
    return f"{_num(item['value'], digits)} ({low} to {high})"


MODEL_WORDS = {
    "logistic": "Logistic regression (scikit-learn, L2 penalty) on standardised features, with "
    "indicators for missing values",
    "lightgbm": "Gradient-boosted decision trees (LightGBM), each feature constrained to its known "
    "direction of effect",
}


def _metric_rows(facts: RunFacts) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for kind, values in facts.test_metrics.items():
        rows[kind] = {name: _with_interval(item) for name, item in values.items()}
    return rows


def _headline(facts: RunFacts) -> dict[str, Any]:
    chosen = facts.test_metrics[facts.chosen]
    headline: dict[str, Any] = {
        "test_auc": _with_interval(chosen["auc"]),
        "test_average_precision": _with_interval(chosen["average_precision"]),
        "test_brier_score": _with_interval(chosen["brier"]),
        "test_expected_calibration_error": _with_interval(chosen["ece"]),
    }
    for name in chosen:
        if name.startswith("precision_top_") or name.startswith("recall_top_"):
            headline[f"test_{name}"] = _with_interval(chosen[name])
    if "auc_lightgbm_minus_logistic" in facts.comparison:
        headline["auc_lightgbm_minus_logistic"] = _with_interval(
            facts.comparison["auc_lightgbm_minus_logistic"], 4
        )
    if "ece_by_chance" in facts.comparison:
        # What a perfectly calibrated model would show on as many units: the ECE's floor.
        headline["expected_calibration_error_by_chance"] = _with_interval(
            facts.comparison["ece_by_chance"]
        )
    return headline


def published_flags(facts: RunFacts) -> list[dict[str, Any]]:
    """The groups the published fairness audit flags, judged on its published figures."""
    published = publishable(facts.fairness, facts.rules)
    return [
        {"attribute": g["attribute"], "group": g["group"], "reasons": g["reasons"].split("; ")}
        for g in published["groups"]
        if g["flagged"]
    ]


def _published_count(value: int | None, facts: RunFacts) -> int | str:
    return value if value is not None else f"1 to {facts.rules.threshold} (withheld)"


def _of(row: dict[str, Any], rate: str, events: str, total: str) -> str:
    """A published rate with the published counts it is made of: "0.515 (260 of 505)"."""
    if row[rate] is None:
        return "withheld"
    return f"{_num(row[rate])} ({row[events]:,} of {row[total]:,})"


def _fairness_summary(facts: RunFacts) -> dict[str, Any]:
    audit = facts.fairness
    low, high = audit["tolerance"]
    summary: dict[str, Any] = {
        "method": facts.prose(
            "fairness_method",
            tested=facts.count_text(audit["units"]),
            flag_share=_pct(audit["flag_share"]),
            low=low,
            high=high,
            calibration_tolerance=audit["calibration_tolerance"],
            min_group_size=audit["min_group_size"],
        ),
        "reading": facts.prose("fairness_reading"),
        # Numbered rows, as the features': an attribute's name may read like an identifier.
        "attributes": {
            str(index): {"attribute": group, "meaning": describe_group(group, spec)}
            for index, (group, spec) in enumerate(facts.recipe.fairness.groups.items(), start=1)
        },
    }
    published = publishable(audit, facts.rules)
    groups: dict[str, Any] = {}
    for row in published["groups"]:
        reference = published["reference"].get(row["attribute"]) == row["group"]
        label = f"{row['attribute']}: {row['group']}" + (" (reference)" if reference else "")
        groups[label] = {
            "units": _published_count(row["size"], facts) if row["size"] != 0 else 0,
            "fnr": _of(row, "fnr", "missed", "with_outcome"),
            "fpr": _of(row, "fpr", "false_flags", "without_outcome"),
            "precision": _of(row, "precision", "true_flags", "flagged_units"),
            "predicted_rate": _num(row["predicted_rate"]),
            "observed_rate": _of(row, "observed_rate", "with_outcome", "size"),
            "fnr_ratio": _num(row["fnr_ratio"], 2),
            "fpr_ratio": _num(row["fpr_ratio"], 2),
            "flag": row["reasons"] or "none",
        }
    summary["groups"] = groups
    flags = published_flags(facts)
    summary["flags"] = (
        {f"{flag['attribute']}: {flag['group']}": "; ".join(flag["reasons"]) for flag in flags}
        if flags
        else "No group is outside the tolerance band."
    )
    return summary


def _lacking(facts: RunFacts) -> dict[str, str]:
    """What the model lacked: each source accepted missing, empty or short, and its features."""
    lacking = {}
    for item in facts.shortfalls:
        feeds = [f["name"] for f in facts.features if f["source"] == item["source"]]
        before = (
            f"{facts.count_text(item['rows_last'])} rows at ingestion run {item['last_run_id']}"
            if item.get("rows_last") is not None
            else "no earlier ingestion"
        )
        received = {
            "missing": "missing from the extracts",
            "empty": "received with no rows",
            "short": f"received with {facts.count_text(item['rows'])} rows",
        }[item["kind"]]
        lacking[item["source"]] = (
            f"{received} ({before}); the features it feeds read it as absent: "
            + (", ".join(feeds) if feeds else "none of this model's features")
        )
    return lacking


# The audit groups recorded at school, after the prediction date; and the feature through which
# a family's language is known before it.
SCHOOL_GROUPS = frozenset({"eal", "ethnicity", "sen"})
FAMILY_LANGUAGE = "language_not_english"


def _caveats(facts: RunFacts) -> dict[str, str]:
    caveats = []
    if facts.shortfalls:
        sources = ", ".join(item["source"] for item in facts.shortfalls)
        caveats.append(facts.prose("caveat_shortfall", sources=sources))
    if facts.review_share is not None:
        caveats.append(facts.prose("caveat_review", unreviewed=_pct(1 - facts.review_share)))
    caveats.append(facts.prose("caveat_linkage"))
    if SCHOOL_GROUPS & set(facts.recipe.fairness.groups):
        text = facts.prose("caveat_school_groups")
        if any(f["name"] == FAMILY_LANGUAGE for f in facts.features):
            text += " " + facts.prose("caveat_family_language")
        caveats.append(text)
    if facts.split.get("unobserved"):
        cohorts = ", ".join(map(str, facts.split["unobserved"]))
        caveats.append(facts.prose("caveat_unobserved", cohorts=cohorts))
    if facts.split.get("partial"):
        rule = facts.recipe.cohort
        scored = rule.rule == "age" and rule.score_partial_cohorts
        caveats.append(
            facts.prose(
                "caveat_partial_scored" if scored else "caveat_partial_left_out",
                cohorts=", ".join(map(str, facts.split["partial"])),
            )
        )
    flagged = published_flags(facts)
    if flagged:
        groups = ", ".join(f"{flag['attribute']} {flag['group']}" for flag in flagged)
        caveats.append(facts.prose("caveat_fairness_flags", groups=groups))
    major = [item.feature for item in facts.stability if item.shift == "major"]
    if major:
        caveats.append(facts.prose("caveat_feature_shift", features=", ".join(major)))
    caveats.append(facts.prose("caveat_test_cohorts"))
    if facts.truth is not None:
        caveats.append(facts.prose("caveat_synthetic"))
    return {str(index): text for index, text in enumerate(caveats, start=1)}


def model_card(facts: RunFacts) -> dict[str, Any]:
    recipe = facts.recipe
    card: dict[str, Any] = {
        "model_details": {
            "name": recipe.title,
            "recipe": f"{recipe.id} version {recipe.version} (sha256 {facts.recipe_sha256[:16]})",
            "run_id": facts.run_id,
            "created": facts.created,
            "code_version": facts.code_version,
            "extract_date": facts.as_at,
            "model": MODEL_WORDS[facts.chosen],
            "candidates": ", ".join(recipe.model.candidates),
            "selection_rule": " ".join(recipe.model.selection.rule.split()),
            "selection": facts.reason,
            "calibration": facts.prose("calibration_method", method=recipe.model.calibration),
            "boosting_rounds": facts.rounds if facts.rounds is not None else "not applicable",
            "owner": given(recipe.transparency.organisation, "the organisation responsible"),
        },
        "question": " ".join(recipe.question.split()),
        "intended_use": {str(i): text for i, text in enumerate(recipe.intended_use, 1)},
        "not_intended_for": {str(i): text for i, text in enumerate(recipe.not_intended_for, 1)},
        "data": {
            "cohort": recipe.cohort.description,
            "prediction_point": " ".join(recipe.prediction_point.description.split()),
            "outcome": recipe.outcome.description,
            "sources": {
                s["source"]: {
                    "supplier": s["supplier"],
                    "agreement": f"{s['agreement']} v{s['version']}",
                    "used_for": " ".join(s["why"].split()),
                }
                for s in facts.sources
            },
            "sources_lacking": _lacking(facts) or "none: every source arrived in full",
            "cohorts": {
                cohort: {
                    "units": facts.count(values["units"]),
                    "with_outcome": facts.count(values["with_outcome"]),
                    "role": values["role"],
                }
                for cohort, values in facts.counts["cohorts"].items()
            },
            # Numbered rows, not keyed by feature name: a release's output checker reads keys
            # for words like "birth" or "household".
            "features": {
                str(index): {
                    "feature": f["name"],
                    "meaning": f["label"],
                    "reads": SCOPES[f["scope"]],
                }
                for index, f in enumerate(facts.features, start=1)
            },
        },
        "evaluation": {
            "method": facts.prose(
                "evaluation_method",
                development=", ".join(map(str, facts.split["development"])),
                test=", ".join(map(str, facts.split["test"])),
                tested=facts.count_text(facts.counts["test_units"]),
                resamples=recipe.validation.bootstrap,
                bins=recipe.validation.ece_bins,
            ),
            "headline": _headline(facts),
            "metrics_by_model": _metric_rows(facts),
            "calibration_plot": {
                str(index): {
                    "predicted": _num(point["predicted"]),
                    "observed": _num(point["observed"]),
                    "observed_interval": f"{_num(point['observed_low'])} to "
                    f"{_num(point['observed_high'])}",
                    "units": facts.count(int(point["units"])),
                }
                for index, point in enumerate(facts.calibration_curve, start=1)
            },
        },
        "feature_stability": stability_section(facts),
        "fairness": _fairness_summary(facts),
        "explanations": {
            str(item["rank"]): {"feature": item["feature"], "explanation": item["text"]}
            for item in facts.importance[:10]
        },
        "added_value": added_value_section(facts, facts.added_value_published),
        "community_review": community_review(facts),
        "caveats": _caveats(facts),
    }
    if facts.truth is not None:
        t = facts.truth
        card["synthetic_world_check"] = {
            "best_achievable_auc": _num(t["best_achievable_auc"]),
            "model_auc_same_units": _num(t["model_auc"]),
            "gap": f"{_num(t['gap'])} ({_num(t['gap_interval'][0])} to "
            f"{_num(t['gap_interval'][1])})",
            "best_achievable_auc_all_assessed": _num(t["best_achievable_auc_all_assessed"]),
            "auc_with_hindsight": _num(t["hindsight_auc"]),
            "gap_to_hindsight": f"{_num(t['gap_to_hindsight'])} "
            f"({_num(t['gap_to_hindsight_interval'][0])} to "
            f"{_num(t['gap_to_hindsight_interval'][1])})",
            "ece_of_true_probabilities": _num(t["ece_of_true_probabilities"]),
            "ece_of_true_probabilities_by_chance": _with_interval(
                t["ece_of_true_probabilities_by_chance"]
            ),
            "units_measured": facts.count(t["units_measured"]),
            "note": t["note"],
        }
        beside = (facts.added_value or {}).get("truth")
        if beside is not None:
            card["synthetic_world_check"]["added_value"] = _added_value_truth(beside)
    return card


TREND_PASSAGES = {
    "missing": "stability_missing",
    "absent": "stability_absent_at_first",
    "rising": "stability_rising",
    "falling": "stability_falling",
    "other": "stability_changed",
}
# A change in the share of missing values this large is read as the cause of a shift: the model
# reads a missing value as a value of its own.
MISSING_CHANGE = 0.05


def _published_mean(group: GroupMean, facts: RunFacts) -> str:
    """A mean as the documents show it: withheld when the units with a value other than zero,
    or those with zero, are so few that the mean would tell their number."""
    if group.mean is None:
        return "n/a"
    shown = (group.nonzero, group.units - group.nonzero)
    if any(0 < count <= facts.rules.threshold for count in shown):
        return "withheld"
    return _num(group.mean)


def _missing_share(group: GroupMean, facts: RunFacts) -> str:
    if any(0 < count <= facts.rules.threshold for count in (group.missing, group.units)):
        return "a share too small to publish"
    return _percent(group.missing_share)


def _trend(item: FeatureStability) -> str:
    if abs(item.development.missing_share - item.test.missing_share) >= MISSING_CHANGE:
        return "missing"
    earliest = item.first_development
    if earliest.units and not earliest.nonzero and item.test.nonzero:
        return "absent"
    first, last, test = (g.mean for g in (item.first_development, item.last_development, item.test))
    if first is None or last is None or test is None:
        return "other"
    if first < last < test:
        return "rising"
    return "falling" if first > last > test else "other"


def _reading(item: FeatureStability, facts: RunFacts) -> str:
    trend = _trend(item)
    if trend != "missing":
        return facts.prose(TREND_PASSAGES[trend])
    return facts.prose(
        TREND_PASSAGES[trend],
        development_missing=_missing_share(item.development, facts),
        test_missing=_missing_share(item.test, facts),
    )


def stability_section(facts: RunFacts) -> dict[str, Any]:
    """The features whose distribution moved between the cohorts the model learned from and
    those it was tested on; the others in one sentence."""
    items = facts.stability
    if not items:
        return {"said_plainly": facts.prose("stability_not_measured")}
    first, last = items[0].first_development.cohorts, items[0].last_development.cohorts
    labels = {f["name"]: f["label"] for f in facts.features}
    moved = [item for item in items if item.moved]
    section: dict[str, Any] = {
        "method": facts.prose(
            "stability_method",
            development=", ".join(map(str, facts.split["development"])),
            test=", ".join(map(str, items[0].test.cohorts)),
            bins=BINS,
            floor=SHARE_FLOOR,
            moderate=MODERATE,
            major=MAJOR,
            first=", ".join(map(str, first)),
            last=", ".join(map(str, last)),
        ),
    }
    if moved:
        section["moved"] = {
            str(index): {
                "feature": item.feature,
                "meaning": labels.get(item.feature, item.feature),
                "psi_pooled_development_cohorts": _num(item.psi),
                "psi_first_development_cohort": _num(item.psi_first),
                "shift": f"{item.shift} shift",
                "mean_first_development_cohort": _published_mean(item.first_development, facts),
                "mean_last_development_cohort": _published_mean(item.last_development, facts),
                "mean_test_cohorts": _published_mean(item.test, facts),
                "reading": _reading(item, facts),
            }
            for index, item in enumerate(
                sorted(moved, key=lambda i: -max(i.psi, i.psi_first)), start=1
            )
        }
        section["what_to_do"] = facts.prose("stability_what_to_do")
    section["did_not_move"] = facts.prose(
        "stability_unmoved",
        count=len(items) - len(moved),
        features=len(items),
        moderate=MODERATE,
    )
    return section


def community_review(facts: RunFacts) -> dict[str, Any]:
    """The areas communities said the last release's flags did not match, from the review
    list the run was given, with what the partnership found; or that none were marked."""
    review = facts.review
    if review is None:
        return {"said_plainly": facts.prose("review_not_given")}
    if not review.areas:
        return {"said_plainly": facts.prose("review_none_marked", exported=review.exported_at[:10])}
    return {
        "said_plainly": facts.prose(
            "review_listed", count=len(review.areas), exported=review.exported_at[:10]
        ),
        "rule": review.rule,
        "areas": {
            str(index): {
                "area": f"{area.lsoa11nm} ({area.lsoa11cd})",
                "round": f"round {area.round} on release {area.release}, {area.asked}",
                "community_verdicts": "; ".join(
                    f"{label}: {shown}" for label, shown in area.verdicts.items()
                ),
                "what_was_found": area.found or "No response written yet",
            }
            for index, area in enumerate(review.areas, start=1)
        },
    }


def transparency_record(facts: RunFacts) -> dict[str, Any]:
    recipe = facts.recipe
    t = recipe.transparency
    chosen = facts.test_metrics[facts.chosen]
    flags = published_flags(facts)
    sources = ", ".join(f"{s['title']} ({s['supplier']})" for s in facts.sources)
    cohorts = facts.counts["cohorts"].values()
    months = recipe.prediction_point.age_months
    when = (
        f"age {months // 12} years {months % 12} months"
        if months is not None
        else "the prediction date (" + " ".join(recipe.prediction_point.description.split()) + ")"
    )
    future = ", ".join(map(str, facts.split["future"])) or "none"
    development = ", ".join(map(str, facts.split["development"]))
    test = ", ".join(map(str, facts.split["test"]))
    return {
        "tier_1": {
            "name": recipe.title,
            "description": facts.prose("record_description", when=when),
            "website": given(t.website, "the public page for this tool"),
            "contact": given(t.contact, "a contact email for questions and complaints"),
        },
        "tier_2": {
            "owner_and_responsibility": {
                "organisation": given(t.organisation, "the organisation responsible"),
                "team": given(t.team, "the team that runs the model"),
                "senior_responsible_owner": given(
                    t.senior_responsible_owner, "the senior responsible owner's role"
                ),
                "external_supplier": given(t.external_supplier, "any external supplier"),
                "data_access_terms": facts.prose(
                    "record_data_access_terms",
                    agreements=", ".join(
                        dict.fromkeys(f"{s['agreement']} v{s['version']}" for s in facts.sources)
                    ),
                ),
            },
            "description_and_rationale": {
                "detailed_description": " ".join(recipe.question.split()),
                "scope": "; ".join(recipe.intended_use),
                "benefit": facts.prose("record_benefit"),
                "previous_process": needed(facts.prose("record_previous_process")),
                "alternatives_considered": facts.prose(
                    "record_alternatives",
                    candidates=", ".join(recipe.model.candidates),
                    reason=facts.reason,
                ),
            },
            "decision_making_process": {
                "process_integration": facts.prose("record_process_integration"),
                "information_provided": facts.prose("record_information_provided"),
                "frequency_and_scale": facts.prose(
                    "record_frequency",
                    scored=facts.count_text(facts.counts["future_units"]),
                    cohorts=future,
                ),
                "human_decisions_and_review": given(
                    t.human_decisions, "who reviews the results and decides what to do"
                ),
                "required_training": given(t.training, "training for people who use the results"),
                "appeals_and_review": given(
                    t.appeals, "how people can question the results or the use of their data"
                ),
            },
            "tool_specification": {
                "architecture": facts.prose("record_architecture"),
                "phase": needed("the phase: pilot, production or retired"),
                "maintenance": facts.prose("record_maintenance"),
                "models": MODEL_WORDS[facts.chosen],
            },
            "model_specification": {
                "name": recipe.id,
                "version": f"recipe {recipe.version}, run {facts.run_id[:16]}",
                "task": facts.prose("record_task"),
                "input": facts.prose("record_input", features=len(facts.features), when=when),
                "output": facts.prose("record_output"),
                "architecture": MODEL_WORDS[facts.chosen]
                + f"; {recipe.model.calibration} calibration",
                "performance": facts.prose(
                    "record_performance",
                    test=test,
                    auc=_with_interval(chosen["auc"]),
                    brier=_with_interval(chosen["brier"]),
                    ece=_with_interval(chosen["ece"]),
                ),
                "added_value": added_value_sentence(facts.added_value_published, recipe.words),
                "performance_by_group": (
                    "Flagged: "
                    + "; ".join(
                        f"{f['attribute']} {f['group']} ({', '.join(f['reasons'])})" for f in flags
                    )
                    if flags
                    else "No group outside the tolerance band."
                ),
                "datasets_and_purposes": facts.prose(
                    "record_datasets", development=development, test=test, future=future
                ),
            },
            "data_specification": {
                "source": sources,
                "modality": "Tabular administrative records",
                "description": facts.prose(
                    "record_data_description",
                    sources=", ".join(
                        dict.fromkeys(
                            s["title"][:1].lower() + s["title"][1:] for s in facts.sources
                        )
                    ),
                ),
                "quantities": facts.prose(
                    "record_quantities",
                    cohort_units=facts.count_text(sum(v["units"] for v in cohorts)),
                    development_units=facts.count_text(facts.counts["development_units"]),
                    test_units=facts.count_text(facts.counts["test_units"]),
                ),
                "sensitive_attributes": facts.prose(
                    "record_sensitive_attributes",
                    groups=", ".join(recipe.fairness.groups),
                ),
                "completeness_and_representativeness": (
                    facts.prose("record_completeness")
                    + "".join(f" {name}: {text}." for name, text in _lacking(facts).items())
                ),
                "collection": "Routine records of each partner, sent as extracts",
                "cleaning": facts.prose("record_cleaning"),
                "data_sharing_agreements": ", ".join(
                    dict.fromkeys(f"{s['agreement']} (review {s['review']})" for s in facts.sources)
                ),
                "data_access_and_storage": facts.prose("record_data_storage"),
            },
            "risks": {
                "impact_assessment": given(
                    t.impact_assessment, "the DPIA and equality impact assessment references"
                ),
                "risks_and_mitigations": {
                    str(index): facts.prose(name)
                    for index, name in enumerate(
                        ("risk_individuals", "risk_stigma", "risk_unequal_accuracy", "risk_drift"),
                        start=1,
                    )
                },
                "areas_communities_disagreed_with": community_review(facts),
            },
        },
    }


# ---- rendering ------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """Leaves as strings or numbers only: lists become numbered mappings, flags become yes/no."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return {str(index): plain(item) for index, item in enumerate(value, start=1)}
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, float) and not math.isfinite(value):
        return "n/a"
    return value


_ACRONYMS = {"auc", "ece", "fnr", "fpr", "asq", "sen", "eal", "cp", "cin", "fsm", "da", "psi"}


def _title(key: str, words: Words) -> str:
    """A key as a heading: acronyms in capitals, and the neutral ``unit``/``units`` of the JSON
    keys in the recipe's words."""
    named = {"unit": words.unit, "units": words.units}
    parts = [w.upper() if w in _ACRONYMS else named.get(w, w) for w in key.split("_")]
    text = " ".join(parts)
    return text[:1].upper() + text[1:]


def _is_table(value: dict[str, Any]) -> bool:
    """Rows of the same fields: two or more, or a single numbered one (a list of one)."""
    rows = list(value.values())
    numbered = all(str(key).isdigit() for key in value)
    if len(rows) < (1 if numbered else 2) or not all(isinstance(row, dict) for row in rows):
        return False
    keys = [tuple(row) for row in rows]
    return len(set(keys)) == 1 and all(
        not isinstance(v, dict) for row in rows for v in row.values()
    )


def _cell(value: Any) -> str:
    if isinstance(value, dict) and TO_COMPLETE in value:
        return f"**To complete:** {value[TO_COMPLETE]}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _render(value: Any, depth: int, lines: list[str], words: Words) -> None:
    if isinstance(value, dict) and TO_COMPLETE in value:
        lines += [f"**To complete:** {value[TO_COMPLETE]}", ""]
        return
    if isinstance(value, dict) and _is_table(value):
        columns = list(next(iter(value.values())))
        lines.append("| | " + " | ".join(_title(c, words) for c in columns) + " |")
        lines.append("|---" * (len(columns) + 1) + "|")
        for name, row in value.items():
            lines.append(f"| {_cell(name)} | " + " | ".join(_cell(row[c]) for c in columns) + " |")
        lines.append("")
        return
    if isinstance(value, dict):
        if value and all(key.isdigit() for key in value):
            lines += [f"{key}. {_cell(item)}" for key, item in value.items()] + [""]
            return
        for key, item in value.items():
            if isinstance(item, dict) and TO_COMPLETE not in item:
                lines += [f"{'#' * min(depth, 6)} {_title(key, words)}", ""]
                _render(item, depth + 1, lines, words)
            else:
                lines += [f"**{_title(key, words)}:** {_cell(item)}", ""]
        return
    lines += [_cell(value), ""]


def markdown(title: str, document: dict[str, Any], preface: str, words: Words) -> str:
    """The document as Markdown, its headings in the recipe's ``words``."""
    lines = [f"# {title}", "", preface, ""]
    _render(document, 2, lines, words)
    return "\n".join(lines).rstrip() + "\n"


BASELINE_PASSAGES = {
    "deprivation": "baseline_deprivation",
    "known_to_services": "baseline_known_to_services",
    "deprivation_and_known": "baseline_deprivation_and_known",
}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _percent(share: float) -> str:
    """A share in whole percent, with one decimal where whole percent would read as none or all
    of them (10 of 4,425 is 0.2%, not 0%), and a bound beyond that."""
    percent = 100 * share
    if percent == 0 or percent == 100 or 1 <= percent <= 99:
        return f"{round(percent)}%"
    if 0.1 <= percent < 1 or 99 < percent <= 99.9:
        return f"{percent:.1f}%"
    return "under 0.1%" if percent < 0.1 else "over 99.9%"


def added_value_sentence(published: dict[str, Any] | None, words: Words) -> str:
    """What the model found that deprivation and service contact alone would have missed, or
    that it found nothing more, in the recipe's words and from the published figures only."""
    if published is None:
        return prose("added_value_not_made", words)
    capacity = _percent(published["capacity"])
    need = published["invisible_need"]
    share = need["unknown_share"]
    if share["value"] is None:
        parts = [prose("added_value_unknown_withheld", words, capacity=capacity)]
    else:
        parts = [
            prose(
                "added_value_unknown",
                words,
                above=f"{need['above_line']:,}",
                capacity=capacity,
                unknown=f"{need['unknown']:,}",
                share=_percent(share["value"]),
                share_low=_percent(share["low"]),
                share_high=_percent(share["high"]),
            )
        ]
        if need["unknown_with_outcome"] is None:
            parts.append(prose("added_value_unknown_outcome_withheld", words))
        else:
            parts.append(
                prose(
                    "added_value_unknown_outcome",
                    words,
                    unknown_with_outcome=f"{need['unknown_with_outcome']:,}",
                )
            )
    best = published["best_baseline"]
    model_auc = published["rankings"]["model"]["auc"]
    difference = published["rankings"][best]["model_minus"]["auc"]
    parts.append(
        prose(
            "added_value_better" if published["model_better"] else "added_value_no_better",
            words,
            baseline=prose(BASELINE_PASSAGES[best], words),
            auc=_num(model_auc["value"], 2),
            baseline_auc=_num(published["rankings"][best]["auc"]["value"], 2),
            difference=_num(difference["value"], 2),
            difference_low=_num(difference["low"], 2),
            difference_high=_num(difference["high"], 2),
        )
    )
    if published["deprivation_simulated"]:
        parts.append(prose("added_value_simulated", words))
    return " ".join(parts)


def _added_value_truth(beside: dict[str, Any]) -> dict[str, str]:
    """The comparison with the baselines from the world's truth: figures over whole test
    cohorts (AUCs), no count."""
    model = beside["model_against_world_deprivation"]
    best = beside["best_achievable"]["comparison"]

    def against(compared: dict[str, Any], name: str) -> str:
        return _with_interval(compared["rankings"][name]["model_minus"]["auc"])

    return {
        "model_auc_minus_world_deprivation": against(model, "deprivation"),
        "model_auc_minus_both_with_world_deprivation": against(model, "deprivation_and_known"),
        "model_better_on_world_deprivation": "yes" if model["model_better"] else "no",
        "best_achievable_auc_minus_world_deprivation": against(best, "deprivation"),
        "best_achievable_auc_minus_known_to_services": against(best, "known_to_services"),
        "best_achievable_better_than_baselines": "yes" if best["model_better"] else "no",
    }


BASELINE_ROWS = ("model", "deprivation", "known_to_services", "deprivation_and_known")


def added_value_section(facts: RunFacts, published: dict[str, Any] | None) -> dict[str, Any]:
    """The model card's comparison with what services already knew, from published figures."""
    recipe = facts.recipe
    sentence = added_value_sentence(published, recipe.words)
    if published is None or recipe.baselines is None:
        return {"said_plainly": sentence}
    percent = round(100 * published["capacity"])
    rankings = published["rankings"]
    need, ahead = published["invisible_need"], published["coming"]

    def shown(value: int | None) -> int | str:
        return "withheld" if value is None else value

    def share(item: dict[str, Any]) -> str:
        return "withheld" if item["value"] is None else _with_interval(item)

    section: dict[str, Any] = {
        "said_plainly": sentence,
        "method": facts.prose(
            "added_value_method",
            deprivation_source="simulated" if published["deprivation_simulated"] else "IoD 2019",
            known_rule=_lower_first(
                " ".join(recipe.baselines.known_to_services.description.split())
            ),
            capacity=f"{percent}%",
            resamples=recipe.validation.bootstrap,
        ),
        "rankings": {
            name: {
                "auc": _with_interval(rankings[name]["auc"]),
                f"precision_top_{percent}": _with_interval(rankings[name]["precision"]),
                f"recall_top_{percent}": _with_interval(rankings[name]["recall"]),
                "model_auc_minus": (
                    _with_interval(rankings[name]["model_minus"]["auc"])
                    if name != "model"
                    else "not applicable"
                ),
            }
            for name in BASELINE_ROWS
        },
        "invisible_need_test_cohorts": {
            "units_above_line": shown(need["above_line"]),
            "of_them_with_outcome": shown(need["above_line_with_outcome"]),
            "known_to_no_service": shown(need["unknown"]),
            "share_known_to_no_service": share(need["unknown_share"]),
            "known_to_no_service_with_outcome": shown(need["unknown_with_outcome"]),
            "share_with_outcome_of_those_unknown": share(need["outcome_share_of_unknown"]),
        },
    }
    if ahead.get("above_line") is not None or ahead.get("unknown") is not None:
        expected = ahead["expected_events_unknown"]
        section["invisible_need_coming_cohorts"] = {
            "units_above_line": shown(ahead["above_line"]),
            "known_to_no_service": shown(ahead["unknown"]),
            "share_known_to_no_service": share(ahead["unknown_share"]),
            "expected_events_among_them": (
                "withheld"
                if expected is None
                else f"{expected['value']} ({expected['low']} to {expected['high']})"
            ),
        }
    return section
