"""Every endpoint of the ORUK API description, called with generated parameters: each answer
has a documented status, is JSON, and meets its schema. Runs in-process on the WSGI app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from web.assets.tests import factories
from web.assets.tests.contract import contract
from web.wsgi import application

SCHEMA = schemathesis.openapi.from_dict(contract())
SCHEMA.app = application
SCHEMA.config.update(base_url="http://localhost/oruk")
SCHEMA.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE])


@pytest.fixture
def register(db: None) -> Iterator[None]:
    factories.make_register()
    # The requests go to the WSGI app itself, not through Django's test client, which is what
    # keeps Django from closing the database connection at the end of each request. The test's
    # data lives in that connection's open transaction: on PostgreSQL, closing it loses them.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("register")
@SCHEMA.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_endpoint_answers_as_described(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()


@pytest.mark.slow
@pytest.mark.usefixtures("register")
@SCHEMA.parametrize()
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_endpoint_answers_as_described_for_many_requests(
    case: schemathesis.Case[Any],
) -> None:
    case.call_and_validate()
