"""Releases and their area-level tables. A release is imported whole and its figures never
change afterwards. What moves is its status (imported as a draft, published by a custodian,
withdrawn if found unsafe) and which published release of its recipe the pages show
(``is_current``: one per recipe). Everything keyed by area is keyed by recipe, LSOA and release
(an area row belongs to a release, which belongs to a recipe). Columns have outcome-neutral
names (events, population); the recipe's words come from the manifest (``Release.about``).
Nothing here describes a person or a household."""

from __future__ import annotations

from functools import cached_property
from typing import ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from web.releases.contract import FORMAT_VERSION, RELEASE_ID_WHOLE
from web.releases.recipes import Recipe, RecipeWords, recipe_from_manifest


class Comparison(models.TextChoices):
    """Need compared with a benchmark at 95%. Stored values never change."""

    HIGHER = "higher", "Higher need"
    SIMILAR = "similar", "Similar"
    LOWER = "lower", "Lower need"


class Hotspot(models.TextChoices):
    HOT = "hot", "Hot spot"
    COLD = "cold", "Cold spot"
    NONE = "none", "Neither"


class TrendKind(models.TextChoices):
    OBSERVED = "observed", "Observed"
    EXPECTED = "expected", "Expected"


class BenchmarkLevel(models.TextChoices):
    DISTRICT = "district", "District"
    COUNTY = "county", "County"


class DocumentName(models.TextChoices):
    MODEL_CARD = "model_card", "Model card"
    TRANSPARENCY_RECORD = "transparency_record", "Algorithmic Transparency Record"
    FAIRNESS = "fairness", "Fairness audit"
    LINKAGE_SUMMARY = "linkage_summary", "Linkage quality summary"
    QUALITY_SUMMARY = "quality_summary", "Data quality summary"


class ReleaseStatus(models.TextChoices):
    """Where a release is in its life. Stored values never change.

    Only a published release is seen by the public; a draft is seen by custodians, who publish
    it; a withdrawn release is named in the history with when and why, and its figures are
    shown nowhere."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ReleaseQuerySet(models.QuerySet["Release"]):
    def public(self) -> ReleaseQuerySet:
        """Releases whose figures anyone may see."""
        return self.filter(status=ReleaseStatus.PUBLISHED)

    def listed(self) -> ReleaseQuerySet:
        """Releases the public history names: published and withdrawn, never drafts."""
        return self.exclude(status=ReleaseStatus.DRAFT)

    def current(self, recipe: str) -> Release | None:
        """The published release the pages of this recipe show, if any."""
        return self.public().filter(recipe=recipe, is_current=True).first()

    def current_releases(self) -> list[Release]:
        """The current release of every recipe that has one, by the recipe's title."""
        found = list(self.public().filter(is_current=True))
        return sorted(found, key=lambda release: (release.about.title.lower(), release.recipe))


