"""Validation rounds and what people say in them. Everything is area-level or typed by
participants about an area; nothing here holds an agency's person-level data. Stored values of
the choices never change; labels may."""

from __future__ import annotations

from typing import ClassVar

from django.apps import apps
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from web.releases.models import Release


class RoundStatus(models.TextChoices):
    DRAFT = "draft", "Not open yet"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ParticipantRole(models.TextChoices):
    RESIDENT = "resident", "I live or work here"
    PRACTITIONER = "practitioner", "I work with people here (a practitioner)"
    COMMUNITY_LEADER = "community_leader", "I lead a community group here"


class Verdict(models.TextChoices):
    AGREES = "agrees", "Yes, it matches what I know"
    PARTLY = "partly", "Partly"
    DISAGREES = "disagrees", "No, it does not match what I know"
    DONT_KNOW = "dont_know", "I do not know"


class AgeBand(models.TextChoices):
    """The bands the population table counts residents aged 16 and over in."""

    FROM_16 = "16-24", "16 to 24"
    FROM_25 = "25-34", "25 to 34"
    FROM_35 = "35-49", "35 to 49"
    FROM_50 = "50-64", "50 to 64"
    FROM_65 = "65+", "65 or over"


class EthnicGroup(models.TextChoices):
    """The 2021 Census's five high-level ethnic groups (England and Wales), in its order."""

    ASIAN = "asian", "Asian, Asian British or Asian Welsh"
    BLACK = "black", "Black, Black British, Black Welsh, Caribbean or African"
    MIXED = "mixed", "Mixed or Multiple ethnic groups"
    WHITE = "white", "White"
    OTHER = "other", "Other ethnic group"


