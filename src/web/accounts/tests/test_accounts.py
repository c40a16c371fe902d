"""Accounts and roles: stored values, who is staff, how superusers are made."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from web.accounts.models import User
from web.accounts.roles import Role
from web.accounts.tests.factories import make_user


def test_role_values_stored_in_the_database_never_change() -> None:
    assert {role.name: role.value for role in Role} == {
        "PARTNER_ANALYST": "analyst",
        "PARTNER_VIEWER": "viewer",
        "COMMUNITY_MEMBER": "community",
        "CUSTODIAN": "custodian",
        "ADMINISTRATOR": "administrator",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_only_administrators_reach_the_admin_site(role: Role) -> None:
    user = make_user(role)
    administrator = role == Role.ADMINISTRATOR
    assert user.is_staff is administrator
    assert user.has_perm("accounts.change_user") is administrator
    assert user.has_module_perms("accounts") is administrator


@pytest.mark.django_db
def test_a_closed_administrator_has_no_permissions() -> None:
    administrator = make_user(Role.ADMINISTRATOR)
    administrator.is_active = False
    assert not administrator.has_perm("accounts.change_user")


@pytest.mark.django_db
def test_createsuperuser_makes_an_administrator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "plum-kettle-orbit-57")
    call_command("createsuperuser", "--noinput", "--username", "first-admin", verbosity=0)
    assert User.objects.get(username="first-admin").role == Role.ADMINISTRATOR


@pytest.mark.django_db
def test_a_superuser_cannot_hold_another_role() -> None:
    with pytest.raises(ValueError, match="administrator role"):
        User.objects.create_superuser("odd", "plum-kettle-orbit-57", role=Role.PARTNER_VIEWER)


@pytest.mark.django_db
def test_the_database_refuses_an_unknown_role() -> None:
    user = make_user(Role.PARTNER_VIEWER)
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=user.pk).update(role="superhero")
