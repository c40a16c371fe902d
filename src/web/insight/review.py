"""The areas marked for review, exported for the next release's model card (``bakehouse run
--review``): per area and round, the published verdict counts and the partnership's response.
No text a participant typed leaves in it."""

from __future__ import annotations

from datetime import datetime

from bakehouse.insight.review import AreaForReview, ReviewList
from web.insight.results import REVIEW_RULE, AreaResult, areas_for_review


def _found(result: AreaResult) -> str:
    response = result.response
    if response is None:
        return ""
    return f"You said: {response.you_said} We did: {response.we_did}"


def review_list(recipe: str, now: datetime) -> ReviewList:
    """Every flagged area communities disagreed with in a round on ``recipe``'s releases."""
    found = [item for item in areas_for_review() if item.round_area.round.recipe == recipe]
    threshold = found[0].round_area.round.release.suppression_threshold if found else None
    return ReviewList(
        recipe=recipe,
        exported_at=now.isoformat(timespec="seconds"),
        rule=REVIEW_RULE.format(threshold=threshold)
        if threshold
        else REVIEW_RULE.format(threshold="the release's threshold of"),
        areas=tuple(
            AreaForReview(
                lsoa11cd=item.round_area.lsoa11cd,
                lsoa11nm=item.round_area.lsoa11nm,
                round=item.round_area.round_id,
                release=item.round_area.round.release_id,
                asked=f"{item.round_area.round.opens_on.isoformat()} to "
                f"{item.round_area.round.closes_on.isoformat()}",
                verdicts={count.label: count.shown for count in item.counts},
                found=_found(item),
            )
            for item in found
        ),
    )
