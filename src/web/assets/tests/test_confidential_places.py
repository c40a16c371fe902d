"""A service with a confidential place (a refuge) keeps that fact through the register's
export and import, while nothing about the place itself ever leaves: after the round trip the
need figures count it in every area in the widest band, as before, and the staff page still
says its address is withheld. A partner's feed that marks the service itself reads the same."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from bakehouse.assets import ServiceSite, services_from_feed
from web.accounts.roles import Role
from web.assets import directory
from web.assets.export import confidential_mark, confidential_services
from web.assets.feeds import Feed, import_feed
from web.assets.models import (
    Accessibility,
    Address,
    Attribute,
    FeedImport,
    Location,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from web.assets.need import need_analysis, register_sites
from web.assets.records import CONFIDENTIAL_LOCATION_TERM, KINDS
from web.assets.schemas import problems, problems_against
from web.assets.tables import read_csv_folder
from web.assets.tests import factories
from web.assets.tests.examples import canonical
from web.releases.models import Release

pytestmark = pytest.mark.django_db

# A service whose only place is the refuge, of a kind the school readiness recipe counts.
SAFE_HARBOUR = "7d1c0a52-1f4e-4c1a-9a51-0000000000b0"
SAFE_HARBOUR_AT_REFUGE = "7d1c0a52-1f4e-4c1a-9a51-0000000000b1"
FAMILY_SUPPORT = "7d1c0a52-1f4e-4c1a-9a51-0000000000b2"
REFUGE_ACCESS = "7d1c0a52-1f4e-4c1a-9a51-0000000000b3"
WITHHELD = "its address is withheld"


def _family_support_term() -> dict[str, Any]:
    return {
        "id": FAMILY_SUPPORT,
        "name": "Family support",
        "description": "Support for families",
        "taxonomy_id": factories.TAXONOMY,
    }


def _safe_harbour(places: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": SAFE_HARBOUR,
        "name": "Safe Harbour",
        "description": "A safe place to stay for families (synthetic).",
        "status": "active",
        "service_at_locations": places,
        "attributes": [
            {"id": "7d1c0a52-1f4e-4c1a-9a51-0000000000b4", "taxonomy_term": _family_support_term()}
        ],
    }


def _refuge() -> dict[str, Any]:
    """The factories' refuge, with the access there: its record as the publisher gave it."""
    refuge = next(
        at["location"]
        for service in factories.services()
        for at in service["service_at_locations"]
        if at["location"]["id"] == factories.REFUGE
    )
    return {**refuge, "accessibility": [{"id": REFUGE_ACCESS, "description": "Step-free"}]}


def _register_with_refuges() -> None:
    """The factories' register (a service at the hub and at the refuge), and Safe Harbour,
    whose only place is the refuge; the refuge marked sensitive, as staff mark one."""
    factories.make_register()
    feed = Feed(
        "services.json",
        "service",
        [_safe_harbour([{"id": SAFE_HARBOUR_AT_REFUGE, "location": _refuge()}])],
    )
    assert import_feed(feed).refused == 0
    Location.objects.filter(pk=factories.REFUGE).update(sensitive=True)


def _empty_register() -> None:
    for kind in KINDS.values():
        kind.model._default_manager.all().delete()
    assert not Service.objects.exists() and not Attribute.objects.exists()


def _round_trip(tmp_path: Path, tables: bool) -> Path:
    """Export the register, empty it, and import the export: the feeds, or the CSV tables."""
    out = tmp_path / "register"
    call_command("export_oruk", str(out), "--csv", stdout=StringIO())
    _empty_register()
    call_command("import_oruk", str(out / "csv" if tables else out), stdout=StringIO())
    return out


def _what_need_says(release: Release) -> dict[str, Any]:
    analysis = need_analysis(release)
    assert analysis is not None
    table = analysis.table
    return {
        "matched": table.matched,
        "area_wide": table.area_wide,
        "unplaced": table.unplaced,
        "services": {gap.code: gap.services for gap in table.areas},
    }


def _staff_page(client: Client, service_id: str) -> str:
    response = client.get(reverse("assets:edit_service", kwargs={"service_id": service_id}))
    assert response.status_code == 200
    return response.content.decode()


def _sites(sites: list[ServiceSite]) -> dict[str, ServiceSite]:
    return {site.id: replace(site, terms=tuple(sorted(site.terms, key=str))) for site in sites}


def _site(service_id: str) -> Any:
    return next(site for site in register_sites() if site.id == service_id)


