"""The model card and the Algorithmic Transparency Record, generated from the run itself.

Both are built as nested mappings from the run's own figures (:class:`RunFacts`), then written as
JSON and rendered as Markdown from the same mapping, so the two always agree. Leaf values are
strings or numbers; a field only a person can supply is ``{"to_complete": "what is needed"}``
(Markdown: **To complete**). The record follows the UK Algorithmic Transparency Recording
Standard's tier 1 and tier 2 fields.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from bakehouse.features.catalogue import CATALOGUE, SCOPES
from bakehouse.modelling.fairness import publishable
from bakehouse.release.disclosure import DisclosureRules

TO_COMPLETE = "to_complete"


def needed(what: str) -> dict[str, str]:
    return {TO_COMPLETE: what}


def given(value: str | None, what: str) -> str | dict[str, str]:
    return value if value else needed(what)


@dataclass
class RunFacts:
    """Everything the documents say, gathered by the pipeline from the run."""

    recipe: Any  # bakehouse.recipes.Recipe
    recipe_sha256: str
    run_id: str
    code_version: str
    created: str
    as_at: str
    sources: list[dict[str, Any]]  # source, title, supplier, agreement, version, review, rows
    features: list[dict[str, str]]  # name, label, scope
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

    def count(self, value: int) -> int | str:
        """A count as the documents show it."""
        if 0 < value <= self.rules.threshold:
            return f"1 to {self.rules.threshold} (withheld)"
        return self.rules.round(value)

    def count_text(self, value: int) -> str:
        shown = self.count(value)
        return f"{shown:,}" if isinstance(shown, int) else shown


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
        # What a perfectly calibrated model would show on as many children: the ECE's floor.
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
    tested = facts.count_text(audit["children"])
    summary: dict[str, Any] = {
        "method": (
            f"On the {tested} test children, the {_pct(audit['flag_share'])} with the highest "
            f"predicted risk count as flagged. Error rates and precision are compared "
            f"with a reference group as ratios; a ratio outside [{low}, {high}], or a group whose "
            f"observed rate differs from its predicted rate by more than "
            f"{audit['calibration_tolerance']}, is flagged (groups of at least "
            f"{audit['min_group_size']} children only)."
        ),
        "reading": (
            "A well calibrated model flags more children in groups where more children do not "
            "reach GLD, so such groups have lower false negative and higher false positive rates: "
            "error-rate ratios far from 1 there reflect different needs, not necessarily unfair "
            "treatment. For planning by area, calibration within each group matters most: a "
            "group whose observed rate is above its predicted rate has its need underestimated."
        ),
    }
    published = publishable(audit, facts.rules)
    groups: dict[str, Any] = {}
    for row in published["groups"]:
        reference = published["reference"].get(row["attribute"]) == row["group"]
        label = f"{row['attribute']}: {row['group']}" + (" (reference)" if reference else "")
        groups[label] = {
            "children": _published_count(row["size"], facts) if row["size"] != 0 else 0,
            "fnr": _of(row, "fnr", "missed", "with_outcome"),
            "fpr": _of(row, "fpr", "false_flags", "without_outcome"),
            "precision": _of(row, "precision", "true_flags", "flagged_children"),
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
        feeds = [
            f["name"]
            for f in facts.features
            if f["name"] in CATALOGUE and CATALOGUE[f["name"]].source == item["source"]
        ]
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


def _caveats(facts: RunFacts) -> dict[str, str]:
    caveats = []
    if facts.shortfalls:
        caveats.append(
            "The model was trained and scores without the full data of "
            + ", ".join(item["source"] for item in facts.shortfalls)
            + " (see data, sources_lacking): its figures may differ from a model with them."
        )
    if facts.review_share is not None:
        caveats.append(
            f"A child's development is seen only through the 2-2.5 year review: "
            f"{_pct(1 - facts.review_share)} of the test children had no review before their "
            f"prediction date, and for them the model relies on family circumstances alone."
        )
    caveats.append(
        "Cohort membership, the LSOA at the prediction date and moves of home come from linkage "
        "over the whole extract, which also uses records made after the prediction date to "
        "place people; every feature reads only records dated before that date."
    )
    caveats.append(
        "A child's own English as an additional language, ethnicity and special educational "
        "needs are recorded at school, after the prediction date: they are audit groups, not "
        "features. Family language is known earlier only through an older child at school."
    )
    if facts.split.get("unobserved"):
        caveats.append(
            f"Cohorts {', '.join(map(str, facts.split['unobserved']))} have no EYFSP results "
            "(not collected) and were used for nothing."
        )
    if facts.split.get("partial"):
        caveats.append(
            f"Cohorts {', '.join(map(str, facts.split['partial']))} had not all reached the "
            "prediction point by the extract date; "
            + (
                "they are scored, and their totals are incomplete."
                if facts.recipe.cohort.score_partial_cohorts
                else "they are left out of the future demand."
            )
        )
    flagged = published_flags(facts)
    if flagged:
        caveats.append(
            "The fairness audit flags "
            + ", ".join(f"{flag['attribute']} {flag['group']}" for flag in flagged)
            + ": read the fairness section before using the results for those groups."
        )
    caveats.append(
        "The test cohorts are the latest with results; later cohorts may differ (policy, "
        "services, the pandemic's effects), so the model is retrained and re-audited each year."
    )
    if facts.truth is not None:
        caveats.append(
            "These figures come from a synthetic world, not real children: they show the method "
            "works, not how well it would work on a partnership's data."
        )
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
            "calibration": (
                f"{recipe.model.calibration} scaling fitted on held-out development cohorts "
                "(each predicted by a model trained without it)"
            ),
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
                    "children": facts.count(values["children"]),
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
            "method": (
                f"Temporal validation: trained on cohorts "
                f"{', '.join(map(str, facts.split['development']))}; tested on the latest "
                f"cohorts with results, {', '.join(map(str, facts.split['test']))} "
                f"({facts.count_text(facts.counts['test_children'])} children). Intervals are 95% "
                f"bootstrap intervals ({recipe.validation.bootstrap} resamples). ECE uses "
                f"{recipe.validation.ece_bins} equal-count bins."
            ),
            "headline": _headline(facts),
            "metrics_by_model": _metric_rows(facts),
            "calibration_plot": {
                str(index): {
                    "predicted": _num(point["predicted"]),
                    "observed": _num(point["observed"]),
                    "observed_interval": f"{_num(point['observed_low'])} to "
                    f"{_num(point['observed_high'])}",
                    "children": facts.count(int(point["children"])),
                }
                for index, point in enumerate(facts.calibration_curve, start=1)
            },
        },
        "fairness": _fairness_summary(facts),
        "explanations": {
            str(item["rank"]): {"feature": item["feature"], "explanation": item["text"]}
            for item in facts.importance[:10]
        },
        "caveats": _caveats(facts),
    }
    if facts.truth is not None:
        t = facts.truth
        card["synthetic_world_check"] = {
            "best_achievable_auc": _num(t["best_achievable_auc"]),
            "model_auc_same_children": _num(t["model_auc"]),
            "gap": f"{_num(t['gap'])} ({_num(t['gap_interval'][0])} to "
            f"{_num(t['gap_interval'][1])})",
            "best_achievable_auc_all_assessed": _num(t["best_achievable_auc_all_assessed"]),
            "auc_with_hindsight_of_development": _num(t["hindsight_auc"]),
            "gap_to_hindsight": f"{_num(t['gap_to_hindsight'])} "
            f"({_num(t['gap_to_hindsight_interval'][0])} to "
            f"{_num(t['gap_to_hindsight_interval'][1])})",
            "ece_of_true_probabilities": _num(t["ece_of_true_probabilities"]),
            "ece_of_true_probabilities_by_chance": _with_interval(
                t["ece_of_true_probabilities_by_chance"]
            ),
            "children_measured": facts.count(t["children_measured"]),
            "note": t["note"],
        }
    return card


def transparency_record(facts: RunFacts) -> dict[str, Any]:
    recipe = facts.recipe
    t = recipe.transparency
    chosen = facts.test_metrics[facts.chosen]
    flags = published_flags(facts)
    sources = ", ".join(f"{s['title']} ({s['supplier']})" for s in facts.sources)
    cohorts = facts.counts["cohorts"].values()
    return {
        "tier_1": {
            "name": recipe.title,
            "description": (
                "Estimates how many young children in each small area are likely not to reach a "
                "Good Level of Development at the end of Reception, from partner agencies' "
                "pseudonymised records up to age 2 years 6 months, so that early years support "
                "can be planned with communities. No decision about a child or family is made "
                "with it."
            ),
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
                "data_access_terms": "Data sharing agreements: "
                + ", ".join(
                    dict.fromkeys(f"{s['agreement']} v{s['version']}" for s in facts.sources)
                )
                + ". Analysts see pseudonymised records only; identifiers stay with the "
                "custodian.",
            },
            "description_and_rationale": {
                "detailed_description": " ".join(recipe.question.split()),
                "scope": "; ".join(recipe.intended_use),
                "benefit": (
                    "Early years support can be planned where need will arise, years before "
                    "children start school, with intervals that show how sure the estimate is."
                ),
                "previous_process": needed("how early years support was planned before"),
                "alternatives_considered": (
                    f"Candidates: {', '.join(recipe.model.candidates)}; chosen by a stated rule "
                    f"({facts.reason}). Published area statistics alone "
                    "describe children already at school, years too late for early help."
                ),
            },
            "decision_making_process": {
                "process_integration": (
                    "Results are published only as small-area estimates with intervals, beside "
                    "community insight and the asset register; the model card and fairness audit "
                    "are published with them."
                ),
                "information_provided": (
                    "Per small area: expected number and share of children not ready for school "
                    "with 95% intervals, rank with rank interval, and the features raising need "
                    "most, in plain words."
                ),
                "frequency_and_scale": (
                    f"Retrained when new EYFSP results arrive (yearly); this run scored "
                    f"{facts.count_text(facts.counts['future_children'])} children of cohorts "
                    f"{', '.join(map(str, facts.split['future'])) or 'none'}."
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
                "architecture": (
                    "Agency extracts are split into identifiers (custodian) and attributes "
                    "(analysts), linked by keyed hashes, turned into features as of each child's "
                    "prediction date, modelled, and aggregated to small areas with disclosure "
                    "control before anything is published."
                ),
                "phase": needed("the phase: pilot, production or retired"),
                "maintenance": (
                    "Each run is identified by the hash of its recipe, data and code; it is "
                    "retrained and re-audited when new results arrive or the recipe changes."
                ),
                "models": MODEL_WORDS[facts.chosen],
            },
            "model_specification": {
                "name": recipe.id,
                "version": f"recipe {recipe.version}, run {facts.run_id[:16]}",
                "task": "Binary classification: not reaching GLD at the end of Reception",
                "input": f"{len(facts.features)} features of the child and household, as of age "
                f"{recipe.prediction_point.age_months // 12} years "
                f"{recipe.prediction_point.age_months % 12} months",
                "output": "A calibrated probability per child, used only to sum by small area",
                "architecture": MODEL_WORDS[facts.chosen]
                + f"; {recipe.model.calibration} calibration",
                "performance": (
                    f"On the test cohorts {', '.join(map(str, facts.split['test']))}: AUC "
                    f"{_with_interval(chosen['auc'])}, Brier score "
                    f"{_with_interval(chosen['brier'])}, expected calibration error "
                    f"{_with_interval(chosen['ece'])}."
                ),
                "performance_by_group": (
                    "Flagged: "
                    + "; ".join(
                        f"{f['attribute']} {f['group']} ({', '.join(f['reasons'])})" for f in flags
                    )
                    if flags
                    else "No group outside the tolerance band."
                ),
                "datasets_and_purposes": (
                    f"Development cohorts {', '.join(map(str, facts.split['development']))} "
                    f"(training, calibration, choice); test cohorts "
                    f"{', '.join(map(str, facts.split['test']))} (measurement); future cohorts "
                    f"{', '.join(map(str, facts.split['future'])) or 'none'} (scored)."
                ),
            },
            "data_specification": {
                "source": sources,
                "modality": "Tabular administrative records",
                "description": (
                    "Health visiting contacts, children's social care referrals, funded early "
                    "education, the school census with EYFSP results, domestic abuse incidents, "
                    "housing benefit and council tax reduction claims, homelessness cases."
                ),
                "quantities": (
                    f"{facts.count_text(sum(v['children'] for v in cohorts))} children in the "
                    f"cohorts; "
                    f"{facts.count_text(facts.counts['development_children'])} used to train and "
                    f"{facts.count_text(facts.counts['test_children'])} to test."
                ),
                "sensitive_attributes": (
                    "Special category data (health, ethnicity) and criminal offence data "
                    "(domestic abuse incidents) under the agreements' Article 9 and 10 conditions. "
                    "Ethnicity, language and special educational needs are used only to audit "
                    "fairness."
                ),
                "completeness_and_representativeness": (
                    "Children are linked across agencies without a common identifier; linkage "
                    "completeness is one of the audited groups. Families unknown to services "
                    "before the prediction date carry fewer signals."
                    + "".join(f" {name}: {text}." for name, text in _lacking(facts).items())
                ),
                "collection": "Routine records of each partner, sent as extracts",
                "cleaning": (
                    "Validated against each source's specification; rows failing checks are "
                    "quarantined and counted, invalid values in optional fields nulled and "
                    "counted; duplicates and late records reported."
                ),
                "data_sharing_agreements": ", ".join(
                    dict.fromkeys(f"{s['agreement']} (review {s['review']})" for s in facts.sources)
                ),
                "data_access_and_storage": (
                    "Identifiers and attributes are held apart; the model runs in the analysis "
                    "environment on pseudonymised data; only area-level, disclosure-checked "
                    "results leave it."
                ),
            },
            "risks": {
                "impact_assessment": given(
                    t.impact_assessment, "the DPIA and equality impact assessment references"
                ),
                "risks_and_mitigations": {
                    "1": "Use on individual children or families: outputs are area totals only; "
                    "person-level scores never leave the analysis environment.",
                    "2": "Stigmatising areas: results are published with intervals and "
                    "validated with the communities concerned.",
                    "3": "Unequal accuracy between groups: the fairness audit is run on every "
                    "training run and published; flagged groups are named in the model card.",
                    "4": "Drift: the model is retested on the latest cohorts each year.",
                },
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


_ACRONYMS = {"auc", "ece", "fnr", "fpr", "asq", "gld", "sen", "eal", "cp", "cin", "fsm", "da"}


def _title(key: str) -> str:
    words = [w.upper() if w in _ACRONYMS else w for w in key.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _is_table(value: dict[str, Any]) -> bool:
    rows = list(value.values())
    if len(rows) < 2 or not all(isinstance(row, dict) for row in rows):
        return False
    keys = [tuple(row) for row in rows]
    return len(set(keys)) == 1 and all(
        not isinstance(v, dict) for row in rows for v in row.values()
    )


def _cell(value: Any) -> str:
    if isinstance(value, dict) and TO_COMPLETE in value:
        return f"**To complete:** {value[TO_COMPLETE]}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _render(value: Any, depth: int, lines: list[str]) -> None:
    if isinstance(value, dict) and TO_COMPLETE in value:
        lines += [f"**To complete:** {value[TO_COMPLETE]}", ""]
        return
    if isinstance(value, dict) and _is_table(value):
        columns = list(next(iter(value.values())))
        lines.append("| | " + " | ".join(_title(c) for c in columns) + " |")
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
                lines += [f"{'#' * min(depth, 6)} {_title(key)}", ""]
                _render(item, depth + 1, lines)
            else:
                lines += [f"**{_title(key)}:** {_cell(item)}", ""]
        return
    lines += [_cell(value), ""]


def markdown(title: str, document: dict[str, Any], preface: str) -> str:
    lines = [f"# {title}", "", preface, ""]
    _render(document, 2, lines)
    return "\n".join(lines).rstrip() + "\n"
