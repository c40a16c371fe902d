"""Turns sign-in, sign-out and lockout signals into governance events."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from web.accounts.models import User
from web.governance.models import Action
from web.governance.services import record_event


def on_sign_in(sender: object, user: User, **kwargs: Any) -> None:
    record_event(Action.SIGN_IN, actor=user)


def on_sign_in_failed(sender: object, credentials: dict[str, Any], **kwargs: Any) -> None:
    # Django has already masked the password in ``credentials``; keep only the username.
    record_event(Action.SIGN_IN_FAILED, actor_username=str(credentials.get("username", "")))


def on_locked_out(sender: object, username: str | None = None, **kwargs: Any) -> None:
    record_event(Action.LOCKED_OUT, actor_username=username or "")


def on_sign_out(sender: object, user: User | None = None, **kwargs: Any) -> None:
    if user is not None:
        record_event(Action.SIGN_OUT, actor=user)


def connect() -> None:
    user_logged_in.connect(on_sign_in, dispatch_uid="governance.sign_in")
    user_login_failed.connect(on_sign_in_failed, dispatch_uid="governance.sign_in_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="governance.locked_out")
    user_logged_out.connect(on_sign_out, dispatch_uid="governance.sign_out")
