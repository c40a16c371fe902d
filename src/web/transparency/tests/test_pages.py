"""How this works: the release's documents in plain words, honest about what a run did not
produce, and the public summary of the data sharing agreements."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from web.releases.models import Document, DocumentName, Release
from web.releases.tests.builder import ReleaseSpec, write_release
from web.releases.tests.fixtures import import_published
from web.transparency.agreements import agreement_summaries
from web.transparency.documents import label, render

pytestmark = pytest.mark.django_db
SCHOOL = {"recipe": "school-readiness"}


def test_the_model_card_is_drawn_from_the_release_with_fields_still_to_complete(
    client: Client, release: Release
) -> None:
    html = client.get(reverse("transparency:model_card", kwargs=SCHOOL)).content.decode()
    assert '<h2 class="govuk-heading-m">Performance</h2>' in html
    assert "Test AUC" in html and "0.781" in html
    assert "To be completed</strong> Name the senior responsible owner" in html
    assert "1 field is still to be completed" in html
    markdown = client.get(reverse("transparency:model_card_markdown", kwargs=SCHOOL))
    assert markdown["Content-Type"] == "text/plain; charset=utf-8"
    assert markdown.content.decode().startswith("# Model card")


def test_the_transparency_record_keeps_the_standard_s_tiers(
    client: Client, release: Release
) -> None:
    html = client.get(reverse("transparency:transparency_record", kwargs=SCHOOL)).content.decode()
    assert ">Tier 1</h2>" in html
    assert ">Owner and responsibility</h3>" in html
    assert "2 fields are still to be completed" in html


def test_the_fairness_audit_shows_each_group_and_what_is_outside_tolerance(
    client: Client, release: Release
) -> None:
    html = client.get(reverse("transparency:fairness", kwargs=SCHOOL)).content.decode()
    assert "Summer born (compared with: No)" in html
    assert "No (reference)</th>" in html
    assert "24.0%" in html  # missed share of summer-born children
    assert (
        '<th scope="col" class="govuk-table__header govuk-table__header--numeric">Children</th>'
        in html
    )
    assert "1 group is outside the tolerance" in html
    assert "0.8 to 1.25" in html
    assert "31.0% (27.1% to 35.2%)" in html  # the missed share of girls with its interval
    assert "0.02 (-0.004 to 0.045)" in html  # calibration with its interval


def test_documents_a_run_did_not_produce_say_so_with_the_reason(
    client: Client, tmp_path: Path
) -> None:
    spec = ReleaseSpec(not_produced=frozenset({"fairness", "linkage_summary", "model_card"}))
    import_published(write_release(tmp_path, spec))
    for name in ("transparency:fairness", "transparency:data_quality", "transparency:model_card"):
        html = client.get(reverse(name, kwargs=SCHOOL)).content.decode()
        assert "Not produced by this run" in html, name
        assert "Nothing has been filled in" in html, name
    overview = client.get(reverse("transparency:recipe", kwargs=SCHOOL)).content.decode()
    assert overview.count("Not produced by this run.") == 2  # model card and fairness


def test_summaries_become_tables(client: Client, release: Release) -> None:
    html = client.get(reverse("transparency:data_quality", kwargs=SCHOOL)).content.decode()
    assert '<th scope="col" class="govuk-table__header">Quarantined</th>' in html
    assert "9,150" in html
    assert "Linkage quality summary" in html


def test_labels_and_deep_objects() -> None:
    assert label("fnr_ratio") == "False negative rate ratio"
    assert label("tier_1") == "Tier 1"
    document = Document(
        name=DocumentName.MODEL_CARD,
        content={"a": {"b": {"c": {"d": 1.5}}}, "list": [1, 2]},
        markdown="",
    )
    rendered = render(document)
    deep = rendered.section.sections[0].sections[0].entries[0]
    assert (deep.label, deep.entries[0].value) == ("C", "1.5")
    assert rendered.section.entries[0].items == ("1", "2")


def test_agreements_show_parties_purpose_lawful_basis_and_review_date(client: Client) -> None:
    html = client.get(reverse("transparency:agreements")).content.decode()
    assert "Domestic abuse incidents for early help and school readiness analytics" in html
    assert "Essex Police (controller)" in html
    assert "UK GDPR Article 6" in html
    assert "Next review by 31 March 2027" in html
    assert "Criminal offence data (Article 10)" in html


def test_an_agreement_past_its_review_date_is_not_in_force() -> None:
    early = {summary.id: summary for summary in agreement_summaries(date(2026, 3, 1))}
    late = {summary.id: summary for summary in agreement_summaries(date(2027, 5, 1))}
    assert early["DSA-EP-DA-2026"].in_force
    assert not late["DSA-EP-DA-2026"].in_force
    assert "review date" in late["DSA-EP-DA-2026"].status
    before = {summary.id: summary for summary in agreement_summaries(date(2025, 12, 1))}
    assert before["DSA-NHS-HV-2026"].status.startswith("Not in force until")


def _share(part: int, whole: int) -> dict[str, float]:
    from bakehouse.modelling.metrics import wilson

    low, high = wilson(part, whole)
    return {"value": round(part / whole, 4), "low": round(low, 4), "high": round(high, 4)}


def _published_comparison(model_auc: float, baseline_auc: float) -> dict[str, object]:
    """The run's ``added_value.json`` as the pipeline writes it, for a model with the given AUC
    against the best baseline (known to services), its paired interval 0.04 either side."""
    from bakehouse.modelling.documents import added_value_sentence
    from bakehouse.recipes import load_recipe

    figure = {"value": 0.5, "low": 0.45, "high": 0.55}
    difference = model_auc - baseline_auc
    rankings: dict[str, object] = {
        "model": {"auc": {"value": model_auc, "low": model_auc - 0.03, "high": model_auc + 0.03},
                  "precision": figure, "recall": figure},
    }  # fmt: skip
    for name, auc in (
        ("deprivation", 0.6),
        ("known_to_services", baseline_auc),
        ("deprivation_and_known", 0.62),
    ):
        rankings[name] = {
            "auc": {"value": auc, "low": auc - 0.03, "high": auc + 0.03},
            "precision": figure,
            "recall": figure,
            "model_minus": {
                "auc": {"value": model_auc - auc, "low": model_auc - auc - 0.04,
                        "high": model_auc - auc + 0.04},
                "precision": {"value": 0.0, "low": -0.1, "high": 0.1},
                "recall": {"value": 0.0, "low": -0.1, "high": 0.1},
            },
        }  # fmt: skip
    published: dict[str, object] = {
        "capacity": 0.1,
        "best_baseline": "known_to_services",
        "model_better": difference - 0.04 > 0,
        "deprivation_simulated": False,
        "rankings": rankings,
        "invisible_need": {
            "units": 2100, "above_line": 210, "above_line_with_outcome": 120, "unknown": 95,
            "unknown_with_outcome": 40,
            "unknown_share": _share(95, 210),
            "outcome_share_of_unknown": _share(40, 95),
        },
        "coming": {"units": 0},
        "rule": "suppress 1-7, round others to 5",
    }  # fmt: skip
    words = load_recipe("school-readiness").recipe.words
    return {"made": True, "sentence": added_value_sentence(published, words), **published}


def _release_saying(tmp_path: Path, comparison: dict[str, object] | None) -> Release:
    from bakehouse.release.added_value import added_value_table
    from web.releases.tests.builder import read_manifest
    from web.releases.tests.builder import write_manifest as sign_manifest

    folder = write_release(tmp_path, ReleaseSpec())
    if comparison is not None:
        table = added_value_table(comparison, None)
        import pyarrow.parquet as pq

        pq.write_table(table, folder / "added_value.parquet")
        manifest = read_manifest(folder)
        manifest["files"]["added_value.parquet"] = hashlib.sha256(
            (folder / "added_value.parquet").read_bytes()
        ).hexdigest()
        manifest["added_value"] = {
            "made": True,
            "model_better": comparison["model_better"],
            "sentence": comparison["sentence"],
        }
        sign_manifest(folder, manifest)
    return import_published(folder)


def test_a_release_whose_model_does_no_better_than_the_baselines_says_so(
    client: Client, tmp_path: Path
) -> None:
    _release_saying(tmp_path, _published_comparison(model_auc=0.64, baseline_auc=0.63))
    html = client.get(reverse("transparency:recipe", kwargs=SCHOOL)).content.decode()
    assert "Did it tell us anything new?" in html
    assert "The model did no better than ranking by whether a service already knew them" in html
    assert "so it found nothing that deprivation and service contact would have missed" in html
    assert "about 95 (45%, 39% to 52%) were known to no service" in html
    assert "40 of them were among the children not ready for school" in html


def test_a_release_whose_model_beats_the_baselines_says_how_much(
    client: Client, tmp_path: Path
) -> None:
    _release_saying(tmp_path, _published_comparison(model_auc=0.78, baseline_auc=0.63))
    html = client.get(reverse("transparency:recipe", kwargs=SCHOOL)).content.decode()
    assert "The model ranked children better than ranking by whether a service" in html
    assert "AUC 0.78 against 0.63" in html
    assert "did no better" not in html


def test_a_release_published_before_the_comparison_says_it_is_not_shown(
    client: Client, release: Release
) -> None:
    html = client.get(reverse("transparency:recipe", kwargs=SCHOOL)).content.decode()
    assert "published before the model was compared with deprivation" in html
