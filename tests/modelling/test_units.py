"""The modelling parts on their own: temporal split, metrics, calibration, fairness audit and
saved models, each on data made in the test."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from bakehouse.features.cohort import complete_cohorts, last_prediction_date
from bakehouse.modelling import documents, metrics
from bakehouse.modelling.calibration import Calibrator, sigmoid
from bakehouse.modelling.fairness import audit, flag_top, publishable
from bakehouse.modelling.learners import Boosted, Logistic
from bakehouse.modelling.split import ModelError, temporal_split
from bakehouse.recipes import load_recipe
from bakehouse.recipes.schema import Words
from bakehouse.release.disclosure import DisclosureRules

RECIPE = load_recipe("school-readiness").recipe
COVERAGE = {
    2017: 0.93,
    2018: 0.92,
    2019: 0.9,
    2020: 0.0,
    2021: 0.0,
    2022: 0.91,
    2023: 0.9,
    2024: 0.88,
    2025: 0.85,
    2026: 0.0,
    2027: 0.0,
    2028: 0.0,
}


def _split(**overrides: object) -> object:
    options: dict[str, object] = {
        "min_coverage": 0.5,
        "test_cohorts": 2,
        "min_training_cohorts": 3,
        "complete": complete_cohorts(
            RECIPE.cohort,
            RECIPE.prediction_point.age_months,
            date(2025, 9, 30),
            pa.table({"cohort": list(COVERAGE)}),
        ),
    }
    return temporal_split(COVERAGE, **(options | overrides))  # type: ignore[arg-type]


def test_the_latest_observed_cohorts_test_and_the_complete_later_ones_are_scored() -> None:
    split = _split()
    assert split.development == [2017, 2018, 2019, 2022, 2023]  # type: ignore[attr-defined]
    assert split.test == [2024, 2025]  # type: ignore[attr-defined]
    assert split.unobserved == [2020, 2021]  # type: ignore[attr-defined]
    # Cohort 2028's youngest (born August 2023) reach 2.5 in February 2026: after the extract.
    assert split.future == [2026, 2027]  # type: ignore[attr-defined]
    assert split.partial == [2028]  # type: ignore[attr-defined]
    assert last_prediction_date(RECIPE.cohort, 2028, 30) == date(2026, 2, 1)  # type: ignore[arg-type]


def test_training_never_sees_a_test_cohort_or_anything_later() -> None:
    split = _split(test_cohorts=3)
    assert max(split.development) < min(split.test)  # type: ignore[attr-defined]
    assert max(split.test) < min(split.future)  # type: ignore[attr-defined]


def test_too_few_observed_cohorts_is_refused_with_what_to_change() -> None:
    with pytest.raises(ModelError, match="validation.test_cohorts"):
        _split(test_cohorts=4, min_training_cohorts=4)


def test_metrics_agree_with_scikit_learn() -> None:
    rng = np.random.default_rng(1)
    p = rng.random(2000)
    y = (rng.random(2000) < p).astype(float)
    assert metrics.auc(y, p) == pytest.approx(roc_auc_score(y, p))
    assert metrics.average_precision(y, p) == pytest.approx(average_precision_score(y, p))
    assert metrics.brier(y, p) == pytest.approx(brier_score_loss(y, p))
    precision, recall = metrics.top_k(y, p, 0.1)
    top = np.argsort(-p)[:200]
    assert precision == pytest.approx(y[top].mean())
    assert recall == pytest.approx(y[top].sum() / y.sum())


def test_calibration_on_held_out_predictions_removes_a_systematic_overstatement() -> None:
    rng = np.random.default_rng(2)
    z = rng.normal(-0.7, 1.0, 20000)
    y = (rng.random(20000) < sigmoid(z)).astype(float)
    overconfident = 2.0 * z + 1.0  # a model whose log-odds are stretched and shifted
    fit, held = slice(0, 10000), slice(10000, None)
    before = metrics.ece(y[held], sigmoid(overconfident[held]))
    calibrator = Calibrator("platt").fit(overconfident[fit], y[fit])
    after = metrics.ece(y[held], calibrator.probability(overconfident[held]))
    assert before > 0.1
    assert after < 0.02
    assert calibrator.slope_ == pytest.approx(0.5, abs=0.05)
    restored = Calibrator.from_json(calibrator.to_json())
    assert np.allclose(restored.probability(overconfident), calibrator.probability(overconfident))


def test_bootstrap_intervals_hold_the_value_and_narrow_with_more_children() -> None:
    rng = np.random.default_rng(3)
    widths = []
    for n in (500, 5000):
        p = rng.random(n)
        y = (rng.random(n) < p).astype(float)
        result = metrics.evaluate(y, p, [0.2], 10, metrics.bootstrap_indices(n, 200, 1))
        assert result["ece"]["value"] == pytest.approx(metrics.ece(y, p))
        assert result["precision_top_20"]["value"] == pytest.approx(metrics.top_k(y, p, 0.2)[0])
        assert result["auc"]["low"] <= result["auc"]["value"] <= result["auc"]["high"]
        widths.append(result["auc"]["high"] - result["auc"]["low"])
    assert widths[1] < widths[0] / 2


def test_a_perfectly_calibrated_model_s_ece_is_not_zero_and_shrinks_with_more_children() -> None:
    rng = np.random.default_rng(5)
    floors = []
    for n in (1_000, 16_000):
        p = rng.uniform(0.1, 0.7, n)
        chance = metrics.ece_by_chance(p, 10, seed=1)
        assert 0 < chance["low"] <= chance["value"] <= chance["high"]
        # The ECE of outcomes truly drawn from p falls within the range chance gives.
        y = (rng.random(n) < p).astype(float)
        assert chance["low"] <= metrics.ece(y, p) <= chance["high"] + 0.005
        floors.append(chance["value"])
    assert floors[1] < floors[0] / 2  # about 1 / sqrt(n)


def _population(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Children whose predicted risk is right on average, but one group's real risk is higher
    than the model knows and everyone else's a little lower (the disparity injected)."""
    rng = np.random.default_rng(seed)
    predicted = sigmoid(rng.normal(-0.8, 1.0, n))
    language = np.where(rng.random(n) < 0.2, "yes", "no")
    sex = np.where(rng.random(n) < 0.5, "F", "M")
    real = np.clip(np.where(language == "yes", predicted + 0.2, predicted - 0.05), 0, 1)
    y = (rng.random(n) < real).astype(float)
    return (
        y,
        predicted,
        {
            "sex": sex,
            "eal": language,
            "ethnicity": np.full(n, "WBRI"),
            "sen": np.full(n, "no"),
            "deprivation_quintile": np.full(n, "3"),
            "linkage_completeness": np.full(n, "1"),
        },
    )


