"""Staff add a cost, a contact, a phone or a language to a service, remove one, and change its
languages and ages, through the same steps as any change: one proposes, another approves, the
public (the service page, the directory, the API, exports) sees the last approved version until
then, and a proposal that would break the ORUK standard is refused, naming the field."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from web.accounts.models import User
from web.accounts.roles import Role
from web.assets.changes import (
    ChangeRefused,
    approve,
    field_changes,
    propose,
    propose_addition,
    propose_removal,
)
from web.assets.feeds import Feed, import_feed
from web.assets.models import (
    ChangedKind,
    ChangeOperation,
    ChangeStatus,
    Contact,
    CostOption,
    Language,
    Phone,
    RecordChange,
    Service,
)
from web.assets.schemas import problems, problems_against
from web.assets.tables import read_csv_folder, table_for
from web.assets.tests import factories
from web.governance.models import Action, Event

pytestmark = pytest.mark.django_db

SERVICE_API = f"/oruk/services/{factories.PLAYGROUP}"
SERVICE = ("service", factories.PLAYGROUP)
CONTACT = ("contact", factories.PLAYGROUP_CONTACT)


def public_page(client: Client) -> str:
    url = reverse("assets:service", kwargs={"service_id": factories.PLAYGROUP})
    return client.get(url).content.decode()


def served(client: Client) -> dict[str, Any]:
    document: dict[str, Any] = client.get(SERVICE_API).json()
    assert problems("service", document, "service") == []
    return document


def test_an_added_cost_is_published_only_when_approved(
    playgroup: Service, proposer: User, approver: User, client: Client
) -> None:
    wanted = {"option": "per child, holiday club", "amount": 5}
    change = propose_addition(playgroup, ChangedKind.COST_OPTION, SERVICE, wanted, proposer, "New")
    assert "per child, holiday club" not in public_page(client)
    assert len(served(client)["cost_options"]) == 1
    assert not CostOption.objects.filter(pk=change.record_id).exists()

    approve(change, approver)
    assert "£5: per child, holiday club" in public_page(client)
    costs = {cost["id"]: cost for cost in served(client)["cost_options"]}
    assert costs[change.record_id] == {"id": change.record_id, **wanted}
    directory = client.get("/assets/", {"search": "Little Stars"}).content.decode()
    assert "£5: per child, holiday club" in directory
    # An ORUK id as the standard's records have: a random UUID.
    assert uuid.UUID(change.record_id).version == 4


def test_an_added_phone_of_a_contact_shows_with_the_contacts_role(
    playgroup: Service, proposer: User, approver: User, client: Client
) -> None:
    wanted = {"number": "01268 000009", "description": "Saturday mornings"}
    change = propose_addition(playgroup, ChangedKind.PHONE, CONTACT, wanted, proposer, "Second")
    assert "01268 000009" not in public_page(client)
    approve(change, approver)
    assert "Group organiser: 01268 000009" in public_page(client)
    phones = served(client)["contacts"][0]["phones"]
    assert {phone["number"] for phone in phones} == {"01268 000001", "01268 000009"}
    assert Phone.objects.get(pk=change.record_id).contact_id == factories.PLAYGROUP_CONTACT


def test_an_added_contact_and_language_are_served_once_approved(
    playgroup: Service, proposer: User, approver: User, client: Client
) -> None:
    contact = propose_addition(
        playgroup, ChangedKind.CONTACT, SERVICE, {"title": "Bookings"}, proposer, "Bookings"
    )
    language = propose_addition(
        playgroup, ChangedKind.LANGUAGE, SERVICE, {"name": "Polish", "code": "pl"}, proposer, "Pl"
    )
    assert "Polish" not in public_page(client)
    assert len(served(client)["languages"]) == 1
    approve(contact, approver)
    approve(language, approver)
    page = public_page(client)
    assert "Polish" in page
    assert "English" in page
    document = served(client)
    assert {"id": language.record_id, "name": "Polish", "code": "pl"} in document["languages"]
    assert {"id": contact.record_id, "title": "Bookings"} in document["contacts"]


def test_a_changed_language_is_published_only_when_approved(
    playgroup: Service, proposer: User, approver: User, client: Client
) -> None:
    english = Language.objects.get(pk=factories.PLAYGROUP_LANGUAGE)
    wanted = {"name": "English and British Sign Language", "note": "BSL on request"}
    change = propose(playgroup, ChangedKind.LANGUAGE, english, wanted, proposer, "Signing")
    assert "British Sign Language" not in public_page(client)
    approve(change, approver)
    assert "English and British Sign Language" in public_page(client)
    assert served(client)["languages"] == [{"id": english.pk, **wanted}]


def test_a_removed_cost_leaves_every_public_page_once_approved(
    playgroup: Service, proposer: User, approver: User, client: Client
) -> None:
    cost = CostOption.objects.get(pk=factories.PLAYGROUP_COST)
    change = propose_removal(playgroup, ChangedKind.COST_OPTION, cost, proposer, "Now free")
    paid = {"search": "Little Stars", "cost": "paid"}
    assert "Little Stars Saturday playgroup" in client.get("/assets/", paid).content.decode()
    assert "£2: per family, per session" in public_page(client)

    approve(change, approver)
    assert "£2: per family, per session" not in public_page(client)
    assert "cost_options" not in served(client)
    assert "Little Stars Saturday playgroup" not in client.get("/assets/", paid).content.decode()
    assert {item.label: item.before for item in field_changes(change)} == {
        "What the cost is for": "per family, per session",
        "Amount in pounds": 2,
    }


def test_removing_a_contact_takes_its_phones_and_the_history_says_so(
    playgroup: Service, proposer: User, approver: User, client: Client
) -> None:
    contact = Contact.objects.get(pk=factories.PLAYGROUP_CONTACT)
    change = propose_removal(playgroup, ChangedKind.CONTACT, contact, proposer, "Left")
    assert change.before["phones"] == [{"id": factories.PLAYGROUP_PHONE, "number": "01268 000001"}]
    approve(change, approver)
    assert not Phone.objects.filter(pk=factories.PLAYGROUP_PHONE).exists()
    assert "contacts" not in served(client)
    assert "01268 000001" not in public_page(client)
    listed = {item.label: item.before for item in field_changes(change)}
    assert listed == {
        "Name": "Sam Organiser (synthetic)",
        "Role": "Group organiser",
        "Its phones": "01268 000001",
    }


@pytest.mark.parametrize(
    ("kind", "parent", "wanted", "named"),
    [
        (ChangedKind.PHONE, CONTACT, {"description": "Mornings"}, "'number' is a required"),
        (
            ChangedKind.COST_OPTION,
            SERVICE,
            {"amount": "two pounds"},
            "cost_option.amount: 'two pounds' is not of type 'number'",
        ),
    ],
    ids=["phone without a number", "amount in words"],
)
def test_an_addition_that_would_break_the_standard_is_refused_naming_the_field(
    playgroup: Service,
    proposer: User,
    kind: str,
    parent: tuple[str, str],
    wanted: dict[str, Any],
    named: str,
) -> None:
    with pytest.raises(ChangeRefused, match=named):
        propose_addition(playgroup, kind, parent, wanted, proposer, "Wrong")
    assert not RecordChange.objects.exists()


def test_a_removal_a_feed_overtook_cannot_be_approved(
    playgroup: Service, proposer: User, approver: User
) -> None:
    cost = CostOption.objects.get(pk=factories.PLAYGROUP_COST)
    change = propose_removal(playgroup, ChangedKind.COST_OPTION, cost, proposer, "Gone")
    republished = factories.playgroup_with_contact()
    republished["cost_options"][0]["amount"] = 3
    import_feed(Feed("services.json", "service", [republished]))
    with pytest.raises(ChangeRefused, match="changed since its removal was proposed"):
        approve(change, approver)
    republished["cost_options"] = []
    import_feed(Feed("services.json", "service", [republished]))
    with pytest.raises(ChangeRefused, match="no longer in the register"):
        approve(change, approver)
    change.refresh_from_db()
    assert change.status == ChangeStatus.PROPOSED


def test_a_phone_for_a_contact_removed_meanwhile_cannot_be_approved(
    playgroup: Service, proposer: User, approver: User
) -> None:
    phone = propose_addition(
        playgroup, ChangedKind.PHONE, CONTACT, {"number": "01268 000009"}, proposer, "New"
    )
    contact = Contact.objects.get(pk=factories.PLAYGROUP_CONTACT)
    approve(propose_removal(playgroup, ChangedKind.CONTACT, contact, proposer, "Left"), approver)
    with pytest.raises(ChangeRefused, match="contact this was to be added to is no longer"):
        approve(phone, approver)
    assert not Phone.objects.filter(pk=phone.record_id).exists()


def test_parts_of_another_service_and_other_kinds_are_refused(
    playgroup: Service, proposer: User
) -> None:
    other = Service.objects.get(pk=factories.STAY_AND_PLAY)
    cost = CostOption.objects.get(pk=factories.PLAYGROUP_COST)
    with pytest.raises(ChangeRefused, match="is not a cost_option of this service"):
        propose_removal(other, ChangedKind.COST_OPTION, cost, proposer, "Wrong")
    with pytest.raises(ChangeRefused, match="is not a contact of this service"):
        propose_addition(other, ChangedKind.PHONE, CONTACT, {"number": "1"}, proposer, "Wrong")
    with pytest.raises(ChangeRefused, match="A cost_option cannot be added to a contact"):
        propose_addition(playgroup, ChangedKind.COST_OPTION, CONTACT, {"amount": 1}, proposer, "")
    with pytest.raises(ChangeRefused, match="its publisher's feed removes it"):
        propose_removal(playgroup, ChangedKind.SERVICE, playgroup, proposer, "Wrong")
    with pytest.raises(ChangeRefused, match="nothing in it"):
        propose_addition(playgroup, ChangedKind.CONTACT, SERVICE, {"name": None}, proposer, "")


def test_the_proposer_cannot_approve_their_own_addition_and_each_step_is_logged(
    playgroup: Service, proposer: User, approver: User
) -> None:
    change = propose_addition(
        playgroup, ChangedKind.LANGUAGE, SERVICE, {"code": "pl"}, proposer, "Polish"
    )
    with pytest.raises(ChangeRefused, match="Another member of staff"):
        approve(change, proposer)
    approve(change, approver)
    events = Event.objects.filter(
        action__in=(Action.ASSET_CHANGE_PROPOSED, Action.ASSET_CHANGE_APPROVED)
    )
    assert [event.detail["operation"] for event in events.order_by("pk")] == ["add", "add"]


def test_an_approved_age_range_feeds_the_directory_and_the_api_age_searches(
    playgroup: Service, proposer: User, approver: User, client: Client
) -> None:
    """ORUK 3.0 keeps eligibility by age on the service itself: a change to it reaches the
    directory's age filter and the API's age parameters as an imported one does."""
    change = propose(playgroup, ChangedKind.SERVICE, playgroup, {"maximum_age": 11}, proposer, "")

    def found() -> tuple[bool, bool]:
        directory = client.get("/assets/", {"age": 8}).content.decode()
        listed = client.get("/oruk/services", {"maximum_age": 5}).json()["contents"]
        return (
            "Little Stars" in directory,
            factories.PLAYGROUP in {service["id"] for service in listed},
        )

    assert found() == (False, True)
    approve(change, approver)
    assert found() == (True, False)
    assert Service.objects.get(pk=factories.PLAYGROUP).maximum_age == 11


def test_the_export_of_added_and_removed_parts_validates_and_reads_back_unchanged(
    playgroup: Service, proposer: User, approver: User, tmp_path: Path
) -> None:
    for change in (
        propose_addition(
            playgroup, ChangedKind.PHONE, SERVICE, {"number": "01268 1"}, proposer, ""
        ),
        propose_addition(playgroup, ChangedKind.LANGUAGE, SERVICE, {"code": "pl"}, proposer, ""),
        propose_removal(
            playgroup,
            ChangedKind.COST_OPTION,
            CostOption.objects.get(pk=factories.PLAYGROUP_COST),
            proposer,
            "",
        ),
    ):
        approve(change, approver)
    call_command("export_oruk", str(tmp_path), "--csv", stdout=StringIO())
    services = json.loads((tmp_path / "services.json").read_text(encoding="utf-8"))
    for index, service in enumerate(services):
        assert problems("service", service, f"services[{index}]") == []
    # The advice service's refuge is left out of the export, so only the playgroup reads back
    # as it is.
    exported = [service for service in services if service["id"] == factories.PLAYGROUP]
    assert [phone["number"] for phone in exported[0]["phones"]] == ["01268 1"]
    assert [language.get("code") for language in exported[0]["languages"]].count("pl") == 1
    assert "cost_options" not in exported[0]
    report = import_feed(Feed("services.json", "service", exported))
    assert (report.stored, report.unchanged, report.refused, report.written) == (1, 1, 0, {})
    for feed in read_csv_folder(tmp_path / "csv"):
        kind = table_for(feed.source)
        assert kind is not None
        for row, record in enumerate(feed.records, start=1):
            assert problems_against(f"{kind}.json", record, f"{feed.source} row {row}") == []


def test_staff_add_a_language_on_the_record_page_and_another_approves(
    playgroup: Service, client_for: Callable[[Role | None], Client], client: Client
) -> None:
    analyst = client_for(Role.PARTNER_ANALYST)
    page = reverse("assets:edit_service", kwargs={"service_id": factories.PLAYGROUP})
    html = analyst.get(page).content.decode()
    for title in ("Language: English", "Add a cost", "Add a contact", "Add a language"):
        assert title in html
    posted = {
        "record": "language:new",
        "operation": "add",
        "language-new-name": "Polish",
        "language-new-code": "PL",
        "language-new-reason": "The organiser speaks Polish",
    }
    assert analyst.post(page, posted).status_code == 302
    change = RecordChange.objects.get()
    assert (change.operation, change.kind, change.after) == (
        ChangeOperation.ADD,
        ChangedKind.LANGUAGE,
        {"name": "Polish", "code": "pl"},
    )
    assert "Polish" not in public_page(client)
    approver = client_for(Role.ADMINISTRATOR)
    change_url = reverse("assets:change", kwargs={"change_id": change.pk})
    assert "A language added" in approver.get(change_url).content.decode()
    assert approver.post(change_url, {"decision": "approve"}).status_code == 302
    assert "Polish" in public_page(client)
    history = analyst.get(page).content.decode()
    assert "A language added: proposed by analyst-1" in history


def test_staff_propose_removing_a_phone_and_adding_one_to_a_contact_on_the_record_page(
    playgroup: Service, client_for: Callable[[Role | None], Client]
) -> None:
    analyst = client_for(Role.PARTNER_ANALYST)
    page = reverse("assets:edit_service", kwargs={"service_id": factories.PLAYGROUP})
    removal = {
        "record": f"phone:{factories.PLAYGROUP_PHONE}",
        "operation": "remove",
        "phone-0-remove-reason": "The number is no longer answered",
    }
    assert analyst.post(page, removal).status_code == 302
    addition = {
        "record": "phone:new",
        "operation": "add",
        "phone-new-belongs": f"contact:{factories.PLAYGROUP_CONTACT}",
        "phone-new-number": "01268 000009",
        "phone-new-reason": "The organiser's new number",
    }
    assert analyst.post(page, addition).status_code == 302
    removed, added = RecordChange.objects.order_by("pk")
    assert (removed.operation, removed.record_id) == ("remove", factories.PLAYGROUP_PHONE)
    assert (added.operation, added.parent_kind, added.parent_id) == (
        "add",
        "contact",
        factories.PLAYGROUP_CONTACT,
    )
    assert added.after == {"number": "01268 000009"}
    staff = analyst.get(reverse("assets:staff")).content.decode()
    assert "A phone number removed" in staff
    assert "A phone number added" in staff


def test_a_language_code_that_is_not_one_is_refused_on_the_form(
    playgroup: Service, client_for: Callable[[Role | None], Client]
) -> None:
    analyst = client_for(Role.PARTNER_ANALYST)
    page = reverse("assets:edit_service", kwargs={"service_id": factories.PLAYGROUP})
    posted = {
        "record": "language:new",
        "operation": "add",
        "language-new-code": "polish",
        "language-new-reason": "Polish",
    }
    response = analyst.post(page, posted)
    assert response.status_code == 200
    assert "ISO 639 code as two or three letters" in response.content.decode()
    assert not RecordChange.objects.exists()
