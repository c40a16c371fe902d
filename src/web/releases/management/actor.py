"""The account a command acts as, named with ``--by``, for the governance log."""

from __future__ import annotations

from django.core.management.base import CommandError

from web.accounts.models import User


def account_named(username: str) -> User | None:
    """The active account ``username``; None for a blank name (the command line itself)."""
    if not username:
        return None
    account = User.objects.filter(username=username, is_active=True).first()
    if account is None:
        raise CommandError(f"--by {username}: no open account has this username.")
    return account
