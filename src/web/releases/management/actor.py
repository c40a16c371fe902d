"""The account a command acts as, named with ``--by``, for the governance log."""

from __future__ import annotations

from django.core.management.base import CommandError

from web.accounts.models import User
from web.accounts.roles import Role


def account_named(username: str, *, role: Role | None = None) -> User | None:
    """The active account ``username``; None for a blank name (the command line itself). With
    ``role``, the account must hold it."""
    if not username:
        return None
    account = User.objects.filter(username=username, is_active=True).first()
    if account is None:
        raise CommandError(f"--by {username}: no open account has this username.")
    if role is not None and account.role != role:
        raise CommandError(f"--by {username}: only an account with the role {role.label} may.")
    return account