def test_the_fairness_audit_flags_a_disparity_injected_on_purpose() -> None:
    y, p, groups = _population(6000, seed=4)
    result = audit(y, p, groups, RECIPE.fairness, resamples=100, seed=1)
    flagged = {(flag["attribute"], flag["group"]) for flag in result["flags"]}
    assert ("eal", "yes") in flagged
    assert ("sex", "M") not in flagged and ("sex", "F") not in flagged
    eal = next(a for a in result["attributes"] if a["attribute"] == "eal")
    yes = next(g for g in eal["groups"] if g["group"] == "yes")
    assert eal["reference"] == "no"
    assert yes["observed_rate"] - yes["predicted_rate"] > 0.15  # need underestimated
    assert yes["fnr_ratio"] > 1  # more of its children missed
    assert any("observed rate above predicted" in reason for reason in yes["reasons"])
    assert yes["intervals"]["calibration"][0] > 0.1


def test_the_audits_intervals_are_those_of_each_resample_taken_group_by_group() -> None:
    y, p, groups = _population(2000, seed=7)
    groups["ethnicity"] = np.where(np.arange(2000) < 3, "OTHE", "WBRI")  # absent from resamples
    result = audit(y, p, groups, RECIPE.fairness, resamples=40, seed=2)
    flagged = flag_top(p, RECIPE.fairness.flag_share)
    y = y.astype(bool)
    for attribute in ("eal", "ethnicity"):
        found = next(a for a in result["attributes"] if a["attribute"] == attribute)
        reference = found["reference"]
        for row in found["groups"]:
            fnr, ratio, calibration = [], [], []
            for drawn in metrics.bootstrap_indices(len(y), 40, 2):
                values = groups[attribute][drawn]
                own, ref = values == row["group"], values == reference
                ys, fs, ps = y[drawn], flagged[drawn], p[drawn]
                miss = ((ys & ~fs)[own].sum() / ys[own].sum()) if ys[own].any() else np.nan
                ref_miss = (ys & ~fs)[ref].sum() / ys[ref].sum()
                fnr.append(miss)
                ratio.append(miss / ref_miss if ref_miss else np.nan)
                calibration.append(ys[own].mean() - ps[own].mean() if own.any() else np.nan)
            for name, draws in (("fnr", fnr), ("fnr_ratio", ratio), ("calibration", calibration)):
                finite = np.array([d for d in draws if np.isfinite(d)])
                expected = np.percentile(finite, [2.5, 97.5]) if len(finite) >= 10 else [None] * 2
                got = row["intervals"][name]
                assert (got == [None, None]) if expected[0] is None else np.allclose(got, expected)