class ChildrenUnderFive(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"


class Measure(models.TextChoices):
    """What a row of the population table counts: residents aged 16 and over by age band,
    residents by ethnic group, households by whether a child under five lives there."""

    AGE_BAND = "age_band", "Age"
    ETHNIC_GROUP = "ethnic_group", "Ethnic group"
    CHILDREN_UNDER_FIVE = "children_under_five", "Children under five at home"


# Each measure's groups: the answers a participant may give to the question of that name.
MEASURE_GROUPS: dict[str, type[models.TextChoices]] = {
    Measure.AGE_BAND: AgeBand,
    Measure.ETHNIC_GROUP: EthnicGroup,
    Measure.CHILDREN_UNDER_FIVE: ChildrenUnderFive,
}


class PopulationCount(models.Model):
    """One count of an area's population (``manage.py load_population``): area-level, from a
    published table such as the 2021 Census's, never about a person."""

    lsoa11cd = models.CharField(max_length=9)
    measure = models.CharField(max_length=20, choices=Measure.choices)
    group = models.CharField(max_length=10)
    count = models.PositiveIntegerField()
    source = models.CharField(max_length=300)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("lsoa11cd", "measure", "group")
        constraints = (
            models.UniqueConstraint(
                fields=("lsoa11cd", "measure", "group"), name="population_count_once"
            ),
            models.CheckConstraint(
                condition=models.Q(measure__in=Measure.values), name="population_measure_known"
            ),
        )

    def __str__(self) -> str:
        return f"{self.lsoa11cd} {self.measure} {self.group}: {self.count}"


class AreaSource(models.TextChoices):
    FLAGGED = "flagged", "Flagged in the release"
    ADDED = "added", "Added by staff"


class ContributionState(models.TextChoices):
    HELD = "held", "Waiting for a moderator"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Not published"


class Decision(models.TextChoices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    MASKED = "masked", "More masked"


class RejectReason(models.TextChoices):
    PERSONAL_DATA = "personal_data", "Personal details that masking cannot hide"
    ABUSIVE = "abusive", "Abusive, threatening or discriminatory"
    OFF_TOPIC = "off_topic", "Not about the area or the question"
    ADVERTISING = "advertising", "Advertising or spam"
    DUPLICATE = "duplicate", "Said already by the same person"
    OTHER = "other", "Another reason (in the note)"


class Round(models.Model):
    """A question about a release's areas, open between two dates to those invited."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+")
    # The release's recipe, kept beside it: every page asks for rounds by recipe and area.
    recipe = models.CharField(max_length=64, db_index=True)
    question = models.CharField(max_length=300)
    opens_on = models.DateField()
    closes_on = models.DateField()
    retention_days = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    invited_roles = models.JSONField(default=list)
    practitioner_groups = models.CharField(max_length=300, blank=True)
    # Policy: contributions where screening found nothing still wait for a moderator.
    moderate_unflagged = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # SHA-256 of the round file it was loaded from (``manage.py load_insight_round``), so the
    # same file loaded again for the release finds it; blank for a round made on the web.
    source_sha256 = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ("-opens_on", "-pk")
        constraints = (
            models.UniqueConstraint(
                fields=("release", "source_sha256"),
                condition=~models.Q(source_sha256=""),
                name="round_file_loaded_once_per_release",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="round_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=RoundStatus.values), name="round_status_known"
            ),
        )

    def __str__(self) -> str:
        return self.question

    @property
    def accepting(self) -> bool:
        """Open, and today is between its dates."""
        today = timezone.localdate()
        return self.status == RoundStatus.OPEN and self.opens_on <= today <= self.closes_on


class RoundArea(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="areas")
    lsoa11cd = models.CharField(max_length=9)
    lsoa11nm = models.CharField(max_length=100)
    source = models.CharField(max_length=10, choices=AreaSource.choices)
    # Whether the release flagged it: what a disagreement is measured against.
    flagged = models.BooleanField()

    class Meta:
        ordering = ("round", "lsoa11nm")
        constraints = (
            models.UniqueConstraint(fields=("round", "lsoa11cd"), name="round_area_once"),
        )

    def __str__(self) -> str:
        return f"{self.lsoa11nm} ({self.lsoa11cd})"


class Contribution(models.Model):
    """What one participant said about one area. Only masked text is kept: the text as typed
    is screened in memory and never stored (ADR 0035)."""

    round_area = models.ForeignKey(
        RoundArea, on_delete=models.CASCADE, related_name="contributions"
    )
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    participant_role = models.CharField(max_length=20, choices=ParticipantRole.choices)
    reasons = models.TextField(blank=True)
    local_knowledge = models.TextField(blank=True)
    # WGS84, inside the area's boundary; both or neither.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # [{"field": ..., "kind": ..., "start": ..., "end": ...}]: never the text found.
    findings = models.JSONField(default=list)
    state = models.CharField(
        max_length=10, choices=ContributionState.choices, default=ContributionState.HELD
    )
    # SHA-256 of the participant's private link token; the token itself is shown once.
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Set when an analyst adds or removes a theme on it: the codebook's rule then leaves its
    # themes alone.
    themes_checked_at = models.DateTimeField(null=True, blank=True)
    # "About you", each optional and blank when skipped. A postcode is kept only as its LSOA.
    age_band = models.CharField(max_length=10, choices=AgeBand.choices, blank=True)
    ethnic_group = models.CharField(max_length=10, choices=EthnicGroup.choices, blank=True)
    children_under_five = models.CharField(
        max_length=3, choices=ChildrenUnderFive.choices, blank=True
    )
    home_lsoa11cd = models.CharField(max_length=9, blank=True)

    class Meta:
        ordering = ("created_at", "pk")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(state__in=ContributionState.values),
                name="contribution_state_known",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="contribution_point_whole",
            ),
        )

    def __str__(self) -> str:
        return f"Contribution {self.pk} on {self.round_area}"

    # The free-text fields a participant fills in, which a moderator may mask or a rejection
    # empties.
    text_fields: ClassVar[tuple[str, ...]] = ("reasons", "local_knowledge")

    @property
    def finding_kinds(self) -> list[str]:
        return sorted({finding["kind"] for finding in self.findings})

    @property
    def recipe(self) -> str:
        return self.round_area.round.recipe


class ModerationDecision(models.Model):
    """One moderator's decision about a contribution or another moderated item (a survey's
    free-text answer, fieldwork notes). Kept when the item is deleted (by its participant or at
    the end of retention), so the log stays whole."""

    contribution = models.ForeignKey(
        Contribution, null=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    # The item's number; for an item other than a contribution, its primary key in its table.
    contribution_number = models.PositiveIntegerField()
    # The item's model, as the governance log names it (``app_label.model``).
    item_type = models.CharField(max_length=100, default="insight.contribution")
    recipe = models.CharField(max_length=64, blank=True)
    # A contribution's area; blank for other items.
    round_area = models.ForeignKey(
        RoundArea, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now, db_index=True)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.CharField(max_length=20, choices=RejectReason.choices, blank=True)
    # The kinds screening found, as the moderator saw them.
    finding_kinds = models.JSONField(default=list)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("-decided_at", "-pk")

    @property
    def is_contribution(self) -> bool:
        return self.item_type == Contribution._meta.label_lower

    @property
    def item_name(self) -> str:
        """What the item is, in words ("contribution", "survey answer")."""
        return str(apps.get_model(self.item_type)._meta.verbose_name)


class AreaResponse(models.Model):
    """The partnership's answer to what was said about an area ("you said, we did")."""

    round_area = models.OneToOneField(RoundArea, on_delete=models.CASCADE, related_name="response")
    you_said = models.TextField()
    we_did = models.TextField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)


