"""The journey of an intervention, end to end in a browser: an analyst starts one from a
flagged area's profile, records its progress and a milestone, writes its evaluation plan and
freezes it; the public sees the timeline and the frozen plan with its hash. axe-core checks
every page on the way."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from playwright.sync_api import Page, expect

from bakehouse.evaluation import EvaluationPlan, plan_hash
from web.accounts.models import User
from web.accounts.roles import Role
from web.interventions.models import EvaluationPlanRecord, Intervention
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
