"""The community insight summary a pack may carry (``insight/summary.json``): what a
partnership's web app published of a recipe's closed validation rounds and surveys, written by
``manage.py export_insight_summary`` and nothing more.

Only published figures travel, as the public pages showed them after disclosure control: each
count is 0, a whole number at or above the threshold it was published under, or the page's own
marker for a hidden count ("fewer than N", "N or more" beside it, "withheld"). Labels are the
partnership's words (a round's question, an area's name, a theme, a survey's question and
options); no field holds what a participant wrote, and a field this format does not name is
refused, so free text cannot travel under a new name.

:func:`summary_problems` is the check the pack's scan runs on the file at export and at import:
every problem, each naming its field, and never repeating a value it refuses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
)

from bakehouse.packs.manifest import INSIGHT_SUMMARY

FORMAT: Literal["bakehouse-insight-summary"] = "bakehouse-insight-summary"
FORMAT_VERSION: Literal[1] = 1
ENTRY = INSIGHT_SUMMARY
WITHHELD = "withheld"
MARKER = re.compile(r"^(?:fewer than \d+|\d+ or more|withheld)$")
# The member names pydantic puts in an error's location when a value fits no type of a union.
UNION_MEMBERS = frozenset({"int", "constrained-str", "float", "none", "tuple[float, float]"})

# One line of the partnership's own words, at most as long as the web app stores them.
Label = Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=r"^[^\r\n]*$")]
Marker = Annotated[str, StringConstraints(pattern=MARKER.pattern)]
Count = StrictInt | Marker
Share = Annotated[float, Field(ge=0, le=1)]
SurveyKind = Literal["single", "multiple", "scale", "text", "location"]
Lsoa = Annotated[str, StringConstraints(pattern=r"^[EW]0[0-9]{7}$")]


def fewer_than(threshold: int) -> str:
    """The marker of a count from 1 to the threshold minus one."""
    return f"fewer than {threshold}"


def or_more(threshold: int) -> str:
    """The marker of a count hidden beside smaller ones so that their sum stays at least the
    threshold: the page says it is at least the threshold, and no more."""
    return f"{threshold} or more"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Verdicts(_Strict):
    """How many published each answer to "does the flag match what you know?"."""

    agrees: Count
    partly: Count
    disagrees: Count
    dont_know: Count


class AreaVerdicts(_Strict):
    """One area of a round as its profile page shows it."""

    lsoa11cd: Lsoa
    name: Label
    flagged: StrictBool
    answers: Count  # published contributions about the area
    verdicts: Verdicts
    marked_for_review: StrictBool

    def counts(self) -> Iterator[tuple[str, Count]]:
        yield "answers", self.answers
        for key, value in self.verdicts:
            yield f"verdicts.{key}", value


class ThemeCount(_Strict):
    label: Label
    count: Count


class Themes(_Strict):
    """The round's counts by theme, as its public report shows them: rounded to ``rounding``
    above the threshold, or withheld."""

    contributions: Count
    rounding: StrictInt = Field(ge=1)
    themes: list[ThemeCount]

    def counts(self) -> Iterator[tuple[str, Count]]:
        yield "contributions", self.contributions
        for index, theme in enumerate(self.themes):
            yield f"themes[{index}].count", theme.count


class GroupHeard(_Strict):
    """A group's answers to an "about you" question; the share and its Wilson 95% interval only
    where the page shows them (the count exact)."""

    group: Label
    answered: Count
    share: Share | None
    interval: tuple[Share, Share] | None
    population_share: Share | None
    under_heard: StrictBool


class QuestionHeard(_Strict):
    question: Label
    answered: Count
    population: StrictInt | None  # the denominator of the population shares, when loaded
    population_of: Label | None
    elsewhere: Count | None = None  # home area only: postcodes outside the round's areas
    groups: list[GroupHeard]

    def counts(self) -> Iterator[tuple[str, Count]]:
        yield "answered", self.answered
        if self.population is not None:
            yield "population", self.population
        if self.elsewhere is not None:
            yield "elsewhere", self.elsewhere
        for index, group in enumerate(self.groups):
            yield f"groups[{index}].answered", group.answered


class RoundSummary(_Strict):
    question: Label
    release: Label
    opened: date
    closed: date
    threshold: StrictInt = Field(ge=1)
    areas: list[AreaVerdicts]
    themes: Themes | None
    heard: list[QuestionHeard]

    @property
    def flagged(self) -> int:
        return sum(area.flagged for area in self.areas)

    @property
    def marked_for_review(self) -> int:
        return sum(area.marked_for_review for area in self.areas)

    @property
    def areas_to_list(self) -> list[AreaVerdicts]:
        """The flagged areas and those where at least the threshold published a view: a round
        asks about every area of a release, and the rest would be rows of "fewer than N"."""
        return [
            area
            for area in self.areas
            if area.flagged or (isinstance(area.answers, int) and area.answers > 0)
        ]

    @property
    def under_heard(self) -> list[str]:
        """Each group under-heard, as "question: group"."""
        return [
            f"{question.question}: {group.group}"
            for question in self.heard
            for group in question.groups
            if group.under_heard
        ]

    def counts(self) -> Iterator[tuple[str, Count]]:
        for index, area in enumerate(self.areas):
            yield from _under(f"areas[{index}]", area.counts())
        if self.themes is not None:
            yield from _under("themes", self.themes.counts())
        for index, question in enumerate(self.heard):
            yield from _under(f"heard[{index}]", question.counts())


class SurveyRow(_Strict):
    label: Label
    count: Count


class SurveyQuestion(_Strict):
    """A question of a survey's public report: how many answered and, for a question of
    options, a scale or places, the count of each. A free-text question travels as its count
    alone."""

    question: Label
    kind: SurveyKind
    answered: Count
    rows: list[SurveyRow]


class SurveySummary(_Strict):
    title: Label
    opened: date
    closed: date
    threshold: StrictInt = Field(ge=1)
    questions: list[SurveyQuestion]

    def counts(self) -> Iterator[tuple[str, Count]]:
        for index, question in enumerate(self.questions):
            yield f"questions[{index}].answered", question.answered
            for row, item in enumerate(question.rows):
                yield f"questions[{index}].rows[{row}].count", item.count


class InsightSummary(_Strict):
    format: Literal["bakehouse-insight-summary"]
    format_version: Literal[1]
    recipe: Label
    exported_at: datetime
    # The lowest threshold any figure in it was published under.
    threshold: StrictInt = Field(ge=1)
    rounds: list[RoundSummary]
    surveys: list[SurveySummary]


def _under(prefix: str, found: Iterator[tuple[str, Count]]) -> Iterator[tuple[str, Count]]:
    for where, value in found:
        yield f"{prefix}.{where}", value


def summary_bytes(summary: InsightSummary) -> bytes:
    """Canonical JSON (sorted keys, two-space indent): the same summary gives the same bytes."""
    document = summary.model_dump(mode="json")
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def read_summary(data: bytes, floor: int) -> InsightSummary:
    """The summary in ``data``, checked; :class:`ValueError` lists every problem."""
    problems = summary_problems(data, floor)
    if problems:
        raise ValueError("; ".join(problems))
    return InsightSummary.model_validate_json(data)


def summary_problems(data: bytes, floor: int) -> list[str]:
    """Every problem of the summary in ``data`` for a pack whose disclosure threshold is
    ``floor``, each naming its field; none means it may travel."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ["not valid JSON"]
    try:
        summary = InsightSummary.model_validate(document)
    except ValidationError as error:
        return list(dict.fromkeys(_problem(item) for item in error.errors()))
    problems = []
    if summary.threshold < floor:
        problems.append(
            f"threshold: the figures were published under a threshold of {summary.threshold}, "
            f"below the pack's {floor}"
        )
    sections: list[tuple[str, RoundSummary | SurveySummary]] = [
        *((f"rounds[{i}]", item) for i, item in enumerate(summary.rounds)),
        *((f"surveys[{i}]", item) for i, item in enumerate(summary.surveys)),
    ]
    for prefix, section in sections:
        if section.threshold < summary.threshold:
            problems.append(
                f"{prefix}.threshold: below the summary's threshold of {summary.threshold}"
            )
        for where, value in section.counts():
            problem = _count_problem(value, max(section.threshold, floor))
            if problem:
                problems.append(f"{prefix}.{where}: {problem}")
    for index, survey in enumerate(summary.surveys):
        for number, question in enumerate(survey.questions):
            if question.kind == "text" and question.rows:
                problems.append(
                    f"surveys[{index}].questions[{number}].rows: a free-text question travels "
                    "as its count alone"
                )
    return problems


def _count_problem(value: Count, threshold: int) -> str:
    if isinstance(value, int):
        if value == 0 or value >= threshold:
            return ""
        marker = fewer_than(threshold)
        return f"a count below the threshold of {threshold} (published as '{marker}')"
    if value in (fewer_than(threshold), or_more(threshold), WITHHELD):
        return ""
    return f"a marker for a threshold other than {threshold}"


def _problem(item: Any) -> str:
    """A validation error by field, in words; never the value refused."""
    where = _where([part for part in item["loc"] if part not in UNION_MEMBERS])
    if item["type"] == "extra_forbidden":
        return (
            f"{where}: not a field of the insight summary (only published figures travel; no "
            "free text)"
        )
    if len(item["loc"]) > 1 and item["loc"][-1] in ("int", "constrained-str"):
        return f"{where}: not a count (a whole number, 'fewer than N', 'N or more' or '{WITHHELD}')"
    return f"{where}: {item['msg']}"


def _where(loc: list[Any]) -> str:
    """``rounds[0].areas[2].answers`` from pydantic's location parts."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "summary"
