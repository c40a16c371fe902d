"""Feeds mangled at random: the importer never crashes and every record is counted, stored
or refused with a reason.

Structure-aware: each feed starts from valid records (the standard's examples, and the
register's own test services with schedules, costs, access and places) and has values
replaced by values of any JSON type, removed, or given a copied id, one to three times."""

from __future__ import annotations

import copy
import csv
import json
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from web.assets.feeds import PLURALS, Feed, FeedRefused, import_feed, read_json_feed
from web.assets.models import RefusedRecord
from web.assets.tables import read_csv_table
from web.assets.tests import factories
from web.assets.tests.examples import EXAMPLES

pytestmark = pytest.mark.django_db

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["", "active", "WEEKLY", "10:00", "2024-01-01T00:00:00Z"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
KIND_FILES = {
    "service": "service_full.json",
    "organization": "organization_full.json",
    "service_at_location": "service_at_location_full.json",
    "taxonomy": "taxonomy.json",
    "taxonomy_term": "taxonomy_term.json",
}


def valid_records(kind: str) -> list[Any]:
    """Valid records of ``kind`` to mangle: the standard's example when it is beside the
    repository, and for services always the register's own test services."""
    found = []
    if EXAMPLES.is_dir():
        found.append(json.loads((EXAMPLES / KIND_FILES[kind]).read_text(encoding="utf-8")))
    if kind == "service":
        found.extend([*factories.services(), factories.saturday_playgroup()])
    return found


@st.composite
def mangled(draw: st.DrawFn, record: Any) -> Any:
    """``record`` with one to three values inside it replaced, removed or duplicated."""
    for _ in range(draw(st.integers(1, 3))):
        record = draw(mangled_once(record))
    return record


@st.composite
def mangled_once(draw: st.DrawFn, record: Any) -> Any:
    """``record`` with one value somewhere inside it replaced, removed or duplicated."""
    record = copy.deepcopy(record)
    holder, key = None, None
    node = record
    while isinstance(node, dict | list) and node and draw(st.booleans()):
        holder = node
        key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
        node = node[key]
    if holder is None or key is None:
        return draw(JSON)
    action = draw(st.sampled_from(["replace", "remove", "copy id"]))
    if action == "remove" and isinstance(holder, dict):
        del holder[key]
    elif action == "copy id" and isinstance(node, dict):
        # A copy: a feed parsed from text never holds a value inside itself.
        node["id"] = copy.deepcopy(record.get("id")) if isinstance(record, dict) else None
    else:
        holder[key] = draw(JSON)
    return record


@st.composite
def feeds(draw: st.DrawFn) -> Feed:
    kinds = [kind for kind in sorted(KIND_FILES) if valid_records(kind)]
    kind = draw(st.sampled_from(kinds))
    valid = st.sampled_from(valid_records(kind))
    records = draw(st.lists(valid.flatmap(mangled) | valid | JSON, min_size=0, max_size=4))
    return Feed(f"{PLURALS[kind]}.json", kind, records)


def check_every_record_is_counted(feed: Feed) -> None:
    before = RefusedRecord.objects.count()
    report = import_feed(feed)
    assert report.received == len(feed.records) == report.stored + report.refused
    assert RefusedRecord.objects.count() - before == report.refused
    records = [feed.where(index) for index in range(len(feed.records))]
    for refusal in report.refusals.all():
        assert any(refusal.path.startswith(record) for record in records)
        assert refusal.reason


# An import of up to four records takes tens of milliseconds; a second or more is a fault.
DEADLINE = timedelta(seconds=5)
QUICK = settings(max_examples=20, deadline=DEADLINE, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(max_examples=400, deadline=DEADLINE, suppress_health_check=list(HealthCheck))


@QUICK
@given(feed=feeds())
def test_a_mangled_feed_is_stored_or_refused_record_by_record(feed: Feed) -> None:
    check_every_record_is_counted(feed)


@pytest.mark.slow
@THOROUGH
@given(feed=feeds())
def test_many_mangled_feeds_are_stored_or_refused_record_by_record(feed: Feed) -> None:
    check_every_record_is_counted(feed)


@QUICK
@given(data=st.binary(max_size=200) | JSON.map(lambda value: json.dumps(value).encode()))
def test_any_bytes_are_read_as_a_feed_or_refused_whole(data: bytes) -> None:
    try:
        feed = read_json_feed(data, "services.json")
    except FeedRefused as refusal:
        assert "services.json" in str(refusal)
        return
    report = import_feed(feed)
    assert report.received == report.stored + report.refused


@QUICK
@given(
    name=st.sampled_from(["services.csv", "schedules.csv", "programs.csv", "locations.csv"]),
    cells=st.lists(
        st.lists(
            st.text(max_size=12) | st.sampled_from(["active", "WEEKLY", "12", ""]),
            min_size=1,
            max_size=5,
        ),
        max_size=4,
    ),
)
def test_any_csv_table_is_stored_or_refused_row_by_row(name: str, cells: list[list[str]]) -> None:
    text = StringIO()
    csv.writer(text).writerows([["id", "name", "status", "location_type", "freq"], *cells])
    try:
        feed = read_csv_table(text.getvalue().encode(), name)
    except FeedRefused:
        return
    check_every_record_is_counted(feed)
