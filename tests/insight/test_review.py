"""The review list the web app exports is read strictly, and the model card lists its areas and
what was found, says none were marked, or says it was given no list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bakehouse.errors import ConfigError, SchemaError
from bakehouse.insight.review import AreaForReview, ReviewList, read_review, write_review
from bakehouse.modelling import documents
from bakehouse.recipes import load_recipe

DISPUTED = AreaForReview(
    lsoa11cd="E01021237",
    lsoa11nm="Basildon 001A",
    round=3,
    release="school-readiness-20251001-3f2a9c1d",
    asked="2026-03-01 to 2026-03-28",
    verdicts={"Yes, it matches what I know": "Fewer than 7", "No, it does not match": "12"},
    found="You said: families are well supported. We did: checked the health visiting records.",
)


def _review(*areas: AreaForReview) -> ReviewList:
    return ReviewList(
        recipe="school-readiness",
        exported_at="2026-04-02T10:00:00+00:00",
        rule="An area is marked for review when ...",
        areas=areas,
    )


def _facts(review: ReviewList | None) -> documents.RunFacts:
    """Facts carrying only what the review section reads: the recipe's words and the list."""
    return documents.RunFacts(
        recipe=load_recipe("school-readiness").recipe,
        recipe_sha256="0" * 64,
        run_id="run",
        code_version="test",
        created="2026-04-02T10:00:00Z",
        as_at="2025-09-30",
        sources=[],
        features=[],
        counts={},
        split={},
        chosen="logistic",
        reason="",
        rounds=None,
        test_metrics={},
        comparison={},
        calibration_curve=[],
        fairness={},
        importance=[],
        review_share=None,
        truth=None,
        review=review,
    )


def _card_text(review: ReviewList | None) -> str:
    section = documents.plain({"community_review": documents.community_review(_facts(review))})
    return documents.markdown(
        "Model card", section, "", load_recipe("school-readiness").recipe.words
    )


def test_a_written_list_reads_back_the_same(tmp_path: Path) -> None:
    written = _review(DISPUTED)
    assert (
        read_review(write_review(written, tmp_path / "review.json"), "school-readiness") == written
    )


def test_a_list_for_another_recipe_is_refused_naming_the_recipe(tmp_path: Path) -> None:
    path = write_review(_review(DISPUTED), tmp_path / "review.json")

    with pytest.raises(ConfigError) as refused:
        read_review(path, "domestic-abuse")

    assert refused.value.field == "recipe"
    assert "export_review --recipe domestic-abuse" in refused.value.message


def test_an_area_without_its_code_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = write_review(_review(DISPUTED), tmp_path / "review.json")
    data = json.loads(path.read_text("utf-8"))
    del data["areas"][0]["lsoa11cd"]
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(SchemaError) as refused:
        read_review(path, "school-readiness")

    assert refused.value.field == "areas.0.lsoa11cd"
    assert str(path) in refused.value.message


def test_the_model_card_lists_each_area_marked_and_what_was_found() -> None:
    text = _card_text(_review(DISPUTED))

    assert "Basildon 001A (E01021237)" in text
    assert "round 3 on release school-readiness-20251001-3f2a9c1d" in text
    assert "No, it does not match: 12" in text
    assert "checked the health visiting records" in text
    assert "1 area(s)" in text


def test_the_model_card_says_when_no_area_was_marked_and_when_no_list_was_given() -> None:
    assert "No area was marked for review" in _card_text(_review())
    assert "without a list of the areas" in _card_text(None)
