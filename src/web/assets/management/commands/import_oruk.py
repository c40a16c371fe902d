"""``manage.py import_oruk PATH``: check an Open Referral UK feed and store it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from web.assets.feeds import PLURALS, FeedRefused, import_feed, read_json_feed, read_json_folder
from web.assets.tables import read_csv_folder, read_csv_table
from web.jobs.progress import PrintedProgress
from web.releases.management.actor import account_named


class Command(BaseCommand):
    help = (
        "Import an ORUK feed as the API returns it (a page, a list of records or one record), "
        "a folder of them, or a folder of the standard's CSV tables. Every record is checked "
        "against the ORUK schemas first; refused ones are kept with where and why. Importing "
        "the same feed again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", type=Path, help="A .json feed or .csv table, or a folder of either."
        )
        parser.add_argument(
            "--kind",
            choices=sorted(PLURALS),
            help="What the file holds, when its name does not say (e.g. service_list.json).",
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            default="",
            help="The account importing it, for the governance log (default: command line).",
        )

    def handle(self, *args: Any, path: Path, kind: str | None, by: str, **options: Any) -> None:
        actor = account_named(by)
        try:
            if path.is_dir() and any(path.glob("*.csv")) and not any(path.glob("*.json")):
                feeds = read_csv_folder(path)
            elif path.is_dir():
                feeds = read_json_folder(path)
            elif path.suffix.lower() == ".csv":
                feeds = [read_csv_table(path.read_bytes(), str(path))]
            else:
                feeds = [read_json_feed(path.read_bytes(), str(path), kind)]
        except FeedRefused as refusal:
            raise CommandError(str(refusal)) from None
        except OSError as error:
            raise CommandError(f"{path}: cannot be read ({error.strerror}).") from None
        for feed in feeds:
            report = import_feed(feed, actor=actor, progress=PrintedProgress(self.stdout.write))
            what = PLURALS.get(feed.kind or "", "records")
            self.stdout.write(
                f"{feed.source}: {report.received} {what} received, "
                f"{report.stored} stored ({report.unchanged} unchanged), "
                f"{report.refused} refused."
            )
            for refused in report.refusals.all()[:20]:
                self.stdout.write(f"  refused {refused.reason.splitlines()[0]}")
