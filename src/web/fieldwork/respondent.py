"""A respondent's own response, opened through its private link (``web.insight.private_link``):
finding it by the key, what is kept in words, and the change form filled with it."""

from __future__ import annotations

from dataclasses import dataclass

from web.fieldwork.models import Answer, Question, QuestionKind, SurveyResponse
from web.fieldwork.results import place_name, scale_label
from web.fieldwork.surveys import CHOICE_KINDS
from web.insight import private_link


def find_by_key(key: str) -> SurveyResponse | None:
    return (
        SurveyResponse.objects.select_related("survey")
        .filter(token_digest=private_link.digest(key))
        .first()
    )


@dataclass(frozen=True)
class KeptAnswer:
    """One answer as the private link shows it: in words, a free text as masked, with where it
    is (waiting for a moderator, published, rejected)."""

    prompt: str
    words: str
    state: str = ""


def kept_answers(response: SurveyResponse) -> list[KeptAnswer]:
    answers = {answer.question_id: answer for answer in response.answers.all()}
    texts = {text.question_id: text for text in response.text_answers.all()}
    kept = []
    for question in response.survey.questions.all():
        if question.pk in texts:
            text = texts[question.pk]
            # A rejection empties the text at once.
            words = text.text or "(removed by a moderator)"
            kept.append(KeptAnswer(question.prompt, words, text.get_state_display()))
        elif question.pk in answers:
            kept.append(KeptAnswer(question.prompt, _in_words(question, answers[question.pk])))
        else:
            kept.append(KeptAnswer(question.prompt, "(not answered)"))
    return kept


def _in_words(question: Question, answer: Answer) -> str:
    if question.kind in CHOICE_KINDS:
        return ", ".join(question.options[i] for i in answer.chosen if i < len(question.options))
    if question.kind == QuestionKind.SCALE:
        return scale_label(question, answer.scale) if answer.scale else ""
    point = ", and a point on the map in it" if answer.latitude is not None else ""
    return f"{place_name(question.survey, answer.lsoa11cd)}{point}"


def initial_answers(response: SurveyResponse) -> dict[str, object]:
    """The change form's values: what is kept, free text as masked."""
    initial: dict[str, object] = {}
    for answer in response.answers.select_related("question"):
        question = answer.question
        name = question.field_name
        if question.kind == QuestionKind.SINGLE and answer.chosen:
            initial[name] = str(answer.chosen[0])
        elif question.kind == QuestionKind.MULTIPLE:
            initial[name] = [str(position) for position in answer.chosen]
        elif question.kind == QuestionKind.SCALE:
            initial[name] = str(answer.scale)
        elif question.kind == QuestionKind.LOCATION:
            initial[name] = answer.lsoa11cd
            initial[f"{name}_lat"] = answer.latitude
            initial[f"{name}_lng"] = answer.longitude
    for text in response.text_answers.select_related("question"):
        initial[text.question.field_name] = text.text
    return initial
