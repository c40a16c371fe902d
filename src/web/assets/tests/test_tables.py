"""The standard's CSV tables: read cell by cell as their schemas type them, every row stored or
refused with its row number, and written back out so they read in again unchanged."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from web.assets.feeds import import_feed
from web.assets.models import CostOption, FeedImport
from web.assets.schemas import problems_against
from web.assets.tables import read_csv_folder, read_csv_table, table_for
from web.assets.tests.examples import examples_folder

pytestmark = pytest.mark.django_db


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_the_example_tables_are_stored_or_refused_row_by_row() -> None:
    reports = [import_feed(feed) for feed in read_csv_folder(examples_folder() / "csv")]
    assert all(report.received == report.stored + report.refused for report in reports)
    refusals = {
        refusal.path: refusal.reason for report in reports for refusal in report.refusals.all()
    }
    # The standard's examples give a taxonomy term a taxonomy that is in none of its tables,
    # and keep tables the register does not hold (programs, required documents).
    assert "taxonomy_terms.csv row 1.taxonomy_id" in refusals
    assert "programs.csv row 1" in refusals
    assert CostOption.objects.get().fields["amount"] == 35


def test_exported_tables_meet_their_schemas_and_read_back_unchanged(tmp_path: Path) -> None:
    for feed in read_csv_folder(examples_folder() / "csv"):
        import_feed(feed)
    call_command("export_oruk", str(tmp_path), "--csv", stdout=StringIO())
    before = FeedImport.objects.count()
    for path in sorted((tmp_path / "csv").glob("*.csv")):
        kind = table_for(path.name)
        assert kind is not None, path.name
        feed = read_csv_table(path.read_bytes(), path.name)
        for index, record in enumerate(feed.records):
            assert not problems_against(f"{kind}.json", record, f"{path.name} row {index + 1}")
    for feed in read_csv_folder(tmp_path / "csv"):
        import_feed(feed)
    again = FeedImport.objects.order_by("id")[before:]
    assert all(report.stored == report.unchanged for report in again)
    assert sum(report.refused for report in again) == 0
    services = rows(tmp_path / "csv" / "services.csv")
    published = rows(examples_folder() / "csv" / "services.csv")
    assert [{key: value for key, value in row.items() if value} for row in services] == published


def test_a_row_with_text_where_a_number_belongs_is_refused_with_its_row_number() -> None:
    feed = read_csv_table(
        b"id,name,status,minimum_age\n"
        b"6f1c2a3b-0000-4000-8000-000000000001,Stay and play,active,two\n",
        "services.csv",
    )
    report = import_feed(feed)
    assert report.refused == 1
    assert report.refusals.get().path == "services.csv row 1.minimum_age"
