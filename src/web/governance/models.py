"""The governance log: one row per event, never changed or deleted once written."""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    """What happened. Stored values never change; labels may."""

    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Sign-in paused after failures"
    SIGN_OUT = "sign_out", "Signed out"
    ADMIN_ADDITION = "admin_addition", "Added in administration"
    ADMIN_CHANGE = "admin_change", "Changed in administration"
    ADMIN_DELETION = "admin_deletion", "Deleted in administration"
    DEMO_ACCOUNT_SET_UP = "demo_account_set_up", "Demo account set up"
    RELEASE_IMPORTED = "release_imported", "Release imported"
    RELEASE_REFUSED = "release_refused", "Release refused"
    RELEASE_MADE_CURRENT = "release_made_current", "Release made current"
    RELEASE_PUBLISHED = "release_published", "Release published"
    RELEASE_WITHDRAWN = "release_withdrawn", "Release withdrawn"
    DATA_EXPORTED = "data_exported", "Data downloaded"
    ASSET_FEED_IMPORTED = "asset_feed_imported", "Community asset feed imported"
    ASSET_ERROR_REPORTED = "asset_error_reported", "Error in a community asset reported"
    ASSET_REPORT_CLOSED = "asset_report_closed", "Report of an error in a community asset handled"
    ASSET_CHANGE_PROPOSED = "asset_change_proposed", "Change to a community asset proposed"
    ASSET_CHANGE_APPROVED = "asset_change_approved", "Change to a community asset approved"
    ASSET_CHANGE_REJECTED = "asset_change_rejected", "Change to a community asset rejected"
    ASSET_RECORD_CHECKED = "asset_record_checked", "Community asset checked by a person"
    INSIGHT_ROUND_CREATED = "insight_round_created", "Validation round created"
    INSIGHT_ROUND_OPENED = "insight_round_opened", "Validation round opened"
    INSIGHT_ROUND_CLOSED = "insight_round_closed", "Validation round closed"
    INSIGHT_AREA_ADDED = "insight_area_added", "Area added to a validation round"
    INSIGHT_APPROVED = "insight_approved", "Community contribution approved"
    INSIGHT_REJECTED = "insight_rejected", "Community contribution rejected"
    INSIGHT_MASKED = "insight_masked", "Community contribution masked further"
    INSIGHT_RESPONSE_WRITTEN = "insight_response_written", "Response to a community written"
    INSIGHT_EXPIRED = "insight_expired", "Community contributions deleted after retention"
    INTERVENTION_CREATED = "intervention_created", "Intervention created"
    INTERVENTION_STATE_UPDATED = "intervention_state_updated", "Intervention's progress updated"
    EVALUATION_PLAN_FROZEN = "evaluation_plan_frozen", "Evaluation plan frozen"
    EVALUATION_PLAN_DEVIATION = "evaluation_plan_deviation", "Deviation from a frozen plan recorded"
    INSIGHT_THEMES_SUGGESTED = "insight_themes_suggested", "Themes suggested for a round"
    INSIGHT_THEME_ACCEPTED = "insight_theme_accepted", "Theme accepted into a codebook"
    INSIGHT_THEMES_MERGED = "insight_themes_merged", "Themes merged"
    INSIGHT_THEME_REJECTED = "insight_theme_rejected", "Theme rejected"
    INSIGHT_THEME_EDITED = "insight_theme_edited", "Theme edited"
    INSIGHT_THEME_WRITTEN = "insight_theme_written", "Theme written into a codebook"
    INSIGHT_THEMES_CODED = "insight_themes_coded", "Contributions coded with a codebook"
    INSIGHT_THEME_ADDED = "insight_theme_added", "Theme added to a contribution"
    INSIGHT_THEME_REMOVED = "insight_theme_removed", "Theme removed from a contribution"
    EVALUATION_PUBLISHED = "evaluation_published", "Evaluation result published"
    RECIPE_PACK_IMPORTED = "recipe_pack_imported", "Recipe pack imported"
    RECIPE_PACK_REFUSED = "recipe_pack_refused", "Recipe pack refused"


class AppendOnlyError(Exception):
    """Someone tried to change or delete an event in the governance log."""

    def __init__(self) -> None:
        super().__init__("The governance log is append-only: events cannot be changed or deleted.")


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError

    def delete(self) -> NoReturn:
        raise AppendOnlyError


class Event(models.Model):
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    action = models.CharField(max_length=40, choices=Action.choices, db_index=True)
    # The account, when there is one; PROTECT keeps accounts with history (close them instead).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The username at the time, or as typed on a failed sign-in; blank for the command line.
    actor_username = models.CharField(max_length=150, blank=True, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    # As long as the longest primary key logged: a release's id (web.releases.models.Release).
    object_id = models.CharField(max_length=100, blank=True)
    detail = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects: ClassVar[EventQuerySet] = EventQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-occurred_at", "-id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(action__in=Action.values), name="event_action_known"
            ),
        )

    def __str__(self) -> str:
        who = self.actor_username or "command line"
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {who}: {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError
