"""Agency extracts of the simulated world: one module per agency, shared steps in ``source``."""

from __future__ import annotations

from bakehouse.world.extracts.write import RECORDS, SOURCES, write_extracts

__all__ = ["RECORDS", "SOURCES", "write_extracts"]
