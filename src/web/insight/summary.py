"""The community insight summary of a recipe, for its recipe pack (``manage.py
export_insight_summary``): exactly what the public pages publish of its closed validation rounds
and surveys, in the library's format (``bakehouse.packs.insight``).

Every figure comes from the functions the public pages render (``results.area_result`` and
``round_theme_table``, ``representation.heard``, ``fieldwork.results.survey_results``), so no
second disclosure rule exists: a figure the page shows as "Fewer than N" travels as that marker,
and what the page does not show (contributions received, each area's who-was-heard, anyone's
words, a response) does not travel. Fieldwork records have no public page, so nothing of them
travels either.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import cast

from bakehouse.packs.insight import (
    FORMAT,
    FORMAT_VERSION,
    WITHHELD,
    AreaVerdicts,
    Count,
    GroupHeard,
    InsightSummary,
    QuestionHeard,
    RoundSummary,
    SurveyKind,
    SurveyQuestion,
    SurveyRow,
    SurveySummary,
    ThemeCount,
    Themes,
    Verdicts,
    fewer_than,
    or_more,
)
from web.fieldwork.models import Survey
from web.fieldwork.results import public_threshold, survey_results
from web.insight import representation
from web.insight.models import Round, RoundStatus
from web.insight.results import area_result, round_theme_table, theme_tables

SHARE = re.compile(r"(\d+)% \((\d+)% to (\d+)%\)")
PERCENT = re.compile(r"(\d+)%")
POPULATION = re.compile(r"([\d,]+) (.+)")


class UnknownFigure(ValueError):
    """A public page showed a figure in a form this export does not know: it stops rather than
    guess what the page meant."""


def insight_summary(recipe: str, now: datetime) -> InsightSummary | None:
    """What the public pages publish of ``recipe``'s closed rounds and surveys; None when they
    publish nothing of any."""
    rounds = [
        _round(item)
        for item in Round.objects.filter(recipe=recipe, status=RoundStatus.CLOSED)
        .select_related("release")
        .order_by("opens_on", "pk")
        if item.release.is_public
    ]
    surveys = []
    for survey in Survey.objects.filter(recipe=recipe, status=RoundStatus.CLOSED).order_by(
        "opens_on", "pk"
    ):
        threshold = public_threshold(survey)
        if threshold is not None:
            surveys.append(_survey(survey, threshold))
    thresholds = [item.threshold for item in rounds] + [item.threshold for item in surveys]
    if not thresholds:
        return None
    return InsightSummary(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        recipe=recipe,
        exported_at=now,
        threshold=min(thresholds),
        rounds=rounds,
        surveys=surveys,
    )


def published(shown: str, threshold: int) -> Count:
    """A count as the page shows it, as the summary carries it."""
    if shown == "None":
        return 0
    if shown.isdigit():
        return int(shown)
    if shown == f"Fewer than {threshold}":
        return fewer_than(threshold)
    if shown.startswith(f"{threshold} or more"):
        return or_more(threshold)
    if shown == WITHHELD.capitalize():
        return WITHHELD
    raise UnknownFigure(f"a count shown as '{shown}'")


def _round(round_: Round) -> RoundSummary:
    threshold = round_.release.suppression_threshold
    tables = theme_tables(round_)
    areas = []
    for round_area in round_.areas.all():
        result = area_result(round_area, tables)
        counts = {count.verdict: published(count.shown, threshold) for count in result.counts}
        areas.append(
            AreaVerdicts(
                lsoa11cd=round_area.lsoa11cd,
                name=round_area.lsoa11nm,
                flagged=round_area.flagged,
                answers=published(result.total, threshold),
                verdicts=Verdicts.model_validate(counts),
                marked_for_review=result.marked_for_review,
            )
        )
    table = round_theme_table(round_)
    return RoundSummary(
        question=round_.question,
        release=round_.release_id,
        opened=round_.opens_on,
        closed=round_.closes_on,
        threshold=threshold,
        areas=areas,
        themes=None
        if table is None
        else Themes(
            contributions=WITHHELD if table.contributions is None else table.contributions,
            rounding=table.rules.rounding,
            themes=[
                ThemeCount(label=theme.label, count=published(theme.count, threshold))
                for theme in table.themes
            ],
        ),
        heard=[
            _question(question, threshold) for question in representation.heard(round_).questions
        ],
    )


def _question(question: representation.QuestionHeard, threshold: int) -> QuestionHeard:
    population = POPULATION.fullmatch(question.population)
    return QuestionHeard(
        question=question.question,
        # The page shows how many answered; where that is too few for groups, it says only
        # that fewer than the threshold answered.
        answered=published(question.answered, threshold)
        if question.groups
        else fewer_than(threshold),
        population=int(population[1].replace(",", "")) if population else None,
        population_of=population[2] if population else None,
        elsewhere=published(question.elsewhere, threshold) if question.elsewhere else None,
        groups=[_group(group, threshold) for group in question.groups],
    )


def _group(group: representation.GroupHeard, threshold: int) -> GroupHeard:
    share = SHARE.fullmatch(group.share)
    if share is None and group.share != representation.WITHHELD:
        raise UnknownFigure(f"a share shown as '{group.share}'")
    population = PERCENT.fullmatch(group.population)
    return GroupHeard(
        group=group.label,
        answered=published(group.respondents, threshold),
        share=int(share[1]) / 100 if share else None,
        interval=(int(share[2]) / 100, int(share[3]) / 100) if share else None,
        population_share=int(population[1]) / 100 if population else None,
        under_heard=group.under_heard,
    )


def _survey(survey: Survey, threshold: int) -> SurveySummary:
    return SurveySummary(
        title=survey.title,
        opened=survey.opens_on,
        closed=survey.closes_on,
        threshold=threshold,
        questions=[
            SurveyQuestion(
                question=result.question.prompt,
                kind=cast(SurveyKind, result.question.kind),
                answered=published(result.answered, threshold),
                # Free text travels as how many answered: the words stay on the site.
                rows=[
                    SurveyRow(label=row.label, count=published(row.shown, threshold))
                    for row in result.rows
                ],
            )
            for result in survey_results(survey, threshold)
        ],
    )
