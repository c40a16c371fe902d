"""Demo accounts, one per role, with passwords anyone can work out.

A password is the first 16 characters of the base-32 HMAC-SHA256 of the username, keyed with a
seed (``DEMO_SEED`` unless another is given), in groups of four: the same seed always gives the
same passwords, so a demo script or a README can state them. Such accounts are only created in
the local demo: settings that allow them (``DEMO_ACCOUNTS_ALLOWED``, which production never sets),
``DEBUG`` on, and a SQLite database (a file on this machine), so a developer's settings pointed by
``DATABASE_URL`` at a shared or production database cannot put public passwords into it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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


def demo_refusal(
    allowed: bool, debug: bool, databases: Mapping[str, Mapping[str, Any]]
) -> str | None:
    """Why demo accounts may not be created here, in one line; None in the local demo."""
    public = "demo passwords are public"
    if not allowed:
        return (
            f"Refused: these settings do not allow demo accounts ({public}); create real accounts "
            "with createsuperuser and the admin site."
        )
    if not debug:
        return f"Refused: DEBUG is off, so this is not the local demo ({public})."
    engine = str(databases["default"].get("ENGINE", ""))
    if not engine.endswith("sqlite3"):
        return (
            f"Refused: the database is not a local SQLite file ({public}); unset DATABASE_URL to "
            "use the demo database under data/web/."
        )
    return None


def set_up_demo_accounts(seed: str = DEMO_SEED) -> list[DemoAccount]:
    """Create or reset one account per role, and log each one. Safe to run again. Refused, before
    any connection to the database is made, outside the local demo."""
    refusal = demo_refusal(settings.DEMO_ACCOUNTS_ALLOWED, settings.DEBUG, settings.DATABASES)
    if refusal is not None:
        raise DemoAccountsNotAllowedError(refusal)
    return _write_demo_accounts(seed)


@transaction.atomic
def _write_demo_accounts(seed: str) -> list[DemoAccount]:
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
