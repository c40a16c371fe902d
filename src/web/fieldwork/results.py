"""A survey's results: counts per option, the scale's distribution and places, each with the
number who answered the question. Staff see every count; the public report shows counts only
at or above the disclosure threshold of the recipe's current release, with the same secondary
suppression as validation rounds (``web.insight.results.suppressed_counts``), and only free
text a moderator published."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from web.fieldwork.models import SCALE_POINTS, Question, QuestionKind, Survey
from web.fieldwork.surveys import CHOICE_KINDS, release_of
from web.insight.models import ContributionState
from web.insight.results import suppressed_counts

ANSWERED = "answered"


@dataclass(frozen=True)
class Row:
    label: str
    shown: str


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    # How many answered the question: the denominator of its counts.
    answered: str
    rows: tuple[Row, ...]
    # Free text a moderator published (on the public report only once enough people answered).
    quotes: tuple[str, ...] = ()
    held: int = 0


def _counts(question: Question) -> tuple[int, dict[str, int]]:
    """The number who answered, and the count for each label in the question's order."""
    answers = list(question.answers.all())
    if question.kind in CHOICE_KINDS:
        chosen = Counter(position for answer in answers for position in answer.chosen)
        counts = {option: chosen.get(i, 0) for i, option in enumerate(question.options)}
    elif question.kind == QuestionKind.SCALE:
        scale = Counter(answer.scale for answer in answers)
        counts = {scale_label(question, point): scale.get(point, 0) for point in SCALE_POINTS}
    else:
        places = Counter(answer.lsoa11cd for answer in answers)
        counts = {place_name(question.survey, code): n for code, n in sorted(places.items())}
    return len(answers), counts


def scale_label(question: Question, point: int) -> str:
    words = {1: question.low_label, 5: question.high_label}.get(point, "")
    return f"{point} ({words})" if words else str(point)


def place_name(survey: Survey, code: str) -> str:
    release = release_of(survey)
    area = release.areas.filter(lsoa11cd=code).first() if release else None
    return f"{area.lsoa11nm} ({code})" if area else code


def _text_result(question: Question, threshold: int | None) -> QuestionResult:
    answers = list(question.text_answers.all())
    published = [answer.text for answer in answers if answer.state == ContributionState.PUBLISHED]
    held = sum(answer.state == ContributionState.HELD for answer in answers)
    if threshold is None:
        return QuestionResult(question, str(len(answers)), (), tuple(published), held)
    answered = suppressed_counts({ANSWERED: len(published)}, threshold)[ANSWERED]
    # Each quote is one person's: fewer people than the threshold are not quoted at all.
    quotes = tuple(published) if len(published) >= threshold else ()
    return QuestionResult(question, answered, (), quotes)


def survey_results(survey: Survey, threshold: int | None) -> list[QuestionResult]:
    """Every question's result; ``threshold`` None for staff (every count), else the public's."""
    results = []
    for question in survey.questions.prefetch_related("answers", "text_answers"):
        if question.kind == QuestionKind.TEXT:
            results.append(_text_result(question, threshold))
            continue
        answered, counts = _counts(question)
        if threshold is None:
            shown = {label: str(count) for label, count in counts.items()}
            total = str(answered)
        else:
            shown = suppressed_counts(counts, threshold)
            total = suppressed_counts({ANSWERED: answered}, threshold)[ANSWERED]
        rows = tuple(Row(label, shown[label]) for label in counts)
        results.append(QuestionResult(question, total, rows))
    return results


def public_threshold(survey: Survey) -> int | None:
    """The disclosure threshold of the recipe's current release; None when the recipe has no
    published release, and then nothing of the survey is public."""
    release = release_of(survey)
    return release.suppression_threshold if release else None
