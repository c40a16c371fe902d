"""Demo accounts, one per role, with passwords anyone can work out.

A password is the first 16 characters of the base-32 HMAC-SHA256 of the username, keyed with a
seed (``DEMO_SEED`` unless another is given), in groups of four: the same seed always gives the
same passwords, so a demo script or a README can state them. Such accounts are only created where
settings allow (``DEMO_ACCOUNTS_ALLOWED``); production settings never do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from web.accounts.models import User
from web.accounts.roles import Role
from web.governance.models import Action
from web.governance.services import record_event

DEMO_SEED = "bakehouse-demo"


class DemoAccountsNotAllowedError(Exception):
    """These settings do not allow demo accounts."""


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    password: str


def demo_username(role: Role) -> str:
    return f"demo-{role.value}"


def demo_password(username: str, seed: str = DEMO_SEED) -> str:
    digest = hmac.new(seed.encode(), username.encode(), hashlib.sha256).digest()
    letters = base64.b32encode(digest).decode("ascii").lower()[:16]
    return "-".join(letters[start : start + 4] for start in range(0, 16, 4))


def demo_accounts(seed: str = DEMO_SEED) -> list[DemoAccount]:
    return [
        DemoAccount(demo_username(role), role, demo_password(demo_username(role), seed))
        for role in Role
    ]


@transaction.atomic
def set_up_demo_accounts(seed: str = DEMO_SEED) -> list[DemoAccount]:
    """Create or reset one account per role, and log each one. Safe to run again."""
    if not settings.DEMO_ACCOUNTS_ALLOWED:
        raise DemoAccountsNotAllowedError(
            "These settings do not allow demo accounts (DEMO_ACCOUNTS_ALLOWED is off): their "
            "passwords are public. Create real accounts with createsuperuser and the admin site."
        )
    accounts = demo_accounts(seed)
    for account in accounts:
        user = User.objects.filter(username=account.username).first()
        created = user is None
        if user is None:
            user = User(username=account.username)
        user.role = account.role
        user.is_active = True
        user.set_password(account.password)
        user.save()
        record_event(
            Action.DEMO_ACCOUNT_SET_UP,
            subject=user,
            detail={"role": account.role.value, "created": created},
        )
    return accounts
