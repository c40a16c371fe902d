"""The journey of an intervention, end to end in a browser: an analyst starts one from a
flagged area's profile, links services and themes, records its progress and a milestone,
writes its evaluation plan and freezes it, runs the evaluation and publishes it; the public sees
the timeline, the frozen plan with its hash and the result with its plots. axe-core checks every
page on the way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.urls import reverse
from playwright.sync_api import Page, expect

from bakehouse.evaluation import EvaluationPlan, plan_hash
from web.accounts.models import User
from web.accounts.roles import Role
from web.assets.tests.factories import make_register
from web.interventions.models import EvaluationPlanRecord, EvaluationRun, Intervention
from web.interventions.tests.factories import coded_round, flagged_codes, panel_csv
from web.releases.models import Release

CheckAccessibility = Callable[[str], None]


def _fill_date(page: Page, label: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=label, exact=True)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_an_analyst_plans_an_intervention_from_a_flagged_area_and_freezes_its_plan(
    page: Page,
    site: str,
    published_release: Release,
    sign_in_as: Callable[[Role], User],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    sign_in_as(Role.PARTNER_ANALYST)
    area = published_release.areas.filter(flagged=True).order_by("lsoa11nm").first()
    assert area is not None
    page.goto(
        site
        + reverse(
            "areas:profile",
            kwargs={"recipe": published_release.recipe, "lsoa11cd": area.lsoa11cd},
        )
    )
    page.get_by_role("link", name=f"Plan an intervention in {area.lsoa11nm}").click()
    expect(page.get_by_label("Areas (LSOA codes)")).to_have_value(area.lsoa11cd)
    page.get_by_role("button", name="Create the intervention").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the name of the intervention")
    check_accessibility("journey-intervention-create-with-errors")
    page.get_by_label("Name of the intervention").fill("Stay and play at the library")
    page.get_by_label("Why").fill("Few children here reach a good level of development.")
    check_accessibility("journey-intervention-create")
    page.get_by_role("button", name="Create the intervention").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Stay and play at the library")
    _fill_date(page, "Date of the update", "12", "1", "2026")
    page.get_by_label("Agreed").check()
    page.get_by_label("What happened").fill("Agreed with the parents' forum.")
    page.get_by_role("button", name="Publish the update").click()
    page.get_by_label("Milestone").fill("First session held")
    _fill_date(page, "Due", "1", "3", "2026")
    page.get_by_role("button", name="Add the milestone").click()
    check_accessibility("journey-intervention-manage")

    page.get_by_role("link", name="Write the evaluation plan").click()
    page.get_by_label("Primary outcome").fill("children not reaching a good level of development")
    page.get_by_label("First treated cohort").fill("2026")
    page.get_by_label("Difference-in-differences with comparison areas").check()
    page.get_by_label("Hypotheses").fill("Stay and play lowers the share not ready for school.")
    page.get_by_role("button", name="Save the plan").click()
    check_accessibility("journey-intervention-plan")
    page.get_by_role("button", name="Freeze the plan").click()
    expect(page.get_by_role("alert")).to_contain_text("Plan frozen with hash")
    record = EvaluationPlanRecord.objects.get()
    expect(page.get_by_role("alert")).to_contain_text(record.frozen_hash[:12])
    check_accessibility("journey-intervention-plan-frozen")

    page.context.clear_cookies()
    intervention = Intervention.objects.get()
    page.goto(site + reverse("interventions:detail", kwargs={"intervention_id": intervention.pk}))
    main = page.locator("main")
    expect(main).to_contain_text("12 January 2026")
    expect(main).to_contain_text("First session held")
    expect(main).to_contain_text(plan_hash(EvaluationPlan(**record.plan)))
    expect(page.get_by_role("link", name="Manage this intervention")).to_have_count(0)
    check_accessibility("journey-intervention-public")
    assert not browser_problems


def test_staff_link_assets_and_themes_freeze_run_and_publish_and_the_public_reads_the_result(
    page: Page,
    site: str,
    published_release: Release,
    sign_in_as: Callable[[Role], User],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
    tmp_path: Path,
) -> None:
    make_register()
    area = published_release.areas.filter(flagged=True).order_by("lsoa11cd").first()
    assert area is not None
    coded_round(published_release, area.lsoa11cd)
    sign_in_as(Role.PARTNER_ANALYST)
    page.goto(
        site
        + reverse(
            "areas:profile",
            kwargs={"recipe": published_release.recipe, "lsoa11cd": area.lsoa11cd},
        )
    )
    page.get_by_role("link", name=f"Plan an intervention in {area.lsoa11nm}").click()
    page.get_by_label("Areas (LSOA codes)").fill(" ".join(flagged_codes(published_release)))
    page.get_by_label("Name of the intervention").fill("Family hub outreach")
    page.get_by_label("Why").fill("People say the children's centre closed.")
    page.get_by_label("Stay and play", exact=True).check()
    page.get_by_label("nursery (round:").check()
    check_accessibility("journey-evaluation-describe")
    page.get_by_role("button", name="Create the intervention").click()
    _fill_date(page, "Date of the update", "12", "1", "2026")
    page.get_by_label("Delivering").check()
    page.get_by_label("What happened").fill("The first outreach visits were made.")
    page.get_by_role("button", name="Publish the update").click()

    page.get_by_role("link", name="Write the evaluation plan").click()
    page.get_by_label("Primary outcome").fill("children not reaching a good level of development")
    page.get_by_label("First treated cohort").fill("2026")
    page.get_by_label("Difference-in-differences with comparison areas").check()
    page.get_by_label("Hypotheses").fill("Outreach lowers the share not ready for school.")
    page.get_by_role("button", name="Save the plan").click()
    page.get_by_role("button", name="Freeze the plan").click()
    expect(page.get_by_role("alert")).to_contain_text("Plan frozen with hash")

    page.get_by_role("link", name="Back to the intervention").click()
    page.get_by_role("link", name="Evaluate the plan, and publish its result").click()
    expect(page.locator("main")).to_contain_text("This run follows the frozen plan")
    check_accessibility("journey-evaluation-start")
    panel = tmp_path / "hub-panel.csv"
    panel.write_bytes(panel_csv(published_release))
    page.get_by_label("An uploaded area-level panel").check()
    page.get_by_label("Panel (CSV, for an uploaded panel)").set_input_files(panel)
    page.get_by_label("Column of the population (optional)").fill("children")
    page.get_by_role("button", name="Run the evaluation").click()

    expect(page.locator("main")).to_contain_text("Done")
    expect(page.locator("main")).to_contain_text("pre-registered: frozen")
    check_accessibility("journey-evaluation-job")
    page.get_by_role("link", name="Read the result, and publish it").click()
    expect(page.locator("main")).to_contain_text("Not yet: only staff see it")
    check_accessibility("journey-evaluation-run")
    page.get_by_role("button", name="Publish the result").click()
    expect(page.get_by_role("alert")).to_contain_text("Result published")

    page.context.clear_cookies()
    intervention = Intervention.objects.get()
    run = EvaluationRun.objects.get()
    page.goto(site + reverse("interventions:detail", kwargs={"intervention_id": intervention.pk}))
    main = page.locator("main")
    expect(main).to_contain_text("The first outreach visits were made.")
    expect(main).to_contain_text("12 January 2026")
    expect(main).to_contain_text("nursery")
    expect(main).to_contain_text("Stay and play")
    expect(main).to_contain_text("Pre-registered")
    expect(main).to_contain_text("An effect of -")
    for name in ("event_study", "trajectories"):
        plot = reverse("interventions:run_plot", kwargs={"run_id": run.pk, "plot": name})
        image = page.locator(f'img[src="{plot}"]')
        expect(image).to_be_visible()
        assert image.evaluate("element => element.naturalWidth") > 0
    expect(page.get_by_role("table", name="The estimated effect in each period")).to_be_visible()
    check_accessibility("journey-evaluation-public")
    assert not browser_problems