class Release(models.Model):
    id = models.CharField(
        primary_key=True, max_length=100, validators=[RegexValidator(RELEASE_ID_WHOLE)]
    )
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    recipe = models.CharField(max_length=64, db_index=True)
    recipe_version = models.CharField(max_length=32)
    run_id = models.CharField(max_length=128)
    area_name = models.CharField(max_length=64)
    as_at = models.DateField()
    manifest = models.JSONField()
    imported_at = models.DateTimeField(default=timezone.now)
    # Blank when imported from the command line without naming an account.
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_current = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=ReleaseStatus.choices, default=ReleaseStatus.DRAFT, db_index=True
    )
    # The id of the trusted key that signed the manifest (see bakehouse.release.signing).
    signed_by = models.CharField(max_length=16, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawal_reason = models.TextField(blank=True)

    objects: ClassVar[ReleaseQuerySet] = ReleaseQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at", "-imported_at")
        constraints = (
            models.UniqueConstraint(
                fields=("recipe",),
                condition=models.Q(is_current=True),
                name="release_one_current_per_recipe",
            ),
            models.CheckConstraint(
                condition=~models.Q(is_current=True) | models.Q(status=ReleaseStatus.PUBLISHED),
                name="release_current_is_published",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReleaseStatus.values),
                name="release_status_known",
            ),
        )

    def __str__(self) -> str:
        return f"{self.title} ({self.id})"

    @property
    def cache_key(self) -> str:
        """Names this import of the release, in this status, in the cache: the id alone could be
        reused by a release deleted and imported again, and what was cached while it was
        published is never found again once it is withdrawn."""
        return f"{self.id}@{self.imported_at.timestamp():.6f}:{self.status}"

    @property
    def format_version(self) -> int | None:
        found = self.manifest.get("format_version")
        return found if isinstance(found, int) else None

    @property
    def is_current_format(self) -> bool:
        """False for a release imported under an earlier format: it keeps its place in the
        history, but no page shows it as current (it carries no recipe words)."""
        return self.format_version == FORMAT_VERSION

    @property
    def added_value_sentence(self) -> str | None:
        """The release's sentence on what the model found that services did not already know;
        None for a release published before the comparison (the verifier checked its shape)."""
        found = self.manifest.get("added_value")
        if not isinstance(found, dict):
            return None
        sentence = found.get("sentence")
        return sentence if isinstance(sentence, str) and sentence else None

    @cached_property
    def about(self) -> Recipe:
        """The recipe as this release describes it: title, question and words."""
        return recipe_from_manifest(self.manifest)

    @property
    def words(self) -> RecipeWords:
        return self.about.words

    @property
    def recipe_title(self) -> str:
        """The recipe's title for lists of releases of any format (format 1 gave only its id)."""
        title = self.manifest.get("recipe", {}).get("title")
        return str(title) if title else self.recipe

    @property
    def is_public(self) -> bool:
        return self.status == ReleaseStatus.PUBLISHED

    @property
    def disclosure_rule(self) -> str:
        disclosure = self.manifest.get("disclosure", {})
        return str(disclosure.get("rule", ""))

    @property
    def flag_rule(self) -> str:
        """The recipe's rule for flagging an area, in words, when the release gives it."""
        return str(self.manifest.get("methods", {}).get("flag_rule", ""))

    @property
    def intervals_note(self) -> str:
        """What the 95% intervals allow for, as the release's methods say."""
        uncertainty = self.manifest.get("methods", {}).get("model_uncertainty")
        if uncertainty == "none":
            return (
                "The intervals show how much the figures could vary by chance in areas this "
                "small; they do not include the model's own uncertainty."
            )
        if uncertainty:
            return "The intervals allow for chance and for the model's own uncertainty."
        return ""

    @property
    def suppression_threshold(self) -> int:
        return int(self.manifest.get("disclosure", {}).get("threshold", 7))


