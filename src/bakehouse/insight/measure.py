"""Recall and precision of a screener on a planted set, per kind.

A planted span is recalled when every character of it is masked (by a finding of any kind: what
protects a person is the mask). A finding is correct when it overlaps some planted span; the
rest are false alarms, which cost a moderator's time but hide nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bakehouse.insight.planted import PlantedItem, covered
from bakehouse.insight.screening import Kind, Screener

# Identifiers with a fixed shape, held to the higher recall target; names are looser.
STRUCTURED = (
    Kind.POSTCODE,
    Kind.PHONE,
    Kind.EMAIL,
    Kind.NHS_NUMBER,
    Kind.NI_NUMBER,
    Kind.DATE_OF_BIRTH,
    Kind.ADDRESS,
)
TARGETS = {**dict.fromkeys(STRUCTURED, 0.98), Kind.NAME: 0.9, Kind.CHILD_DETAIL: 0.9}


@dataclass(frozen=True)
class KindScore:
    kind: Kind
    planted: int
    recalled: int
    found: int
    correct: int

    @property
    def recall(self) -> float:
        return self.recalled / self.planted if self.planted else float("nan")

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else float("nan")


def measure(screener: Screener, items: Sequence[PlantedItem]) -> dict[Kind, KindScore]:
    planted: Counter[Kind] = Counter()
    recalled: Counter[Kind] = Counter()
    found: Counter[Kind] = Counter()
    correct: Counter[Kind] = Counter()
    for item in items:
        findings = screener.screen(item.text).findings
        spans = [(f.start, f.end) for f in findings]
        for span in item.spans:
            planted[span.kind] += 1
            recalled[span.kind] += covered(span, spans)
        for finding in findings:
            found[finding.kind] += 1
            correct[finding.kind] += any(
                finding.start < span.end and span.start < finding.end for span in item.spans
            )
    return {
        kind: KindScore(kind, planted[kind], recalled[kind], found[kind], correct[kind])
        for kind in Kind
    }
