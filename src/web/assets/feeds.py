"""Importing an Open Referral UK feed into the register.

A feed is what an ORUK API returns (a page of records, or a list of full records, or one
record) for one kind: organisations, services, services at locations, taxonomies or taxonomy
terms. Each top-level record is checked against the ORUK schema of its kind before anything
of it is stored; a refused record is kept with the path and reason of every problem. The
whole import is one transaction, ends with one governance event, and counts every record:
received = stored + refused. A record holding a NUL character is refused (PostgreSQL's text and
JSON cannot hold one) and kept with each NUL written ``\\u0000``. Storing a record that is
already there as published changes nothing and is counted as unchanged. A location the feed
links to the confidential location term is marked sensitive. A service the feed links to it
keeps that link as its attribute, as any other, and is from then on a service with a
confidential place the feed does not give (``export.confidential_services``; docs/adr/0049).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from web.accounts.models import User
from web.assets.models import Attribute, FeedFormat, FeedImport, Location, RefusedRecord
from web.assets.records import CONFIDENTIAL_LOCATION_TERM, Outcome, RecordRefused, store
from web.assets.schemas import page_problems, problems, problems_against
from web.core.storable import nul_path, without_nul
from web.governance.models import Action
from web.governance.services import record_event
from web.jobs.progress import Progress, no_progress

# The steps an import reports to whoever watches it.
CHECKING = "Checking records against the Open Referral UK standard"
STORING = "Storing the records that meet it"

# The kinds a feed can hold, longest name first so that file names match the right one.
FEED_KINDS = ("service_at_location", "taxonomy_term", "organization", "taxonomy", "service")
PLURALS = {
    "organization": "organizations",
    "service": "services",
    "service_at_location": "service_at_locations",
    "taxonomy": "taxonomies",
    "taxonomy_term": "taxonomy_terms",
}


class FeedRefused(Exception):
    """The feed as a whole cannot be read; nothing of it is stored."""

    def __init__(self, source: str, what: str, fix: str) -> None:
        self.source = source
        super().__init__(f"{source}: {what}. {fix}")


@dataclass(frozen=True)
class Feed:
    """Records of one kind from one source. A JSON feed's records are checked against the
    compiled schema of their kind; a CSV table's rows against the table's own schema, and a
    table the register does not hold (``kind`` None) has every row refused, saying so."""

    source: str
    kind: str | None
    records: list[Any]
    feed_format: FeedFormat = FeedFormat.JSON

    def where(self, index: int) -> str:
        if self.feed_format == FeedFormat.CSV:
            return f"{Path(self.source).name} row {index + 1}"
        return f"{PLURALS.get(self.kind or '', 'records')}[{index}]"

    def problems(self, record: Any, where: str) -> list[str]:
        if self.kind is None:
            return [f"{where}: the register holds no such table; nothing of it is stored"]
        if self.feed_format == FeedFormat.CSV:
            return problems_against(f"{self.kind}.json", record, where)
        return problems(self.kind, record, where)


def kind_from_name(name: str) -> str | None:
    """``service_list.json`` -> ``service``; None when the name says no kind."""
    stem = Path(name).name.lower()
    return next((kind for kind in FEED_KINDS if stem.startswith((kind, PLURALS[kind]))), None)


def _refuse_constant(constant: str) -> None:
    raise ValueError(f"{constant} is not a JSON number")


def read_json_feed(data: bytes, source: str, kind: str | None = None) -> Feed:
    """The records of a JSON feed. ``kind`` defaults to the one its file name says."""
    kind = kind or kind_from_name(source)
    if kind not in PLURALS:
        raise FeedRefused(
            source,
            "cannot tell which ORUK records this feed holds",
            f"Name the kind ({', '.join(PLURALS)}), or name the file after it "
            "(e.g. service_list.json)",
        )
    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise FeedRefused(
            source, f"is not JSON ({error})", "Export the feed again as UTF-8 JSON"
        ) from None
    if isinstance(document, list):
        return Feed(source, kind, document)
    if isinstance(document, dict) and "contents" in document:
        envelope = {key: value for key, value in document.items() if key != "contents"}
        wrong = page_problems(envelope)
        if not isinstance(document["contents"], list):
            wrong.append("page.contents: expected a list of records")
        if wrong:
            raise FeedRefused(
                source,
                f"is not an ORUK page ({'; '.join(wrong)})",
                "Give the page as the ORUK API returns it",
            )
        return Feed(source, kind, document["contents"])
    if isinstance(document, dict):
        return Feed(source, kind, [document])
    raise FeedRefused(
        source,
        "holds neither a page, nor a list of records, nor one record",
        "Give the feed as the ORUK API returns it",
    )


@dataclass(frozen=True)
class Refusal:
    path: str
    reason: str
    record: Any


def import_feed(
    feed: Feed, *, actor: User | None = None, progress: Progress = no_progress
) -> FeedImport:
    """Check every record of ``feed``, then store the good ones in one transaction; returns
    the report. ``progress`` hears how many records are checked, then stored: the checking
    runs outside the transaction, so someone watching sees it move."""
    total = len(feed.records)
    # Refusals by the record's place in the feed, so the report lists them in its order.
    refused: dict[int, Refusal] = {}
    checked: list[tuple[int, str, Any]] = []
    for index, record in enumerate(feed.records):
        progress(index, total, CHECKING)
        where = feed.where(index)
        refusal = _check_one(feed, record, where)
        if refusal is None:
            checked.append((index, where, record))
        else:
            refused[index] = refusal
    progress(total, total, CHECKING)
    written: Counter[str] = Counter()
    stored = unchanged = 0
    progress(0, len(checked), STORING)
    kind = feed.kind or ""  # a feed of no known kind has every record refused above
    with transaction.atomic():
        for index, where, record in checked:
            result = _store_one(kind, record, where)
            if isinstance(result, Refusal):
                refused[index] = result
                continue
            stored += 1
            unchanged += not result.changed
            written.update(result.written)
        refusals = [refused[index] for index in sorted(refused)]
        confidential = Attribute.objects.filter(taxonomy_term_id=CONFIDENTIAL_LOCATION_TERM)
        Location.objects.filter(pk__in=confidential.values("link_id")).update(sensitive=True)
        report = FeedImport.objects.create(
            imported_by=actor,
            source=without_nul(feed.source)[:300],
            feed_format=feed.feed_format,
            received=total,
            stored=stored,
            refused=len(refusals),
            unchanged=unchanged,
            written=dict(sorted(written.items())),
        )
        RefusedRecord.objects.bulk_create(
            RefusedRecord(
                feed_import=report,
                path=without_nul(refusal.path)[:500],
                reason=without_nul(refusal.reason),
                record=without_nul(refusal.record),
            )
            for refusal in refusals
        )
        record_event(
            Action.ASSET_FEED_IMPORTED,
            actor=actor,
            subject=report,
            detail={
                "source": report.source,
                "kind": feed.kind,
                "received": report.received,
                "stored": report.stored,
                "unchanged": report.unchanged,
                "refused": report.refused,
            },
        )
    progress(len(checked), len(checked), STORING)
    return report


def _check_one(feed: Feed, record: Any, where: str) -> Refusal | None:
    wrong = feed.problems(record, where)
    if wrong or feed.kind is None:
        return Refusal(wrong[0].partition(": ")[0], "\n".join(wrong), record)
    nul = nul_path(record, where)
    if nul is not None:
        return Refusal(
            nul,
            f"{nul}: holds a NUL character (\\u0000), which the register cannot store; "
            "remove it from the feed",
            record,
        )
    return None


def _store_one(kind: str, record: Any, where: str) -> Outcome | Refusal:
    """Store a checked record; one its references or nested records refuse is refused whole."""
    outcome = Outcome()
    try:
        # A savepoint: a record refused half way leaves none of its nested records behind.
        with transaction.atomic():
            store(kind, record, where, outcome)
    except RecordRefused as refused:
        return Refusal(refused.path, str(refused), record)
    return outcome


# Parents before the records that point at them.
FOLDER_ORDER = ("organization", "taxonomy", "taxonomy_term", "service", "service_at_location")


def read_json_folder(folder: Path) -> list[Feed]:
    """Every ``*.json`` feed in ``folder``, in an order that stores parents first."""
    files = sorted(folder.glob("*.json"))
    if not files:
        raise FeedRefused(str(folder), "holds no .json feed", "Give a feed file or its folder")
    feeds = [read_json_feed(path.read_bytes(), str(path)) for path in files]
    return sorted(feeds, key=lambda feed: FOLDER_ORDER.index(feed.kind))