class ThemeState(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    ACCEPTED = "accepted", "In the codebook"
    REJECTED = "rejected", "Rejected"
    MERGED = "merged", "Merged into another theme"


class CodedBy(models.TextChoices):
    ANALYST = "analyst", "An analyst"
    RULE = "rule", "The codebook's rule"


class Codebook(models.Model):
    """The themes analysts code one round's contributions with. One per round: suggestions come
    from the round's own texts and its counts are published with the round's release."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="codebook")
    # k-means' seed: the same published texts and seed give the same suggestions.
    seed = models.PositiveIntegerField(default=0)
    suggested_at = models.DateTimeField(null=True, blank=True)
    # How many published texts the last suggestions were made from.
    suggested_from = models.PositiveIntegerField(default=0)
    coded_at = models.DateTimeField(null=True, blank=True)


class Theme(models.Model):
    """A suggested theme, or one analysts accepted into the codebook. ``key`` is the id the
    coding rule knows it by (``bakehouse.insight.themes.Theme.id``)."""

    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="themes")
    label = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    # Phrases that code a text with the theme (whole words, any case).
    examples = models.JSONField(default=list)
    # A suggestion's heaviest terms, its size and its most typical members, as suggested.
    terms = models.JSONField(default=list)
    suggested_count = models.PositiveIntegerField(null=True, blank=True)
    quote_ids = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=ThemeState.choices)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("codebook", "position", "pk")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(state__in=ThemeState.values), name="theme_state_known"
            ),
        )

    def __str__(self) -> str:
        return self.label

    @property
    def key(self) -> str:
        return f"theme-{self.pk}"


class ContributionTheme(models.Model):
    """A contribution coded with a theme, by an analyst or by the codebook's rule."""

    contribution = models.ForeignKey(
        Contribution, on_delete=models.CASCADE, related_name="coded_themes"
    )
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="coded")
    coded_by = models.CharField(max_length=10, choices=CodedBy.choices)
    coded_at = models.DateTimeField(default=timezone.now)
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("contribution", "theme")
        constraints = (
            models.UniqueConstraint(
                fields=("contribution", "theme"), name="contribution_theme_once"
            ),
            models.CheckConstraint(
                condition=models.Q(coded_by__in=CodedBy.values), name="coded_by_known"
            ),
        )
