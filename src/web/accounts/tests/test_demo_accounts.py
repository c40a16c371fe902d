"""``create_demo_users``: one account per role with passwords from the documented derivation."""

from __future__ import annotations

import base64
import hashlib
import hmac
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pytest_django import Settings

from web.accounts.demo import DEMO_SEED
from web.accounts.models import User
from web.accounts.roles import Role
from web.governance.models import Action, Event

pytestmark = pytest.mark.django_db


def documented_password(username: str, seed: str = DEMO_SEED) -> str:
    """The derivation the README and the module docstring give."""
    digest = hmac.new(seed.encode(), username.encode(), hashlib.sha256).digest()
    letters = base64.b32encode(digest).decode().lower()[:16]
    return "-".join([letters[0:4], letters[4:8], letters[8:12], letters[12:16]])


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_demo_users", *args, stdout=out)
    return out.getvalue()


def test_one_account_per_role_each_signing_in_with_its_printed_password() -> None:
    printed = run()
    for role in Role:
        user = User.objects.get(username=f"demo-{role.value}")
        password = documented_password(user.username)
        assert user.role == role
        assert user.check_password(password)
        assert f"{user.username}" in printed
        assert password in printed


def test_running_again_resets_the_same_accounts() -> None:
    run()
    custodian = User.objects.get(username="demo-custodian")
    custodian.set_password("changed-by-someone-else")
    custodian.role = Role.PARTNER_VIEWER
    custodian.save()
    run()
    custodian.refresh_from_db()
    assert custodian.role == Role.CUSTODIAN
    assert custodian.check_password(documented_password("demo-custodian"))
    assert User.objects.count() == len(Role)


def test_another_seed_gives_other_passwords() -> None:
    run("--seed", "workshop-2026")
    analyst = User.objects.get(username="demo-analyst")
    assert analyst.check_password(documented_password("demo-analyst", "workshop-2026"))
    assert not analyst.check_password(documented_password("demo-analyst"))


def test_each_account_set_up_is_logged() -> None:
    run()
    events = Event.objects.filter(action=Action.DEMO_ACCOUNT_SET_UP)
    assert sorted(event.detail["role"] for event in events) == sorted(Role.values)
    assert all(event.actor is None and event.object_type == "accounts.user" for event in events)


def test_refused_where_settings_do_not_allow_demo_accounts(settings: Settings) -> None:
    settings.DEMO_ACCOUNTS_ALLOWED = False
    with pytest.raises(CommandError, match="do not allow demo accounts"):
        run()
    assert not User.objects.exists()
