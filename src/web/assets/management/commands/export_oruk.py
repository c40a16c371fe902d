"""``manage.py export_oruk OUT``: write the public register as ORUK feeds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from web.assets.export import register_feeds
from web.assets.tables import write_csv_tables
from web.governance.models import Action
from web.governance.services import record_event
from web.releases.management.actor import account_named


class Command(BaseCommand):
    help = (
        "Write the register as ORUK JSON feeds into a folder: organisations, taxonomies, "
        "taxonomy terms and full services. Sensitive locations are left out. `import_oruk OUT` "
        "reads it back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="The folder to write (made if missing).")
        parser.add_argument(
            "--csv",
            action="store_true",
            help="Also write the standard's CSV tables, in OUT/csv/.",
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            default="",
            help="The account exporting it, for the governance log (default: command line).",
        )

    def handle(self, *args: Any, out: Path, csv: bool, by: str, **options: Any) -> None:
        actor = account_named(by)
        feeds = register_feeds()
        counts = {name: len(records) for name, records in feeds.items()}
        try:
            out.mkdir(parents=True, exist_ok=True)
            for name, records in feeds.items():
                (out / name).write_text(
                    json.dumps(records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
                )
            if csv:
                (out / "csv").mkdir(exist_ok=True)
                counts |= {
                    f"csv/{name}": rows for name, rows in write_csv_tables(out / "csv").items()
                }
        except OSError as error:
            raise CommandError(f"{out}: cannot be written ({error.strerror}).") from None
        record_event(
            Action.DATA_EXPORTED,
            actor=actor,
            detail={"what": "community asset register (ORUK)", "folder": str(out), **counts},
        )
        self.stdout.write(
            f"Wrote {', '.join(f'{count} in {name}' for name, count in counts.items())} to {out}."
        )
