"""The evidence summary's "What communities said": the community insight summary a pack carries
(``insight``), in plain words with its denominators. Prose is in ``communities.md``; this module
supplies only the summary's own figures, as published, and never works out a hidden one."""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from bakehouse.packs.insight import (
    AreaVerdicts,
    Count,
    GroupHeard,
    InsightSummary,
    QuestionHeard,
    RoundSummary,
    SurveyQuestion,
    SurveySummary,
)

PROSE = Path(__file__).parent / "communities.md"
PART = re.compile(r"<!-- (\w+)(?:: (\w+))? -->\n(.*?)(?=<!--)", re.S)


def _parts() -> dict[str, Template]:
    text = PROSE.read_text(encoding="utf-8")
    return {
        f"{part}:{case}" if case else part: Template(body.strip())
        for part, case, body in PART.findall(text)
    }


def what_communities_said(summary: InsightSummary | None) -> str:
    """The section's text: what was published, or that nothing was."""
    parts = _parts()
    if summary is None:
        return parts["said:none"].substitute()
    sections = [_round(item, parts) for item in summary.rounds]
    sections += [_survey(item, parts) for item in summary.surveys]
    held = [(len(summary.rounds), "closed validation round"), (len(summary.surveys), "survey")]
    return parts["said:given"].substitute(
        rounds_and_surveys=" and ".join(_plural(count, word) for count, word in held if count),
        sections="\n\n".join(sections),
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _shown(value: Count) -> str:
    return f"{value:,}" if isinstance(value, int) else value


def _round(item: RoundSummary, parts: dict[str, Template]) -> str:
    flagged, marked = item.flagged, item.marked_for_review
    listed = item.areas_to_list
    return parts["round"].substitute(
        question=item.question,
        opened=item.opened.isoformat(),
        closed=item.closed.isoformat(),
        release=f"`{item.release}`",
        threshold=item.threshold,
        areas_asked=f"{_plural(len(item.areas), 'area')} asked about: {flagged} flagged by the "
        f"release, {len(item.areas) - flagged} added by the partnership.",
        area_rows="\n".join(_area_row(area) for area in listed),
        other_areas=parts["others:some"].substitute(
            count=len(item.areas) - len(listed), threshold=item.threshold
        )
        if len(listed) < len(item.areas)
        else parts["others:none"].substitute(),
        review=parts["review:some"].substitute(count=marked, threshold=item.threshold)
        if marked
        else parts["review:none"].substitute(),
        themes=parts["themes:given"].substitute(
            contributions=_shown(item.themes.contributions),
            rounding=item.themes.rounding,
            themes="; ".join(
                f"{theme.label}: {_shown(theme.count)}" for theme in item.themes.themes
            ),
        )
        if item.themes is not None and item.themes.themes
        else parts["themes:none"].substitute(),
        heard=parts["heard:given"].substitute(
            questions="\n".join(_question_heard(question) for question in item.heard)
        )
        if item.heard
        else parts["heard:none"].substitute(),
    )


def _area_row(area: AreaVerdicts) -> str:
    verdicts = " | ".join(_shown(value) for _, value in area.verdicts)
    return (
        f"| {area.name} ({area.lsoa11cd}) | {'yes' if area.flagged else 'no'} | "
        f"{_shown(area.answers)} | {verdicts} | {'yes' if area.marked_for_review else 'no'} |"
    )


def _question_heard(question: QuestionHeard) -> str:
    population = (
        f"; population {question.population:,} {question.population_of}"
        if question.population
        else ""
    )
    elsewhere = (
        f"; {_shown(question.elsewhere)} live outside the round's areas"
        if question.elsewhere is not None
        else ""
    )
    answered = f"{_shown(question.answered)} answered{population}{elsewhere}"
    head = f"- **{question.question}** ({answered})"
    if not question.groups:
        return f"{head}: too few answered to show by group."
    return f"{head}: " + "; ".join(_group(group) for group in question.groups) + "."


def _group(group: GroupHeard) -> str:
    if group.share is not None and group.interval is not None:
        low, high = group.interval
        said = f"{_percent(group.share)} ({_percent(low)} to {_percent(high)})"
    else:
        said = f"{_shown(group.answered)}, share withheld"
    if group.population_share is not None:
        said += f" against {_percent(group.population_share)} of the population"
    return f"{group.group} {said}" + (", under-heard" if group.under_heard else "")


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def _survey(item: SurveySummary, parts: dict[str, Template]) -> str:
    return parts["survey"].substitute(
        title=item.title,
        opened=item.opened.isoformat(),
        closed=item.closed.isoformat(),
        threshold=item.threshold,
        questions="\n".join(_survey_question(question) for question in item.questions),
    )


def _survey_question(question: SurveyQuestion) -> str:
    if question.kind == "text":
        return (
            f"- **{question.question}** ({_shown(question.answered)} answers published in "
            "people's own words; the words stay on the partnership's site)."
        )
    several = " (each could choose more than one)" if question.kind == "multiple" else ""
    rows = "; ".join(f"{row.label}: {_shown(row.count)}" for row in question.rows)
    return (
        f"- **{question.question}** (out of {_shown(question.answered)} who answered{several}): "
        f"{rows or 'no answers'}."
    )
