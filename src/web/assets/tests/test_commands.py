"""``import_oruk`` and ``export_oruk`` as someone at the command line runs them."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from web.assets.feeds import FeedRefused, read_json_feed
from web.assets.models import FeedImport, Service
from web.assets.tests import factories
from web.assets.tests.examples import examples_folder
from web.assets.tests.factories import make_register
from web.governance.models import Action, Event

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_examples_exported_and_imported_again_change_nothing(tmp_path: Path) -> None:
    run("import_oruk", str(examples_folder()))
    run("export_oruk", str(tmp_path))
    for path in sorted(tmp_path.glob("*.json")):
        feed = read_json_feed(path.read_bytes(), path.name)
        for index, record in enumerate(feed.records):
            assert not feed.problems(record, f"{path.name}[{index}]")
    before = FeedImport.objects.count()
    printed = run("import_oruk", str(tmp_path))
    again = FeedImport.objects.order_by("id")[before:]
    assert [report.stored for report in again] == [report.unchanged for report in again]
    assert "0 refused" in printed
    assert Event.objects.filter(action=Action.DATA_EXPORTED).count() == 1


def test_a_refused_record_is_printed_with_its_path(tmp_path: Path) -> None:
    service = json.loads((examples_folder() / "service_full.json").read_text(encoding="utf-8"))
    service["status"] = "open"
    feed = tmp_path / "services.json"
    feed.write_text(json.dumps([service]), encoding="utf-8")
    printed = run("import_oruk", str(feed))
    assert "1 services received, 0 stored (0 unchanged), 1 refused" in printed
    assert "refused services[0].status: 'open' is not one of" in printed
    assert not Service.objects.exists()


def test_a_file_of_unknown_kind_is_an_error_saying_what_to_do(tmp_path: Path) -> None:
    feed = tmp_path / "download.json"
    feed.write_text("[]", encoding="utf-8")
    with pytest.raises(CommandError, match="Name the kind"):
        run("import_oruk", str(feed))
    with pytest.raises(FeedRefused):
        read_json_feed(b"{", "services.json")


def test_staff_mark_a_location_sensitive_and_the_api_stops_serving_it(client: Client) -> None:
    make_register()
    run("mark_sensitive", factories.HUB)
    response = client.get("/oruk/service_at_locations")
    assert factories.HUB not in response.content.decode()
    assert Event.objects.filter(action=Action.ADMIN_CHANGE, object_id=factories.HUB).exists()
    run("mark_sensitive", factories.HUB, "--clear")
    assert factories.HUB in client.get("/oruk/service_at_locations").content.decode()
    with pytest.raises(CommandError, match="No location has id nowhere"):
        run("mark_sensitive", "nowhere")
