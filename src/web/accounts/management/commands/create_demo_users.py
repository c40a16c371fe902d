"""``manage.py create_demo_users``: one demo account per role, passwords printed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from web.accounts.demo import DEMO_SEED, DemoAccountsNotAllowedError, set_up_demo_accounts


class Command(BaseCommand):
    help = (
        "Create or reset one demo account per role and print their passwords, which are "
        "derived from a public seed. Refused under production settings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            default=DEMO_SEED,
            help=f"Seed the passwords are derived from (default {DEMO_SEED!r}).",
        )

    def handle(self, *args: Any, seed: str, **options: Any) -> None:
        try:
            accounts = set_up_demo_accounts(seed)
        except DemoAccountsNotAllowedError as refusal:
            raise CommandError(str(refusal)) from None
        width = max(len(account.username) for account in accounts)
        self.stdout.write("Demo accounts (their passwords are public: demo use only)")
        for account in accounts:
            self.stdout.write(
                f"  {account.username:<{width}}  {account.password}  {account.role.label}"
            )
