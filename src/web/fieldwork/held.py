"""Survey answers and fieldwork notes waiting for a moderator, as insight's moderation queue
lists them."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from web.fieldwork.models import FieldworkRecord, TextAnswer
from web.insight.models import ContributionState
from web.insight.moderation import HeldItem


def held_items() -> Iterator[HeldItem]:
    answers = TextAnswer.objects.filter(state=ContributionState.HELD).select_related(
        "question__survey", "response"
    )
    for answer in answers:
        yield HeldItem(
            label=f"Survey answer {answer.pk}",
            url=reverse("fieldwork:moderate_answer", kwargs={"answer_id": answer.pk}),
            about=answer.question.survey.title,
            finding_kinds=answer.finding_kinds,
            received_at=answer.response.received_at,
        )
    for record in FieldworkRecord.objects.filter(state=ContributionState.HELD):
        yield HeldItem(
            label=f"Fieldwork notes {record.pk}",
            url=reverse("fieldwork:moderate_record", kwargs={"record_id": record.pk}),
            about=str(record),
            finding_kinds=record.finding_kinds,
            received_at=record.edited_at or record.written_at,
        )
