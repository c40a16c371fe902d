"""``create_demo_users``: one account per role with passwords from the documented derivation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from pytest_django import Settings

from bakehouse.release.signing import generate_key
from web.accounts.demo import DEMO_SEED, demo_refusal
from web.accounts.models import User
from web.accounts.roles import Role
from web.governance.models import Action, Event

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[4]


@pytest.fixture(autouse=True)
def local_demo(settings: Settings) -> None:
    """The demo's own settings: debug on (the test settings turn it off)."""
    settings.DEBUG = True


@pytest.fixture
def sqlite_database() -> None:
    """Demo accounts are only ever written to a local SQLite file; when the suite runs on
    PostgreSQL the command refuses, as the tests of its refusals show."""
    if connection.vendor != "sqlite":
        pytest.skip("demo accounts are written to SQLite only; on PostgreSQL they are refused")


def documented_password(username: str, seed: str = DEMO_SEED) -> str:
    """The derivation the README and the module docstring give."""
    digest = hmac.new(seed.encode(), username.encode(), hashlib.sha256).digest()
    letters = base64.b32encode(digest).decode().lower()[:16]
    return "-".join([letters[0:4], letters[4:8], letters[8:12], letters[12:16]])


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_demo_users", *args, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("sqlite_database")
def test_one_account_per_role_each_signing_in_with_its_printed_password() -> None:
    printed = run()
    for role in Role:
        user = User.objects.get(username=f"demo-{role.value}")
        password = documented_password(user.username)
        assert user.role == role
        assert user.check_password(password)
        assert f"{user.username}" in printed
        assert password in printed


@pytest.mark.usefixtures("sqlite_database")
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


@pytest.mark.usefixtures("sqlite_database")
def test_another_seed_gives_other_passwords() -> None:
    run("--seed", "workshop-2026")
    analyst = User.objects.get(username="demo-analyst")
    assert analyst.check_password(documented_password("demo-analyst", "workshop-2026"))
    assert not analyst.check_password(documented_password("demo-analyst"))


@pytest.mark.usefixtures("sqlite_database")
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


def test_refused_with_debug_off(settings: Settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        run()
    assert not User.objects.exists()


def test_on_postgresql_the_command_refuses_and_writes_no_account() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("runs when the suite runs on PostgreSQL (the second pass of make test)")
    with pytest.raises(CommandError, match="not a local SQLite file"):
        run()
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "engine", ["django.db.backends.postgresql", "django.db.backends.mysql", "custom.backend"]
)
def test_refused_on_any_database_but_local_sqlite(engine: str) -> None:
    refusal = demo_refusal(True, True, {"default": {"ENGINE": engine, "NAME": "bakehouse"}})
    assert refusal is not None
    assert "not a local SQLite file" in refusal
    assert "\n" not in refusal


def test_allowed_only_in_the_local_demo() -> None:
    sqlite = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "data/web/db.sqlite3"}}
    assert demo_refusal(True, True, sqlite) is None
    assert demo_refusal(False, True, sqlite) is not None
    assert demo_refusal(True, False, sqlite) is not None


def command_line(settings_module: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PYTHONPATH": str(REPO / "src"),
        **environment,
    }
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "create_demo_users"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_settings_pointed_at_a_server_database_refuse_with_one_line(settings: Settings) -> None:
    server = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "bakehouse",
        "HOST": "db.example.org",
        "PASSWORD": "secret",
    }
    with pytest.warns(UserWarning, match="DATABASES"):
        settings.DATABASES = {"default": server}
    with pytest.raises(CommandError) as refused:
        run()
    assert str(refused.value) == (
        "Refused: the database is not a local SQLite file (demo passwords are public); unset "
        "DATABASE_URL to use the demo database under data/web/."
    )


def test_production_settings_refuse_and_touch_no_database(tmp_path: Path) -> None:
    database = tmp_path / "production.sqlite3"
    done = command_line(
        "web.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="bakehouse.example.org",
        BAKEHOUSE_CONTACT_EMAIL="data@example.org",
        BAKEHOUSE_RELEASE_PUBLIC_KEYS=generate_key(tmp_path / "keys" / "signing.key").public.text,
        DATABASE_URL=f"sqlite:///{database}",
    )
    assert done.returncode != 0
    assert "do not allow demo accounts" in done.stderr
    assert not database.exists()
