"""A small register built in code: two services, one of them also at a refuge; and, added on
request, a Saturday playgroup with a cost and access, a report and a proposed change."""

from __future__ import annotations

from typing import Any

from web.accounts.models import User
from web.accounts.roles import Role
from web.assets.feeds import Feed, import_feed
from web.assets.models import (
    ChangedKind,
    ErrorReport,
    FeedImport,
    Location,
    RecordChange,
    Service,
)

TAXONOMY = "7d1c0a52-1f4e-4c1a-9a51-000000000001"
TERM_FAMILY = "7d1c0a52-1f4e-4c1a-9a51-000000000002"
TERM_ADVICE = "7d1c0a52-1f4e-4c1a-9a51-000000000003"
ORGANIZATION = "7d1c0a52-1f4e-4c1a-9a51-000000000010"
STAY_AND_PLAY = "7d1c0a52-1f4e-4c1a-9a51-000000000020"
ADVICE = "7d1c0a52-1f4e-4c1a-9a51-000000000021"
HUB = "7d1c0a52-1f4e-4c1a-9a51-000000000030"
REFUGE = "7d1c0a52-1f4e-4c1a-9a51-000000000031"
PLAY_AT_HUB = "7d1c0a52-1f4e-4c1a-9a51-000000000040"
ADVICE_AT_HUB = "7d1c0a52-1f4e-4c1a-9a51-000000000041"
ADVICE_AT_REFUGE = "7d1c0a52-1f4e-4c1a-9a51-000000000042"
REFUGE_ADDRESS = "12 Hidden Lane"
TERM_PLAY = "7d1c0a52-1f4e-4c1a-9a51-000000000004"
PLAYGROUP = "7d1c0a52-1f4e-4c1a-9a51-000000000022"
CHURCH_HALL = "7d1c0a52-1f4e-4c1a-9a51-000000000032"
PLAYGROUP_AT_HALL = "7d1c0a52-1f4e-4c1a-9a51-000000000043"
PLAYGROUP_COST = "7d1c0a52-1f4e-4c1a-9a51-000000000080"
PLAYGROUP_LANGUAGE = "7d1c0a52-1f4e-4c1a-9a51-000000000090"
PLAYGROUP_CONTACT = "7d1c0a52-1f4e-4c1a-9a51-0000000000a0"
PLAYGROUP_PHONE = "7d1c0a52-1f4e-4c1a-9a51-0000000000a1"
# Postcodes of the area: the hall's own, and one about 4 miles away (Wickford).
HALL_POSTCODE = "SS14 1AE"
FAR_POSTCODE = "SS12 0AA"


def _term(term_id: str, name: str) -> dict[str, Any]:
    return {
        "id": term_id,
        "name": name,
        "description": f"Services for {name.lower()}",
        "taxonomy_id": TAXONOMY,
    }


def _location(
    location_id: str, name: str, street: str, postcode: str, point: tuple[float, float]
) -> dict[str, Any]:
    return {
        "id": location_id,
        "location_type": "physical",
        "name": name,
        "latitude": point[0],
        "longitude": point[1],
        "addresses": [
            {
                "id": f"{location_id[:-2]}9{location_id[-1]}",
                "address_1": street,
                "city": "Basildon",
                "state_province": "Essex",
                "postal_code": postcode,
                "country": "GB",
                "address_type": "physical",
            }
        ],
    }


def services() -> list[dict[str, Any]]:
    organization = {
        "id": ORGANIZATION,
        "name": "Basildon Family Partnership (synthetic)",
        "description": "A synthetic organisation for tests.",
    }
    hub = _location(
        HUB, "Town centre family hub", "1 Market Square", "SS14 1AE", (51.569413, 0.460871)
    )
    refuge = _location(REFUGE, "Safe house", REFUGE_ADDRESS, "SS13 3JH", (51.572539, 0.506487))
    return [
        {
            "id": STAY_AND_PLAY,
            "name": "Stay and play",
            "description": "Play sessions for babies and toddlers with their parents.",
            "status": "active",
            "minimum_age": 0,
            "maximum_age": 4,
            "last_modified": "2025-03-01T09:00:00Z",
            "organization": organization,
            "schedules": [
                {
                    "id": "7d1c0a52-1f4e-4c1a-9a51-000000000050",
                    "freq": "WEEKLY",
                    "byday": "MO,WE",
                    "opens_at": "09:30:00",
                    "closes_at": "11:30:00",
                }
            ],
            "service_at_locations": [{"id": PLAY_AT_HUB, "location": hub}],
            "attributes": [
                {
                    "id": "7d1c0a52-1f4e-4c1a-9a51-000000000060",
                    "taxonomy_term": _term(TERM_FAMILY, "Families"),
                }
            ],
        },
        {
            "id": ADVICE,
            "name": "Domestic abuse advice",
            "description": "Confidential advice and a safe place to stay.",
            "status": "active",
            "minimum_age": 16,
            "maximum_age": 120,
            "last_modified": "2024-01-15T12:00:00Z",
            "organization": organization,
            "schedules": [
                {
                    "id": "7d1c0a52-1f4e-4c1a-9a51-000000000051",
                    "freq": "WEEKLY",
                    "byday": "TU",
                    "opens_at": "13:00:00",
                    "closes_at": "16:00:00",
                }
            ],
            "service_at_locations": [
                {"id": ADVICE_AT_HUB, "location": hub},
                {"id": ADVICE_AT_REFUGE, "location": refuge},
            ],
            "attributes": [
                {
                    "id": "7d1c0a52-1f4e-4c1a-9a51-000000000061",
                    "taxonomy_term": _term(TERM_ADVICE, "Advice"),
                }
            ],
        },
    ]