@pytest.mark.parametrize("tables", [False, True], ids=["json-feeds", "csv-tables"])
def test_a_refuge_keeps_its_confidential_place_through_export_and_import(
    release: Release,
    client_for: Callable[[Role | None], Client],
    tmp_path: Path,
    tables: bool,
) -> None:
    _register_with_refuges()
    staff = client_for(Role.PARTNER_ANALYST)
    need_before = _what_need_says(release)
    site_before = _site(SAFE_HARBOUR)
    assert site_before.confidential and not site_before.points
    assert need_before["area_wide"] == 1 and need_before["unplaced"] == 0
    assert WITHHELD in _staff_page(staff, SAFE_HARBOUR)
    assert WITHHELD in _staff_page(staff, factories.ADVICE)
    assert WITHHELD not in _staff_page(staff, factories.STAY_AND_PLAY)

    exported = json.loads((_round_trip(tmp_path, tables) / "services.json").read_text())

    assert not Location.objects.filter(pk=factories.REFUGE).exists()
    assert _site(SAFE_HARBOUR) == site_before
    # The gap measure reading the exported feed itself sees what the register sees.
    assert _sites(services_from_feed(exported)) == _sites(register_sites())
    assert _what_need_says(release) == need_before
    assert WITHHELD in _staff_page(staff, SAFE_HARBOUR)
    # A service at a refuge and a public place keeps both facts: counted at the public place,
    # and its staff page still says it has a confidential one.
    assert _site(factories.ADVICE).confidential and _site(factories.ADVICE).points
    assert WITHHELD in _staff_page(staff, factories.ADVICE)
    assert WITHHELD not in _staff_page(staff, factories.STAY_AND_PLAY)
    # The term says something about the service's place, not what kind of service it is.
    assert CONFIDENTIAL_LOCATION_TERM not in dict(directory.categories())


def test_a_second_round_trip_gives_back_the_same_feeds(tmp_path: Path) -> None:
    _register_with_refuges()
    first = _round_trip(tmp_path / "first", tables=False)
    second = tmp_path / "second"
    call_command("export_oruk", str(second), stdout=StringIO())
    for name in ("organizations.json", "taxonomies.json", "taxonomy_terms.json", "services.json"):
        exported = [json.loads((folder / name).read_text()) for folder in (first, second)]
        assert canonical(exported[1]) == canonical(exported[0])
    # Importing its own export again finds nothing to write.
    imported = set(FeedImport.objects.values_list("pk", flat=True))
    call_command("import_oruk", str(second), stdout=StringIO())
    again = FeedImport.objects.exclude(pk__in=imported)
    assert again.count() == 4
    assert all(report.stored == report.unchanged == report.received for report in again)
    assert Attribute.objects.filter(taxonomy_term_id=CONFIDENTIAL_LOCATION_TERM).count() == 2


def _secrets() -> set[str]:
    """Everything the register knows about its sensitive places, read from the register."""
    found: set[str] = set()
    for location in Location.objects.filter(sensitive=True):
        found |= {location.pk, str(location.fields["name"])}
        found |= {str(location.latitude), str(location.longitude)}
        for address in Address.objects.filter(location=location):
            found |= {address.pk, address.postal_code, str(address.fields["address_1"])}
        found |= set(Accessibility.objects.filter(location=location).values_list("pk", flat=True))
        found |= set(
            ServiceAtLocation.objects.filter(location=location).values_list("pk", flat=True)
        )
    return found


def test_no_export_holds_anything_about_a_confidential_place(
    tmp_path: Path, client: Client
) -> None:
    _register_with_refuges()
    secrets = _secrets()
    assert {factories.REFUGE, factories.REFUGE_ADDRESS, "SS13 3JH", "Safe house"} <= secrets
    assert {"51.572539", "0.506487", SAFE_HARBOUR_AT_REFUGE, REFUGE_ACCESS} <= secrets
    out = tmp_path / "register"
    call_command("export_oruk", str(out), "--csv", stdout=StringIO())
    api = [
        client.get(reverse("oruk:service", kwargs={"service_id": service_id})).content.decode()
        for service_id in (SAFE_HARBOUR, factories.ADVICE)
    ]
    written = {path: path.read_text() for path in out.rglob("*") if path.is_file()}
    for where, text in [*written.items(), *enumerate(api)]:
        shown = sorted(secret for secret in secrets if secret in text)
        assert not shown, f"{where} holds {shown}"
    # The services say they have a confidential place, and the feeds still meet the standard.
    services = json.loads((out / "services.json").read_text())
    marked = {
        service["id"]
        for service in services
        for attribute in service.get("attributes", [])
        if attribute["taxonomy_term"]["id"] == CONFIDENTIAL_LOCATION_TERM
    }
    assert marked == {SAFE_HARBOUR, factories.ADVICE}
    for index, service in enumerate(services):
        assert problems("service", service, f"services[{index}]") == []
    for feed in read_csv_folder(out / "csv"):
        for row, record in enumerate(feed.records, start=1):
            assert feed.kind is not None
            assert problems_against(f"{feed.kind}.json", record, f"{feed.source} row {row}") == []


