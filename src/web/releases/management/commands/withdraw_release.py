"""``manage.py withdraw_release ID --reason TEXT``: take a published release off every page."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from web.accounts.roles import Role
from web.releases.lifecycle import ReleaseNotFound, TransitionRefused, withdraw_release
from web.releases.management.actor import account_named


class Command(BaseCommand):
    help = (
        "Withdraw a published release found unsafe or wrong: its figures leave every page at "
        "once, and the history says it was withdrawn, when and why. Logged in the governance log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("release_id", help="The release id.")
        parser.add_argument(
            "--reason", required=True, help="Why, in words the public will read in the history."
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            default="",
            help="The custodian withdrawing it, for the governance log (default: command line).",
        )

    def handle(self, *args: Any, release_id: str, reason: str, by: str, **options: Any) -> None:
        actor = account_named(by, role=Role.CUSTODIAN)
        try:
            release = withdraw_release(release_id, reason=reason, actor=actor)
        except (ReleaseNotFound, TransitionRefused) as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(f"Withdrew {release.id}: its figures are no longer shown anywhere.")