def test_the_published_audit_rounds_sizes_and_hides_small_groups() -> None:
    y, p, groups = _population(3000, seed=5)
    groups["ethnicity"] = np.where(np.arange(3000) < 6, "OTHE", "WBRI")
    sizes = audit(y, p, groups, RECIPE.fairness, resamples=50, seed=1)
    result = publishable(sizes, DisclosureRules(threshold=7, rounding=5))
    rows = {(g["attribute"], g["group"]): g for g in result["groups"]}
    small = rows[("ethnicity", "OTHE")]
    assert small["size"] is None and small["size_suppressed"] and small["fnr"] is None
    assert all(g["size"] is None or g["size"] % 5 == 0 for g in result["groups"])
    assert result["tolerance"] == [0.8, 1.25]


def test_saved_models_reload_from_text_and_give_the_same_scores() -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(size=(3000, 4))
    x[rng.random((3000, 4)) < 0.1] = np.nan
    y = (rng.random(3000) < sigmoid(np.nan_to_num(x[:, 0]) - 0.5)).astype(float)
    logistic = Logistic(RECIPE.model.logistic).fit(x, y)
    reloaded = Logistic.load(RECIPE.model.logistic, logistic.save()["logistic.json"])
    assert np.allclose(reloaded.raw(x), logistic.raw(x))
    boosted = Boosted(RECIPE.model.lightgbm, [1, 0, 0, 0], 50, 1, RECIPE.model.logistic)
    boosted.fit(x, y, ["a", "b", "c", "d"])
    files = boosted.save()
    assert set(files) == {"lightgbm.txt", "lightgbm.json", "lightgbm_start.json"}
    again = Boosted.load(RECIPE.model.lightgbm, [1, 0, 0, 0], files, RECIPE.model.logistic)
    assert np.allclose(again.raw(x), boosted.raw(x))
    contributions, bias = boosted.contributions(x)
    assert np.allclose(contributions.sum(axis=1) + bias, boosted.raw(x))


def test_the_published_audit_computes_every_figure_from_its_published_counts() -> None:
    y, p, groups = _population(6000, seed=4)
    rules = DisclosureRules(threshold=7, rounding=5)
    result = publishable(audit(y, p, groups, RECIPE.fairness, resamples=20, seed=1), rules)
    eal = next(g for g in result["groups"] if (g["attribute"], g["group"]) == ("eal", "yes"))
    assert eal["fnr"] == eal["missed"] / eal["with_outcome"]
    assert eal["fpr"] == eal["false_flags"] / eal["without_outcome"]
    assert eal["precision"] == eal["true_flags"] / eal["flagged_units"]
    assert all(v % 5 == 0 for v in (eal["size"], eal["missed"], eal["false_flags"]))
    low, high = metrics.wilson(eal["missed"], eal["with_outcome"])
    assert eal["fnr_interval"] == pytest.approx([low, high], abs=1e-5)
    # The disparity injected is still found, and the reason quotes the published figures.
    assert eal["flagged"] and "observed rate above predicted" in eal["reasons"]
    assert eal["calibration"] == pytest.approx(eal["observed_rate"] - eal["expected"] / eal["size"])


