"""Importing ORUK feeds: what is stored, what is refused and why, and what comes back out."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from web.assets import export
from web.assets.feeds import Feed, FeedRefused, import_feed, read_json_feed
from web.assets.models import Location, RefusedRecord, Schedule, Service
from web.assets.schemas import problems
from web.assets.tests.examples import canonical, examples_folder
from web.governance.models import Action, Event

pytestmark = pytest.mark.django_db

# Each example file, the kind it holds and the shape the ORUK API gives it.
EXAMPLES: dict[str, tuple[str, export.Shape]] = {
    "organization_full.json": ("organization", export.ORGANIZATION_FULL),
    "organization_list.json": ("organization", export.ORGANIZATION_LIST),
    "service_full.json": ("service", export.SERVICE_FULL),
    "service_list.json": ("service", export.SERVICE_LIST),
    "service_at_location_full.json": ("service_at_location", export.SERVICE_AT_LOCATION_FULL),
    "service_at_location_list.json": ("service_at_location", export.SERVICE_AT_LOCATION_LIST),
    "taxonomy.json": ("taxonomy", export.TAXONOMY_FULL),
    "taxonomy_list.json": ("taxonomy", export.TAXONOMY_FULL),
    "taxonomy_term.json": ("taxonomy_term", export.TAXONOMY_TERM_FULL),
    "taxonomy_term_list.json": ("taxonomy_term", export.TAXONOMY_TERM_FULL),
}


def example(name: str) -> Any:
    return json.loads((examples_folder() / name).read_text(encoding="utf-8"))


def full_service() -> dict[str, Any]:
    service: dict[str, Any] = example("service_full.json")
    return service


def records_of(document: Any) -> list[Any]:
    if isinstance(document, dict) and "contents" in document:
        return list(document["contents"])
    return [document]


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_published_example_comes_back_out_as_it_went_in(name: str) -> None:
    kind, shape = EXAMPLES[name]
    published = example(name)
    report = import_feed(read_json_feed(json.dumps(published).encode(), name))
    assert (report.received, report.stored, report.refused) == (1, 1, 0)
    exported = export.render_all(kind, export.public_records(kind).order_by("pk"), shape)
    for record in exported:
        assert not problems(kind, record, name)
    assert canonical(exported) == canonical(records_of(published))


def test_importing_the_same_feed_again_changes_nothing_and_says_so() -> None:
    feed = read_json_feed(
        json.dumps(example("organization_full.json")).encode(), "organizations.json"
    )
    first = import_feed(feed)
    second = import_feed(feed)
    assert first.unchanged == 0 and sum(first.written.values()) > 10
    assert (second.stored, second.unchanged, second.written) == (1, 1, {})


def test_a_schedule_with_a_bad_frequency_refuses_its_service_and_says_where() -> None:
    good, bad = full_service(), full_service()
    bad["id"] = "5f6b0d4e-0000-4000-8000-000000000001"
    bad["schedules"][0]["freq"] = "FORTNIGHTLY"
    bad["schedules"][0]["id"] = "5f6b0d4e-0000-4000-8000-000000000002"
    report = import_feed(Feed("services.json", "service", [good, bad]))
    assert (report.received, report.stored, report.refused) == (2, 1, 1)
    refusal = RefusedRecord.objects.get()
    assert refusal.path == "services[1].schedules[0].freq"
    assert "'FORTNIGHTLY' is not one of" in refusal.reason
    assert refusal.record == bad
    assert not Schedule.objects.filter(pk=bad["schedules"][0]["id"]).exists()
    assert not Service.objects.filter(pk=bad["id"]).exists()


def test_a_record_holding_a_nul_character_is_refused_and_kept_readable() -> None:
    good, bad = full_service(), full_service()
    bad["id"] = "5f6b0d4e-0000-4000-8000-000000000003"
    bad["schedules"] = []
    bad["description"] = "Open\x00 to all"
    feed = read_json_feed(json.dumps([good, bad]).encode(), "services.json")
    report = import_feed(feed)
    assert (report.received, report.stored, report.refused) == (2, 1, 1)
    refusal = report.refusals.get()
    assert refusal.path == "services[1].description"
    assert "NUL character" in refusal.reason
    assert refusal.record == {**bad, "description": "Open\\u0000 to all"}
    assert not Service.objects.filter(pk=bad["id"]).exists()


def test_a_record_pointing_at_an_unknown_location_is_refused_and_nothing_of_it_is_kept() -> None:
    sal = {
        "id": "9a0c1b2d-0000-4000-8000-000000000003",
        "service": {
            "id": "9a0c1b2d-0000-4000-8000-000000000004",
            "name": "Stay and play",
            "status": "active",
        },
        "location_id": "9a0c1b2d-0000-4000-8000-000000000005",
    }
    report = import_feed(Feed("sal.json", "service_at_location", [sal]))
    assert report.refused == 1
    refusal = report.refusals.get()
    assert refusal.path == "service_at_locations[0].location_id"
    assert "is neither in this feed before it nor in the register" in refusal.reason
    # The nested service was written before the refusal, inside the record's savepoint.
    assert not Service.objects.exists()


def test_every_import_is_one_event_in_the_governance_log() -> None:
    import_feed(Feed("services.json", "service", [full_service(), "not a record"]))
    event = Event.objects.get(action=Action.ASSET_FEED_IMPORTED)
    assert event.detail["received"] == 2
    assert event.detail["stored"] + event.detail["refused"] == 2


def test_a_file_that_is_not_json_is_refused_whole() -> None:
    with pytest.raises(FeedRefused, match="is not JSON"):
        read_json_feed(b"id,name\n1,x\n", "service_list.json")
    with pytest.raises(FeedRefused, match="NaN is not a JSON number"):
        read_json_feed(b'[{"id": "a", "minimum_age": NaN}]', "service_list.json")


def test_a_feed_of_unknown_kind_asks_for_the_kind() -> None:
    with pytest.raises(FeedRefused, match="Name the kind"):
        read_json_feed(b"[]", "download.json")


def test_a_sensitive_location_and_its_address_never_leave_the_register() -> None:
    import_feed(Feed("services.json", "service", [full_service()]))
    location = Location.objects.get()
    location.sensitive = True
    location.save()
    exported = json.dumps(
        export.render_all("service", Service.objects.all(), export.SERVICE_FULL)
        + export.render_all(
            "organization", export.public_records("organization"), export.ORGANIZATION_FULL
        )
    )
    assert location.pk not in exported
    assert location.fields["name"] not in exported
    assert "1-30 Main Street" not in exported
    assert not export.public_records("service_at_location").exists()


def test_a_feed_cannot_clear_the_sensitive_mark() -> None:
    service = full_service()
    import_feed(Feed("services.json", "service", [service]))
    Location.objects.update(sensitive=True)
    changed = copy.deepcopy(service)
    changed["service_at_locations"][0]["location"]["name"] = "Renamed"
    import_feed(Feed("services.json", "service", [changed]))
    assert Location.objects.get().sensitive


def test_a_schedule_the_feed_no_longer_lists_is_removed() -> None:
    service = full_service()
    import_feed(Feed("services.json", "service", [service]))
    service["schedules"] = []
    report = import_feed(Feed("services.json", "service", [service]))
    assert report.written == {"schedule removed": 1}
    assert not Schedule.objects.exists()
