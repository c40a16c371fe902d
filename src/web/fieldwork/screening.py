"""Screening a free text before it is stored: only the masked copy and what was found (field,
kind, position, reason; never the words found) are kept, as for contributions (ADR 0035)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bakehouse.insight.screening import screen


@dataclass(frozen=True)
class Screened:
    masked: str
    findings: list[dict[str, Any]]


def screened(field: str, text: str) -> Screened:
    result = screen(text)
    return Screened(
        masked=result.masked,
        findings=[
            {
                "field": field,
                "kind": str(finding.kind),
                "start": finding.start,
                "end": finding.end,
                "reason": finding.reason,
            }
            for finding in result.findings
        ],
    )
