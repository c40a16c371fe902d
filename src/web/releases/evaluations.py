"""The evaluations of interventions that releases published, for the pages that show them."""

from __future__ import annotations

from django.db.models import QuerySet

from web.releases.models import ReleaseEvaluation, ReleaseStatus


def published_evaluations(plan_hash: str) -> QuerySet[ReleaseEvaluation]:
    """The evaluations of the plan with this hash in published releases, newest release first:
    a draft or withdrawn release's evaluation is seen nowhere."""
    return (
        ReleaseEvaluation.objects.filter(
            plan_hash=plan_hash, release__status=ReleaseStatus.PUBLISHED
        )
        .select_related("release")
        .order_by("-release__created_at", "-release__imported_at")
    )
