"""How this works: the release's documents in plain words, honest about what a run did not
produce, and the public summary of the data sharing agreements."""

from __future__ import annotations

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
