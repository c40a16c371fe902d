"""Accounts for tests, built in code."""

from __future__ import annotations

from web.accounts.models import User
from web.accounts.roles import Role

PASSWORD = "plum-kettle-orbit-57"


def make_user(role: Role, username: str | None = None, password: str = PASSWORD) -> User:
    return User.objects.create_user(username or f"{role.value}-1", password, role=role)
