"""The governance log is append-only."""

from __future__ import annotations

import pytest
from django.db.models.deletion import ProtectedError

from web.accounts.roles import Role
from web.accounts.tests.factories import make_user
from web.governance.models import Action, AppendOnlyError, Event
from web.governance.services import record_event

pytestmark = pytest.mark.django_db


def test_an_event_records_who_what_and_on_which_record() -> None:
    administrator = make_user(Role.ADMINISTRATOR)
    subject = make_user(Role.PARTNER_VIEWER)
    event = record_event(
        Action.ADMIN_CHANGE, actor=administrator, subject=subject, detail={"change": "Role"}
    )
    event.refresh_from_db()
    assert event.actor_username == administrator.username
    assert (event.object_type, event.object_id) == ("accounts.user", str(subject.pk))
    assert event.detail == {"change": "Role"}


def test_an_event_cannot_be_changed() -> None:
    event = record_event(Action.SIGN_IN_FAILED, actor_username="someone")
    event.actor_username = "someone-else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(actor_username="someone-else")
    event.refresh_from_db()
    assert event.actor_username == "someone"


def test_an_event_cannot_be_deleted() -> None:
    event = record_event(Action.SIGN_IN_FAILED, actor_username="someone")
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()
    assert Event.objects.count() == 1


def test_an_account_with_history_cannot_be_deleted_only_closed() -> None:
    analyst = make_user(Role.PARTNER_ANALYST)
    record_event(Action.SIGN_IN, actor=analyst)
    with pytest.raises(ProtectedError):
        analyst.delete()