class Area(models.Model):
    """One LSOA in one release: the row of areas.parquet and its boundary."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="areas")
    lsoa11cd = models.CharField(max_length=9, db_index=True)
    lsoa11nm = models.CharField(max_length=100)
    msoa11cd = models.CharField(max_length=9)
    msoa11nm = models.CharField(max_length=100)
    lad_code = models.CharField(max_length=9)
    lad_name = models.CharField(max_length=100)
    imd_decile = models.PositiveSmallIntegerField(null=True)
    observed_population = models.IntegerField(null=True)
    observed_events = models.IntegerField(null=True)
    observed_rate = models.FloatField(null=True)
    observed_low = models.FloatField(null=True)
    observed_high = models.FloatField(null=True)
    observed_suppressed = models.BooleanField()
    future_population = models.IntegerField(null=True)
    # Withheld: then every expected figure, rank, comparison, hotspot and flag is null or false.
    future_suppressed = models.BooleanField(default=False)
    expected_events = models.FloatField(null=True)
    expected_low = models.FloatField(null=True)
    expected_high = models.FloatField(null=True)
    expected_rate = models.FloatField(null=True)
    expected_rate_low = models.FloatField(null=True)
    expected_rate_high = models.FloatField(null=True)
    shrunken_rate = models.FloatField(null=True)
    shrunken_low = models.FloatField(null=True)
    shrunken_high = models.FloatField(null=True)
    rank = models.IntegerField(null=True)
    rank_low = models.IntegerField(null=True)
    rank_high = models.IntegerField(null=True)
    vs_district = models.CharField(max_length=10, choices=Comparison.choices, null=True)
    vs_county = models.CharField(max_length=10, choices=Comparison.choices, null=True)
    hotspot = models.CharField(max_length=10, choices=Hotspot.choices, null=True)
    hotspot_p = models.FloatField(null=True)
    flagged = models.BooleanField()
    flag_reasons = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    geometry = models.JSONField()

    class Meta:
        ordering = ("release", "lsoa11cd")
        constraints = (
            models.UniqueConstraint(fields=("release", "lsoa11cd"), name="area_once_per_release"),
        )

    def __str__(self) -> str:
        return f"{self.lsoa11nm} ({self.lsoa11cd})"


class TrendPoint(models.Model):
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="trend")
    cohort = models.SmallIntegerField()
    kind = models.CharField(max_length=10, choices=TrendKind.choices)
    population = models.IntegerField(null=True)
    events = models.IntegerField(null=True)
    rate = models.FloatField(null=True)
    low = models.FloatField(null=True)
    high = models.FloatField(null=True)
    suppressed = models.BooleanField()

    class Meta:
        ordering = ("area", "cohort", "kind")
        constraints = (
            models.UniqueConstraint(
                fields=("area", "cohort", "kind"), name="trend_point_once_per_cohort"
            ),
        )


class Benchmark(models.Model):
    """A district or county figure areas are compared with."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="benchmarks")
    level = models.CharField(max_length=10, choices=BenchmarkLevel.choices)
    code = models.CharField(max_length=9)
    name = models.CharField(max_length=100)
    measure = models.CharField(max_length=20)
    value = models.FloatField(null=True)
    low = models.FloatField(null=True)
    high = models.FloatField(null=True)
    denominator = models.IntegerField(null=True)

    class Meta:
        ordering = ("release", "measure", "level")
        constraints = (
            models.UniqueConstraint(
                fields=("release", "level", "code", "measure"), name="benchmark_once_per_release"
            ),
        )


class Driver(models.Model):
    """A feature that raises an area's predicted need, in plain words."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="drivers")
    position = models.PositiveSmallIntegerField()
    feature = models.CharField(max_length=100)
    label = models.CharField(max_length=200)
    contribution = models.FloatField()
    text = models.TextField()

    class Meta:
        ordering = ("area", "position")
        constraints = (
            models.UniqueConstraint(fields=("area", "position"), name="driver_position_once"),
        )


class Document(models.Model):
    """A document of the release (model card, transparency record, ...) as it was published."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(max_length=40, choices=DocumentName.choices)
    content = models.JSONField()
    markdown = models.TextField(blank=True)

    class Meta:
        ordering = ("release", "name")
        constraints = (
            models.UniqueConstraint(fields=("release", "name"), name="document_once_per_release"),
        )

    def __str__(self) -> str:
        return f"{self.get_name_display()} of {self.release_id}"


class ReleaseEvaluation(models.Model):
    """An intervention's evaluation as a release published it (docs/release.md, "Evaluations"):
    the result (estimates, intervals, p-values, group means over at least three areas each,
    never a count), its two plots as SVG and their figures as CSV. Keyed by the plan's hash,
    which the intervention's frozen plan carries too."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="evaluations")
    plan_hash = models.CharField(max_length=64, db_index=True)
    # "pre-registered: frozen <when> (plan <hash>)" or "exploratory: not pre-registered"
    registration = models.TextField()
    result = models.JSONField()
    event_study_svg = models.TextField()
    event_study_csv = models.TextField()
    trajectories_svg = models.TextField()
    trajectories_csv = models.TextField()

    class Meta:
        ordering = ("release", "plan_hash")
        constraints = (
            models.UniqueConstraint(
                fields=("release", "plan_hash"), name="evaluation_once_per_release"
            ),
        )

    def __str__(self) -> str:
        return f"Evaluation of plan {self.plan_hash[:12]} in {self.release_id}"

    @property
    def is_exploratory(self) -> bool:
        return not self.registration.startswith("pre-registered")