CONFIDENTIAL_TERM = {
    "id": CONFIDENTIAL_LOCATION_TERM,
    "name": "Confidential location",
    "description": "The address must not be published (for example a refuge).",
}
PARTNER_MARK = "5c9d1e20-7a3b-4c6d-8e9f-0a1b2c3d4e5f"


def _partner_json(service: dict[str, Any]) -> list[Feed]:
    service["attributes"].append({"id": PARTNER_MARK, "taxonomy_term": CONFIDENTIAL_TERM})
    return [Feed("services.json", "service", [service])]


def _partner_csv(service: dict[str, Any], folder: Path) -> list[Feed]:
    tables = {
        "taxonomy_terms.csv": "id,name,description\n"
        f'{CONFIDENTIAL_LOCATION_TERM},Confidential location,"Not published, a refuge"\n'
        f"{FAMILY_SUPPORT},Family support,Support for families\n",
        "services.csv": "id,name,description,status\n"
        f"{SAFE_HARBOUR},Safe Harbour,Synthetic,active\n",
        "attributes.csv": "id,link_id,taxonomy_term_id\n"
        f"{PARTNER_MARK},{SAFE_HARBOUR},{CONFIDENTIAL_LOCATION_TERM}\n"
        f"{service['attributes'][0]['id']},{SAFE_HARBOUR},{FAMILY_SUPPORT}\n",
    }
    folder.mkdir()
    for name, text in tables.items():
        (folder / name).write_text(text, encoding="utf-8")
    return read_csv_folder(folder)


@pytest.mark.parametrize("form", ["json", "csv"])
def test_a_partner_feed_that_marks_the_service_gives_a_refuge_counted_everywhere(
    release: Release,
    client_for: Callable[[Role | None], Client],
    tmp_path: Path,
    form: str,
) -> None:
    """A partner publishes a refuge as a service carrying the confidential location term and
    no place at all: the register holds it as a service with a confidential place."""
    service = _safe_harbour([])
    taxonomy = {"id": factories.TAXONOMY, "name": "Partner categories", "description": "-"}
    assert import_feed(Feed("taxonomies.json", "taxonomy", [taxonomy])).refused == 0
    feeds = _partner_json(service) if form == "json" else _partner_csv(service, tmp_path / "csv")
    for feed in feeds:
        report = import_feed(feed)
        assert report.refused == 0, list(report.refusals.values_list("reason", flat=True))
    site = _site(SAFE_HARBOUR)
    assert site.confidential and not site.points
    need = _what_need_says(release)
    assert (need["matched"], need["area_wide"], need["unplaced"]) == (1, 1, 0)
    assert {services[-1] for services in need["services"].values()} == {1}
    page = client_for(None).get(reverse("assets:need", kwargs={"recipe": release.recipe}))
    assert "1 at a confidential place" in page.content.decode()
    assert WITHHELD in _staff_page(client_for(Role.PARTNER_ANALYST), SAFE_HARBOUR)
    assert CONFIDENTIAL_LOCATION_TERM not in dict(directory.categories())
    # Exported, the service carries the partner's own mark once, not a second one beside it.
    out = tmp_path / "register"
    call_command("export_oruk", str(out), stdout=StringIO())
    (exported,) = json.loads((out / "services.json").read_text())
    marks = [
        attribute["id"]
        for attribute in exported["attributes"]
        if attribute["taxonomy_term"]["id"] == CONFIDENTIAL_LOCATION_TERM
    ]
    assert marks == [PARTNER_MARK]


PARTNER_TAXONOMY = "5c9d1e20-7a3b-4c6d-8e9f-0a1b2c3d4e60"


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [record["id"] for record in response.json()["contents"]]


def _marks(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        attribute
        for attribute in record.get("attributes", [])
        if attribute["taxonomy_term"]["id"] == CONFIDENTIAL_LOCATION_TERM
    ]


