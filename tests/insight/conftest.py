"""One presidio analyzer per module: building it is the screener's only start-up cost."""

from __future__ import annotations

import pytest

from bakehouse.insight.planted import split_names
from bakehouse.insight.screening import Screener, default_names


@pytest.fixture(scope="session")
def screener() -> Screener:
    """The screener as the web app runs it, with the full name lists."""
    return Screener(default_names())


@pytest.fixture(scope="session")
def measured_screener() -> Screener:
    """The screener without the held-out names that the planted set uses."""
    return Screener(split_names(default_names())[0])
