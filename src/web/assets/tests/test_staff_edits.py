"""Staff change a service's costs, its contacts and their phones, and the access at its places
through the same steps as its name: one proposes, another approves, the public sees the last
approved version until then, a change a feed overtook cannot be approved, and a change that
would break the ORUK standard is refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from web.accounts.models import User
from web.accounts.roles import Role
from web.assets.changes import ChangeRefused, approve, propose
from web.assets.export import register_feeds
from web.assets.feeds import Feed, import_feed
from web.assets.models import (
    Accessibility,
    ChangedKind,
    ChangeStatus,
    CostOption,
    Phone,
    RecordChange,
    Service,
)
from web.assets.schemas import page_problems, problems
from web.assets.tests import factories

pytestmark = pytest.mark.django_db

COST = factories.PLAYGROUP_COST
STEP_FREE = "7d1c0a52-1f4e-4c1a-9a51-000000000070"
CONTACT = factories.PLAYGROUP_CONTACT
PHONE = factories.PLAYGROUP_PHONE
SERVICE_API = f"/oruk/services/{factories.PLAYGROUP}"


def test_an_approved_cost_is_served_by_the_api_and_meets_the_standard(
    playgroup: Service, proposer: User, approver: User, client: Client
) -> None:
    cost = CostOption.objects.get(pk=COST)
    change = propose(playgroup, ChangedKind.COST_OPTION, cost, {"amount": 3.5}, proposer, "Up")
    assert client.get(SERVICE_API).json()["cost_options"][0]["amount"] == 2
    approve(change, approver)

    served = client.get(SERVICE_API).json()
    assert served["cost_options"][0]["amount"] == 3.5
    assert served["cost_options"][0]["option"] == "per family, per session"
    assert problems("service", served, "service") == []
    listed = client.get("/oruk/services", {"search": "Little Stars"}).json()
    assert page_problems(listed) == []
    directory = client.get("/assets/", {"search": "Little Stars"}).content.decode()
    assert "£3.50: per family, per session" in directory
    exported = next(
        service
        for service in register_feeds()["services.json"]
        if service["id"] == factories.PLAYGROUP
    )
    assert exported["cost_options"][0]["amount"] == 3.5


def test_a_proposed_cost_stays_off_every_public_page_until_approved(
    playgroup: Service, proposer: User, client: Client
) -> None:
    cost = CostOption.objects.get(pk=COST)
    propose(playgroup, ChangedKind.COST_OPTION, cost, {"amount": 0}, proposer, "Now free")
    page = reverse("assets:service", kwargs={"service_id": factories.PLAYGROUP})
    assert "£2: per family, per session" in client.get(page).content.decode()
    assert client.get(SERVICE_API).json()["cost_options"][0]["amount"] == 2


def test_an_approved_phone_of_a_contact_and_its_contact_are_served(
    playgroup: Service, proposer: User, approver: User, client: Client
) -> None:
    phone = Phone.objects.get(pk=PHONE)
    contact = phone.contact
    assert contact is not None
    approve(
        propose(playgroup, ChangedKind.PHONE, phone, {"number": "01268 000002"}, proposer, "New"),
        approver,
    )
    approve(
        propose(playgroup, ChangedKind.CONTACT, contact, {"title": "Leader"}, proposer, "Role"),
        approver,
    )
    served = client.get(SERVICE_API).json()
    assert served["contacts"][0]["title"] == "Leader"
    assert served["contacts"][0]["phones"][0]["number"] == "01268 000002"
    assert problems("service", served, "service") == []


def test_approved_access_shows_on_the_service_page(
    playgroup: Service, proposer: User, approver: User, client: Client
) -> None:
    access = Accessibility.objects.get(pk=STEP_FREE)
    wanted = {"description": "Step-free entrance and a lift"}
    approve(
        propose(playgroup, ChangedKind.ACCESSIBILITY, access, wanted, proposer, "Lift"), approver
    )
    page = reverse("assets:service", kwargs={"service_id": factories.PLAYGROUP})
    assert "Step-free entrance and a lift" in client.get(page).content.decode()


def test_a_change_that_would_break_the_standard_is_refused(
    playgroup: Service, proposer: User
) -> None:
    phone = Phone.objects.get(pk=PHONE)
    with pytest.raises(ChangeRefused, match="'number' is a required property"):
        propose(playgroup, ChangedKind.PHONE, phone, {"number": None}, proposer, "Gone")
    cost = CostOption.objects.get(pk=COST)
    with pytest.raises(ChangeRefused, match="'two pounds' is not of type 'number'"):
        propose(playgroup, ChangedKind.COST_OPTION, cost, {"amount": "two pounds"}, proposer, "")
    assert not RecordChange.objects.exists()


def test_a_cost_a_feed_changed_since_it_was_proposed_cannot_be_approved(
    playgroup: Service, proposer: User, approver: User, client: Client
) -> None:
    cost = CostOption.objects.get(pk=COST)
    change = propose(playgroup, ChangedKind.COST_OPTION, cost, {"amount": 3}, proposer, "Up")
    republished = factories.playgroup_with_contact()
    republished["cost_options"][0]["amount"] = 4
    import_feed(Feed("services.json", "service", [republished]))
    with pytest.raises(ChangeRefused, match="amount changed since this was proposed"):
        approve(change, approver)
    change.refresh_from_db()
    assert change.status == ChangeStatus.PROPOSED
    assert client.get(SERVICE_API).json()["cost_options"][0]["amount"] == 4


def test_a_record_of_another_service_cannot_be_changed_through_this_one(
    playgroup: Service, proposer: User
) -> None:
    other = Service.objects.get(pk=factories.STAY_AND_PLAY)
    cost = CostOption.objects.get(pk=COST)
    with pytest.raises(ChangeRefused, match="is not a cost_option of this service"):
        propose(other, ChangedKind.COST_OPTION, cost, {"amount": 1}, proposer, "Wrong")


def test_staff_propose_a_cost_on_the_record_page_and_see_its_history(
    playgroup: Service, client_for: Callable[[Role | None], Client]
) -> None:
    analyst = client_for(Role.PARTNER_ANALYST)
    page = reverse("assets:edit_service", kwargs={"service_id": factories.PLAYGROUP})
    html = analyst.get(page).content.decode()
    for title in (
        "Cost: per family, per session",
        "Contact: Sam Organiser (synthetic)",
        "Phone: 01268 000001",
        "Access: Step-free entrance",
    ):
        assert title in html
    response = analyst.post(
        page,
        {
            "record": f"cost_option:{COST}",
            "cost-0-option": "per family, per session",
            "cost-0-amount": "2.50",
            "cost-0-reason": "The organiser's new price list",
        },
    )
    assert response.status_code == 302
    change = RecordChange.objects.get()
    assert (change.kind, change.before, change.after) == (
        ChangedKind.COST_OPTION,
        {"amount": 2},
        {"amount": 2.5},
    )
    approver = client_for(Role.ADMINISTRATOR)
    change_url = reverse("assets:change", kwargs={"change_id": change.pk})
    assert approver.post(change_url, {"decision": "approve"}).status_code == 302
    history = analyst.get(page).content.decode()
    assert "A cost: proposed by analyst-1" in history
    assert "Amount in pounds" in history
    assert "approved and published by administrator-1" in history