def test_the_api_finds_every_service_with_a_confidential_place_by_its_term_and_never_the_place(
    client: Client,
) -> None:
    """Neither refuge service has a stored mark: the API's term search, its records and its
    list of terms answer as the export does, from the sensitive locations."""
    _register_with_refuges()
    assert not Attribute.objects.filter(taxonomy_term_id=CONFIDENTIAL_LOCATION_TERM).exists()
    by_term = {"taxonomy_term_id": CONFIDENTIAL_LOCATION_TERM, "per_page": "500"}
    services = client.get("/oruk/services", by_term)
    places = client.get("/oruk/service_at_locations", by_term)
    records = {
        service_id: client.get(f"/oruk/services/{service_id}")
        for service_id in (SAFE_HARBOUR, factories.ADVICE, factories.STAY_AND_PLAY)
    }
    at_hub = client.get(f"/oruk/service_at_locations/{factories.ADVICE_AT_HUB}")
    terms = client.get("/oruk/taxonomy_terms", {"per_page": "500"})
    term = client.get(f"/oruk/taxonomy_terms/{CONFIDENTIAL_LOCATION_TERM}")

    assert set(_ids(services)) == confidential_services() == {SAFE_HARBOUR, factories.ADVICE}
    # Safe Harbour has no public place; the advice service only its hub.
    assert _ids(places) == [factories.ADVICE_AT_HUB]
    for service_id, response in records.items():
        expected = [] if service_id == factories.STAY_AND_PLAY else [confidential_mark(service_id)]
        marks = _marks(response.json())
        assert [{**mark, "taxonomy_term": CONFIDENTIAL_TERM} for mark in expected] == marks
    advice_mark = {**confidential_mark(factories.ADVICE), "taxonomy_term": CONFIDENTIAL_TERM}
    assert _marks(at_hub.json()["service"]) == [advice_mark]
    # The term each mark names is one the API lists and serves, as the export's terms hold it.
    assert CONFIDENTIAL_LOCATION_TERM in _ids(terms)
    assert term.status_code == 200 and term.json() == CONFIDENTIAL_TERM
    secrets = _secrets()
    for response in (services, places, *records.values(), at_hub, terms, term):
        text = response.content.decode()
        shown = sorted(secret for secret in secrets if secret in text)
        assert not shown, f"{response.request['PATH_INFO']} holds {shown}"


def test_a_term_list_with_the_term_the_register_only_writes_pages_through_it_in_name_order(
    client: Client,
) -> None:
    _register_with_refuges()
    held = list(TaxonomyTerm.objects.order_by("name", "pk").values_list("pk", flat=True))
    everything = _ids(client.get("/oruk/taxonomy_terms", {"per_page": "500"}))
    pages = [
        client.get("/oruk/taxonomy_terms", {"per_page": "1", "page": str(number)}).json()
        for number in range(1, len(held) + 3)
    ]

    assert CONFIDENTIAL_LOCATION_TERM not in held and len(everything) == len(held) + 1
    assert [term for term in everything if term != CONFIDENTIAL_LOCATION_TERM] == held
    names = [client.get(f"/oruk/taxonomy_terms/{term}").json()["name"] for term in everything]
    assert names == sorted(names)
    assert [record["id"] for page in pages for record in page["contents"]] == everything
    assert {page["total_items"] for page in pages} == {len(held) + 1}
    assert pages[-1]["empty"] and pages[-2]["last_page"]


def test_a_search_by_the_taxonomy_the_register_holds_the_term_in_finds_every_refuge_service(
    client: Client,
) -> None:
    """A partner published the confidential location term in a taxonomy of its own; the marks
    the register writes carry the term as it holds it, so a search by that taxonomy finds the
    services they mark, as it finds the services a feed marked."""
    _register_with_refuges()
    taxonomy = {"id": PARTNER_TAXONOMY, "name": "Partner places", "description": "-"}
    held_term = {**CONFIDENTIAL_TERM, "taxonomy_id": PARTNER_TAXONOMY}
    assert import_feed(Feed("taxonomies.json", "taxonomy", [taxonomy])).refused == 0
    assert import_feed(Feed("taxonomy_terms.json", "taxonomy_term", [held_term])).refused == 0

    found = client.get("/oruk/services", {"taxonomy_id": PARTNER_TAXONOMY})
    record = client.get(f"/oruk/services/{SAFE_HARBOUR}").json()
    elsewhere = client.get("/oruk/services", {"taxonomy_id": factories.TAXONOMY})

    assert set(_ids(found)) == {SAFE_HARBOUR, factories.ADVICE}
    assert _marks(record) == [{**confidential_mark(SAFE_HARBOUR), "taxonomy_term": held_term}]
    # Both are also of the factories' taxonomy by their own kinds; the playgroup only by its own.
    assert set(_ids(elsewhere)) == {SAFE_HARBOUR, factories.ADVICE, factories.STAY_AND_PLAY}
