"""An evaluation a published release carries shows on the page of the intervention whose plan
it evaluated (matched by the plan's hash), with its plots; a withdrawn release's does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from bakehouse.evaluation import evaluate
from bakehouse.evaluation.plan import Design, EvaluationPlan
from bakehouse.evaluation.simulate import Scenario, simulate_panel
from web.interventions.tests.factories import make_intervention, make_plan
from web.releases.lifecycle import withdraw_release
from web.releases.models import ReleaseEvaluation
from web.releases.tests.fixtures import import_published
from web.releases.tests.test_evaluations import with_evaluation

pytestmark = pytest.mark.django_db


def test_a_released_evaluation_shows_on_its_interventions_page_until_withdrawn(
    release_folder: Path, tmp_path: Path
) -> None:
    panel = simulate_panel(Scenario(units=30, treated=6, effect=-0.08), 1)
    plan = EvaluationPlan(
        outcome="not reaching a Good Level of Development at the end of Reception",
        treated_units=sorted(panel.adoption),
        start=min(panel.adoption.values()),
        design=Design.DID,
        hypotheses="Fewer children are not ready for school.",
    )
    result = evaluate(panel, plan)
    release = import_published(with_evaluation(release_folder, result, tmp_path / "ws"))
    intervention = make_intervention(release)
    make_plan(intervention, plan)
    other = make_intervention(release, title="Another plan")
    make_plan(other, plan.model_copy(update={"hypotheses": "Something else."}))
    page = reverse("interventions:detail", kwargs={"intervention_id": intervention.pk})
    [stored] = ReleaseEvaluation.objects.all()
    plot = reverse(
        "interventions:released_plot", kwargs={"evaluation_id": stored.pk, "plot": "trajectories"}
    )

    text = Client().get(page).content.decode()
    assert "exploratory: not pre-registered" in text.lower()
    assert release.title in text
    assert plot in text
    assert "No result has been published yet" not in text
    image = Client().get(plot)
    assert image.status_code == 200
    assert image["Content-Type"].startswith("image/svg+xml")
    assert "default-src 'none'" in image["Content-Security-Policy"]
    other_page = reverse("interventions:detail", kwargs={"intervention_id": other.pk})
    assert "No result has been published yet" in Client().get(other_page).content.decode()

    withdraw_release(release.id, reason="A count was found unsafe.")

    assert "No result has been published yet" in Client().get(page).content.decode()
    assert Client().get(plot).status_code == 404