HOUSEHOLDS = Words(
    unit="household",
    units="households",
    outcome="becoming homeless within a year",
    events="households becoming homeless",
    event_rate="share of households becoming homeless",
    population="households living in the area",
    coming="the next year",
)


def test_document_prose_speaks_the_recipe_s_words() -> None:
    school = load_recipe("school-readiness").recipe.words
    assert documents.prose("record_description", school, when="age 2 years 6 months") == (
        "Estimates how many children not ready for school each small area should expect in the "
        "cohorts still to start school, from partner agencies' pseudonymised records up to age "
        "2 years 6 months, so that support can be planned with communities. No decision about "
        "a child or family is made with it."
    )
    text = documents.prose(
        "record_description", HOUSEHOLDS, when="the prediction date (each 1 April)"
    )
    assert "households becoming homeless" in text and "the next year" in text
    assert "child" not in text and "school" not in text
    assert documents.prose("record_completeness", HOUSEHOLDS).startswith("Households are linked")


def test_a_passage_without_a_value_for_a_placeholder_is_an_error() -> None:
    with pytest.raises(KeyError, match="when"):
        documents.prose("record_description", HOUSEHOLDS)


def test_every_passage_of_the_prose_is_used_by_the_documents() -> None:
    source = Path(documents.__file__).read_text(encoding="utf-8")
    names = re.findall(r"^## (\w+)$", documents.PROSE.read_text(encoding="utf-8"), re.M)
    assert names
    assert [name for name in names if f'"{name}"' not in source] == []


def test_markdown_headings_name_the_units_in_the_recipe_s_words() -> None:
    document = {
        "cohorts": {
            "2024": {"units": 35, "with_outcome": 10},
            "2025": {"units": 40, "with_outcome": 15},
        },
        "units_measured": 75,
    }
    text = documents.markdown("Model card", document, "Generated.", HOUSEHOLDS)
    assert "| | Households | With outcome |" in text
    assert "**Households measured:** 75" in text
    assert "units" not in text.lower()


def test_ece_and_its_chance_range_do_not_depend_on_the_order_of_tied_predictions() -> None:
    # A calibration map's plateau: a third of the units share one prediction. Rows come in the
    # order of their pseudonyms, which a new custodian key reshuffles.
    rng = np.random.default_rng(3)
    n = 9_000
    p = np.where(rng.random(n) < 0.35, 0.01, rng.uniform(0.01, 0.3, n))
    y = (rng.random(n) < p * 1.2).astype(float)
    first = (metrics.ece(y, p), metrics.ece_by_chance(p, 10, seed=1))
    curve = metrics.calibration_curve(y, p)
    for seed in range(5):
        shuffled = np.random.default_rng(seed).permutation(n)
        assert metrics.ece(y[shuffled], p[shuffled]) == pytest.approx(first[0], abs=1e-12)
        assert metrics.ece_by_chance(p[shuffled], 10, seed=1)["high"] == pytest.approx(
            first[1]["high"], abs=1e-3
        )
        assert metrics.calibration_curve(y[shuffled], p[shuffled]) == [
            pytest.approx(point) for point in curve
        ]
        assert metrics.all_metrics(y[shuffled], p[shuffled], [0.1], 10)["ece"] == pytest.approx(
            first[0], abs=1e-12
        )


def test_units_with_one_prediction_share_a_calibration_bin() -> None:
    p = np.array([0.1] * 6 + [0.2, 0.3, 0.4, 0.5])
    y = np.array([0, 0, 0, 0, 0, 1, 0, 1, 0, 1], dtype=float)
    curve = metrics.calibration_curve(y, p, bins=5)
    # The six equal predictions are one bin, not split across the first three.
    assert curve[0]["units"] == 6 and curve[0]["predicted"] == pytest.approx(0.1)
    assert sum(point["units"] for point in curve) == len(p)
    assert metrics.ece(y, p, 5) == pytest.approx(
        sum(pt["units"] * abs(pt["observed"] - pt["predicted"]) for pt in curve) / len(p)
    )
