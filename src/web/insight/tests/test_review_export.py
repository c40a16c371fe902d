"""Staff export the areas communities disagreed with, and the next release's model card lists
them with what the partnership found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bakehouse.custody import init_key
from bakehouse.recipes import load_recipe, recipe_path
from bakehouse.run import RunOptions, run
from bakehouse.world.config import WorldConfig
from bakehouse.world.generate import generate
from web.accounts.models import User
from web.accounts.roles import Role
from web.governance.models import Action, Event
from web.insight import rounds
from web.insight.models import Round, RoundArea, Verdict
from web.insight.tests.factories import make_round, published, round_organiser
from web.releases.models import Release

DISAGREEING = "Families here are well supported by the health visitors."
YOU_SAID = "Most people told us families in the area are well supported."
WE_DID = "We checked the health visiting records: the flag rests on one cohort's dip."


def _disputed(release: Release) -> tuple[Round, RoundArea]:
    """A round where everyone who spoke about one flagged area disagreed, with a response."""
    round_ = make_round(release)
    area = round_.areas.filter(flagged=True).first()
    assert area is not None
    threshold = release.suppression_threshold
    for item in published(round_, [DISAGREEING] * threshold, lsoa11cd=area.lsoa11cd):
        item.verdict = Verdict.DISAGREES
        item.save()
    rounds.write_response(area, YOU_SAID, WE_DID, round_organiser())
    return round_, area


def test_the_export_lists_a_disputed_area_with_counts_and_response_and_no_participant_text(
    release: Release, tmp_path: Path
) -> None:
    round_, area = _disputed(release)
    out = tmp_path / "review.json"

    call_command("export_review", recipe=release.recipe, out=out, by=round_organiser().username)

    data = json.loads(out.read_text("utf-8"))
    assert data["recipe"] == release.recipe
    [listed] = data["areas"]
    assert (listed["lsoa11cd"], listed["round"], listed["release"]) == (
        area.lsoa11cd,
        round_.pk,
        release.pk,
    )
    assert listed["verdicts"]["No, it does not match what I know"] == str(
        release.suppression_threshold
    )
    assert YOU_SAID in listed["found"] and WE_DID in listed["found"]
    assert DISAGREEING not in out.read_text("utf-8")
    event = Event.objects.get(action=Action.DATA_EXPORTED)
    assert event.detail["areas"] == 1
    assert event.actor == round_organiser()


def test_only_insight_staff_may_export_the_review_list(release: Release, tmp_path: Path) -> None:
    User.objects.create(username="viewer", role=Role.PARTNER_VIEWER)

    with pytest.raises(CommandError, match="only a partner analyst"):
        call_command("export_review", recipe=release.recipe, out=tmp_path / "r.json", by="viewer")

    assert not (tmp_path / "r.json").exists()
    assert not Event.objects.filter(action=Action.DATA_EXPORTED).exists()


def _quick_recipe(folder: Path) -> Path:
    """The built-in recipe with fewer resamples, as the pipeline's own run tests use."""
    text = recipe_path("school-readiness").read_text(encoding="utf-8")
    text = text.replace("  bootstrap: 500", "  bootstrap: 100")
    text = text.replace("  uncertainty_refits: 20", "  uncertainty_refits: 4")
    path = folder / "recipe.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow
def test_the_next_releases_model_card_lists_the_disputed_area_and_what_was_found(
    release: Release, tmp_path: Path
) -> None:
    _, area = _disputed(release)
    review = tmp_path / "review.json"
    call_command("export_review", recipe=release.recipe, out=review)
    world = tmp_path / "world"
    generate(WorldConfig(area="basildon", seed=3, scale=0.1), world)

    result = run(
        RunOptions(
            sources=world,
            workspace=tmp_path / "ws",
            out=tmp_path / "releases",
            recipe=load_recipe(_quick_recipe(tmp_path)),
            key_file=init_key(tmp_path / "key" / "custodian.key"),
            review=review,
        )
    )

    card = (result.release.path / "model_card.md").read_text("utf-8")
    record = json.loads((result.release.path / "transparency_record.json").read_text("utf-8"))
    assert f"{area.lsoa11nm} ({area.lsoa11cd})" in card
    assert WE_DID in card
    assert "Community review" in card
    disagreed = record["tier_2"]["risks"]["areas_communities_disagreed_with"]
    assert disagreed["areas"]["1"]["area"] == f"{area.lsoa11nm} ({area.lsoa11cd})"
