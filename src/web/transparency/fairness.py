"""The fairness audit in words: for each group, how often the model misses those for whom the
recipe's outcome then happened, how often it raises a false alarm, and whether the gap from the
reference group is outside the tolerance the partnership set. The page says it in the recipe's
words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web.releases import figures
from web.releases.contract import is_not_produced
from web.releases.models import Document
from web.transparency.documents import label, written


@dataclass(frozen=True)
class GroupLine:
    group: str
    size: str
    missed: str
    false_alarms: str
    precision: str
    calibration: str
    missed_ratio: str
    reference: bool
    flagged: bool


@dataclass(frozen=True)
class AttributeAudit:
    attribute: str
    reference: str
    groups: tuple[GroupLine, ...]

    @property
    def flagged(self) -> int:
        return sum(group.flagged for group in self.groups)


@dataclass(frozen=True)
class FairnessAudit:
    produced: bool
    tolerance: str = ""
    attributes: tuple[AttributeAudit, ...] = ()

    @property
    def flagged(self) -> int:
        return sum(attribute.flagged for attribute in self.attributes)


def _rate(value: Any) -> str:
    return figures.percent(float(value)) if isinstance(value, int | float) else written(value)


def _bounds(group: dict[str, Any], name: str) -> list[Any]:
    bounds = group.get(f"{name}_interval")
    if (
        isinstance(bounds, list)
        and len(bounds) == 2
        and all(isinstance(b, int | float) for b in bounds)
        and bounds[0] != bounds[1]
    ):
        return bounds
    return []  # none, or a reference group's ratio of exactly 1


def _rate_interval(group: dict[str, Any], name: str) -> str:
    """ "61.5% (58.0% to 65.1%)": the figure with its 95% interval when the release has it."""
    text = _rate(group.get(name))
    bounds = _bounds(group, name)
    return f"{text} ({_rate(bounds[0])} to {_rate(bounds[1])})" if bounds else text


def _number_interval(group: dict[str, Any], name: str) -> str:
    text = written(group.get(name))
    bounds = _bounds(group, name)
    return f"{text} ({written(bounds[0])} to {written(bounds[1])})" if bounds else text


def fairness_audit(document: Document) -> FairnessAudit:
    content = document.content
    if is_not_produced(content):
        return FairnessAudit(False)
    references = content.get("reference") or {}
    tolerance = content.get("tolerance") or []
    attributes: dict[str, list[GroupLine]] = {}
    for group in content.get("groups", []):
        attribute = str(group.get("attribute", ""))
        name = str(group.get("group", ""))
        size = group.get("size")
        attributes.setdefault(attribute, []).append(
            GroupLine(
                group=label(name),
                size=figures.count(size) if isinstance(size, int) else written(size),
                missed=_rate_interval(group, "fnr"),
                false_alarms=_rate_interval(group, "fpr"),
                precision=_rate_interval(group, "precision"),
                calibration=_number_interval(group, "calibration"),
                missed_ratio=_number_interval(group, "fnr_ratio"),
                reference=str(references.get(attribute, "")) == name,
                flagged=bool(group.get("flagged")),
            )
        )
    return FairnessAudit(
        True,
        tolerance=" to ".join(written(bound) for bound in tolerance),
        attributes=tuple(
            AttributeAudit(
                label(attribute), label(str(references.get(attribute, ""))), tuple(lines)
            )
            for attribute, lines in attributes.items()
        ),
    )
