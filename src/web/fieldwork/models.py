"""Fieldwork records (interviews, workshops, street conversations) and surveys. Who took part
is kept as counts per role, never names; every free text is stored only as screened and masked
(ADR 0030), and waits for a moderator (ADR 0041). Stored values of the choices never change."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from web.insight.models import ContributionState, Round, RoundStatus, Theme

# The longest a record or a response is kept, in days after the fieldwork or the survey's close.
MAX_RETENTION_DAYS = 730


class FieldworkKind(models.TextChoices):
    INTERVIEW = "interview", "Interview"
    WORKSHOP = "workshop", "Workshop"
    STREET = "street", "Street conversation"


class ConsentScope(models.TextChoices):
    """What participants agreed to, as the privacy notice lists it."""

    RECORDED = "recorded", "Notes of what they said may be kept"
    QUOTED = "quoted", "Their words may be quoted, without a name"
    SUMMARY = "summary", "What they said may be published in a summary"
    CONTACT = "contact", "They may be contacted again through the organiser"


class FieldworkRecord(models.Model):
    """One interview, workshop or street conversation, written up by staff. The notes are
    masked on save and held for a moderator before staff other than the writer see them."""

    text_fields: ClassVar[tuple[str, ...]] = ("notes",)

    kind = models.CharField(max_length=10, choices=FieldworkKind.choices)
    held_on = models.DateField()
    place = models.CharField(max_length=200)
    recipe = models.CharField(max_length=64, db_index=True)
    # An LSOA of the recipe's release current when the record was written; blank if none.
    lsoa11cd = models.CharField(max_length=9, blank=True)
    lsoa11nm = models.CharField(max_length=100, blank=True)
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    residents = models.PositiveIntegerField(default=0)
    practitioners = models.PositiveIntegerField(default=0)
    community_leaders = models.PositiveIntegerField(default=0)
    # ``ConsentScope`` values.
    consent = models.JSONField(default=list)
    notes = models.TextField(blank=True)
    findings = models.JSONField(default=list)
    state = models.CharField(
        max_length=10, choices=ContributionState.choices, default=ContributionState.HELD
    )
    published_at = models.DateTimeField(null=True, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="+")
    retention_days = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_DAYS)]
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-held_on", "-pk")
        verbose_name = "fieldwork record"
        constraints = (
            models.CheckConstraint(
                condition=models.Q(kind__in=FieldworkKind.values), name="fieldwork_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=ContributionState.values),
                name="fieldwork_state_known",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.place} on {self.held_on:%d %B %Y}"

    @property
    def finding_kinds(self) -> list[str]:
        return sorted({finding["kind"] for finding in self.findings})

    @property
    def taking_part(self) -> int:
        return self.residents + self.practitioners + self.community_leaders

    def consent_labels(self) -> list[str]:
        return [ConsentScope(value).label for value in ConsentScope.values if value in self.consent]


class Survey(models.Model):
    """Questions staff compose, answered through an open link without an account."""

    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True)
    recipe = models.CharField(max_length=64, db_index=True)
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opens_on = models.DateField()
    closes_on = models.DateField()
    retention_days = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_DAYS)]
    )
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-opens_on", "-pk")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="survey_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=RoundStatus.values), name="survey_status_known"
            ),
        )

    def __str__(self) -> str:
        return self.title

    @property
    def accepting(self) -> bool:
        """Open, and today is between its dates."""
        today = timezone.localdate()
        return self.status == RoundStatus.OPEN and self.opens_on <= today <= self.closes_on


class QuestionKind(models.TextChoices):
    SINGLE = "single", "Choose one option"
    MULTIPLE = "multiple", "Choose any options"
    SCALE = "scale", "A scale from 1 to 5"
    TEXT = "text", "Free text"
    LOCATION = "location", "A place: an area from a list, or a point on a map"


SCALE_POINTS = (1, 2, 3, 4, 5)


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    prompt = models.CharField(max_length=300)
    hint = models.CharField(max_length=300, blank=True)
    # A choice question's options, in order; answers name them by position.
    options = models.JSONField(default=list)
    # A scale's words for 1 and for 5.
    low_label = models.CharField(max_length=60, blank=True)
    high_label = models.CharField(max_length=60, blank=True)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ("survey", "position", "pk")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(kind__in=QuestionKind.values), name="question_kind_known"
            ),
        )

    def __str__(self) -> str:
        return self.prompt

    @property
    def field_name(self) -> str:
        return f"q{self.pk}"


class SurveyResponse(models.Model):
    """One respondent's answers, sent together. Nothing identifies the respondent: the private
    link's key is theirs alone, and only its SHA-256 is kept (``web.insight.private_link``)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    received_at = models.DateTimeField(default=timezone.now)
    # Blank for a response sent before surveys gave private links.
    token_digest = models.CharField(max_length=64, blank=True, default="")
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("token_digest",),
                condition=~models.Q(token_digest=""),
                name="survey_response_token_unique",
            ),
        )


class Answer(models.Model):
    """An answer to a choice, scale or location question."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    # Positions of the options chosen.
    chosen = models.JSONField(default=list)
    scale = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    lsoa11cd = models.CharField(max_length=9, blank=True)
    # A place question's optional point on the map, inside ``lsoa11cd``; never published.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="answer_point_whole",
            ),
        )


class TextAnswer(models.Model):
    """An answer in free text: stored masked, held for a moderator, published only after."""

    text_fields: ClassVar[tuple[str, ...]] = ("text",)

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="text_answers"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="text_answers")
    text = models.TextField(blank=True)
    findings = models.JSONField(default=list)
    state = models.CharField(
        max_length=10, choices=ContributionState.choices, default=ContributionState.HELD
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "survey answer"
        constraints = (
            models.CheckConstraint(
                condition=models.Q(state__in=ContributionState.values),
                name="text_answer_state_known",
            ),
        )

    @property
    def finding_kinds(self) -> list[str]:
        return sorted({finding["kind"] for finding in self.findings})

    @property
    def recipe(self) -> str:
        return self.question.survey.recipe