def saturday_playgroup() -> dict[str, Any]:
    hall = _location(
        CHURCH_HALL, "St Martin's church hall", "Church Walk", HALL_POSTCODE, (51.5705, 0.4580)
    )
    hall["description"] = "Two minutes from Basildon bus station; the door is on Church Walk."
    hall["accessibility"] = [
        {"id": "7d1c0a52-1f4e-4c1a-9a51-000000000070", "description": "Step-free entrance"},
        {"id": "7d1c0a52-1f4e-4c1a-9a51-000000000071", "description": "Baby changing"},
    ]
    return {
        "id": PLAYGROUP,
        "name": "Little Stars Saturday playgroup",
        "description": "Play, songs and a snack for under-fives and their grown-ups.",
        "status": "active",
        "minimum_age": 0,
        "maximum_age": 5,
        "last_modified": "2025-06-01T09:00:00Z",
        "schedules": [
            {
                "id": "7d1c0a52-1f4e-4c1a-9a51-000000000052",
                "freq": "WEEKLY",
                "byday": "SA",
                "opens_at": "10:00",
                "closes_at": "12:00",
                "valid_from": "2025-01-04",
                "notes": "Closed on bank holiday weekends.",
            }
        ],
        "cost_options": [
            {
                "id": PLAYGROUP_COST,
                "option": "per family, per session",
                "amount": 2,
                "currency": "GBP",
            }
        ],
        "languages": [{"id": PLAYGROUP_LANGUAGE, "name": "English"}],
        "service_at_locations": [{"id": PLAYGROUP_AT_HALL, "location": hall}],
        "attributes": [
            {
                "id": "7d1c0a52-1f4e-4c1a-9a51-000000000062",
                "taxonomy_term": _term(TERM_PLAY, "Play"),
            }
        ],
    }


def playgroup_with_contact() -> dict[str, Any]:
    """The playgroup with a contact, and the contact's phone."""
    playgroup = saturday_playgroup()
    playgroup["contacts"] = [
        {
            "id": PLAYGROUP_CONTACT,
            "name": "Sam Organiser (synthetic)",
            "title": "Group organiser",
            "phones": [{"id": PLAYGROUP_PHONE, "number": "01268 000001"}],
        }
    ]
    return playgroup


def add_saturday_playgroup() -> None:
    """Adds the playgroup to a register ``make_register`` made."""
    import_feed(Feed("services.json", "service", [saturday_playgroup()]))


def make_register() -> FeedImport:
    """Imports the register and marks the refuge sensitive; returns the import's report."""
    taxonomy = {"id": TAXONOMY, "name": "Bakehouse categories", "description": "Synthetic"}
    import_feed(Feed("taxonomies.json", "taxonomy", [taxonomy]))
    report = import_feed(Feed("services.json", "service", services()))
    Location.objects.filter(pk=REFUGE).update(sensitive=True)
    return report


def register_samples() -> dict[str, object]:
    """URL parameters pointing at records of the register, made on first use."""
    report = make_register()
    service = Service.objects.get(pk=STAY_AND_PLAY)
    editor, _ = User.objects.get_or_create(
        username="register-editor", defaults={"role": Role.PARTNER_ANALYST}
    )
    error = ErrorReport.objects.create(
        service=service, part="opening", what_is_wrong="It now meets on Thursdays."
    )
    change = RecordChange.objects.create(
        service=service,
        kind=ChangedKind.SERVICE,
        record_id=service.pk,
        before={"name": service.fields["name"]},
        after={"name": "Stay and play (Thursdays)"},
        reason="The report of today, confirmed by phone",
        report=error,
        proposed_by=editor,
    )
    return {
        "import_id": report.pk,
        "report_id": error.pk,
        "change_id": change.pk,
        "service_id": STAY_AND_PLAY,
        "service_at_location_id": PLAY_AT_HUB,
        "taxonomy_id": TAXONOMY,
        "taxonomy_term_id": TERM_FAMILY,
    }
