"""A round file (``round.json``) loads as a finished round: every item screened as a web
submission is, the clean ones approved by the named moderator, the ones with personal details
held in the queue, the results on the area profile; loading it again changes nothing."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from shapely.geometry import shape

from web.accounts.models import User
from web.accounts.roles import Role
from web.governance.models import Action, Event
from web.insight.models import (
    AreaSource,
    Contribution,
    ContributionState,
    Decision,
    ModerationDecision,
    Round,
    RoundStatus,
)
from web.insight.moderation import export_decisions_csv
from web.releases.models import Release

PLANTED = {
    "name": "Sarah Collins",
    "nhs_number": "943 476 5919",
    "phone": "01268 533311",
    "email": "sarah.collins@example.com",
    "address": "14 Whitmore Way",
    "postcode": "SS14 2QR",
}
CLEAN_REASONS = (
    "There is nothing for toddlers on the estate since the centre closed.",
    "Rents have gone up and families are moving out to cheaper towns.",
    "The speech and language drop-in stopped and the waiting list is long.",
)


def _item(ident: str, code: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "lsoa11cd": code,
        "role": "resident",
        "verdict": "agrees",
        "reasons": CLEAN_REASONS[int(ident[-1]) % len(CLEAN_REASONS)],
        "local_knowledge": "",
        "latitude": None,
        "longitude": None,
        **fields,
    }


@pytest.fixture
def round_file(release: Release, tmp_path: Path) -> Path:
    """Enough clean answers about one flagged area to be counted, two with planted personal
    details there, one about an area the release does not flag (with a point inside it), and
    two the contribution form refuses."""
    flagged = sorted(release.areas.filter(flagged=True).values_list("lsoa11cd", flat=True))
    other = release.areas.filter(flagged=False).order_by("lsoa11cd").first()
    assert other is not None
    inside = shape(other.geometry).representative_point()
    code = flagged[0]
    items = [_item(f"r1-{n:04d}", code) for n in range(release.suppression_threshold)]
    items += [
        _item(
            "r1-0100",
            code,
            local_knowledge=f"My neighbour {PLANTED['name']} (NHS {PLANTED['nhs_number']}) says "
            f"ring {PLANTED['phone']} or email {PLANTED['email']}.",
        ),
        _item(
            "r1-0101",
            code,
            verdict="disagrees",
            reasons=f"The family at {PLANTED['address']} {PLANTED['postcode']} get lots of help.",
        ),
        _item(
            "r1-0102",
            other.lsoa11cd,
            latitude=round(inside.y, 5),
            longitude=round(inside.x, 5),
        ),
        _item("r1-0103", code, verdict="perhaps"),
        _item("r1-0104", "E01099999"),
    ]
    path = tmp_path / "round.json"
    path.write_text(
        json.dumps(
            {
                "format_version": 1,
                "area": release.area_name,
                "seed": 1,
                "flagged": flagged,
                "contributions": items,
            }
        ),
        encoding="utf-8",
    )
    return path


def _load(path: Path, release: Release, by: User) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "load_insight_round",
        str(path),
        release=release.id,
        by=by.username,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def test_planted_identifiers_in_a_loaded_round_never_reach_a_page_an_export_or_a_log(
    release: Release,
    round_file: Path,
    user_for: Callable[[Role], User],
    client_for: Callable[[Role | None], Client],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    printed = _load(round_file, release, user_for(Role.PARTNER_ANALYST))
    moderator = client_for(Role.PARTNER_ANALYST)
    held = Contribution.objects.filter(state=ContributionState.HELD)
    code = Contribution.objects.get(state=ContributionState.HELD, verdict="disagrees")
    profile = Client().get(
        reverse(
            "areas:profile",
            kwargs={"recipe": release.recipe, "lsoa11cd": code.round_area.lsoa11cd},
        )
    )

    seen = {
        "the area profile": profile.content.decode(),
        "the moderation queue": moderator.get(reverse("insight:queue")).content.decode(),
        "the moderators' pages": "".join(
            moderator.get(
                reverse("insight:moderate", kwargs={"contribution_id": item.pk})
            ).content.decode()
            for item in held
        ),
        "the decision log export": export_decisions_csv(),
        "the decisions page": moderator.get(reverse("insight:decisions")).content.decode(),
        "the database": json.dumps(
            list(Contribution.objects.values("reasons", "local_knowledge", "findings"))
        ),
        "the governance log": json.dumps(list(Event.objects.values("object_id", "detail"))),
        "the command's output": "".join(printed),
        "the logs": caplog.text + repr([record.args for record in caplog.records]),
    }
    assert held.count() == 2
    for where, text in seen.items():
        for kind, planted in PLANTED.items():
            assert planted not in text, f"the planted {kind} reached {where}"
    masked = Contribution.objects.get(local_knowledge__startswith="My neighbour")
    assert masked.local_knowledge.startswith("My neighbour [name] (NHS [nhs_number])")


def test_clean_items_are_approved_and_counted_and_the_rest_wait_in_the_queue_with_reasons(
    release: Release,
    round_file: Path,
    user_for: Callable[[Role], User],
    client_for: Callable[[Role | None], Client],
) -> None:
    analyst = user_for(Role.PARTNER_ANALYST)
    threshold = release.suppression_threshold

    out, err = _load(round_file, release, analyst)

    made = Round.objects.get()
    assert made.status == RoundStatus.CLOSED
    assert made.closes_on < made.created_at.date()
    flagged = set(release.areas.filter(flagged=True).values_list("lsoa11cd", flat=True))
    assert set(made.areas.filter(source=AreaSource.FLAGGED).values_list("lsoa11cd", flat=True)) == (
        flagged
    )
    assert made.areas.filter(source=AreaSource.ADDED).count() == 1
    assert f"{threshold + 5} in = {threshold + 3} stored + 2 refused" in out
    assert "Refused r1-0103" in err and "field 'verdict'" in err
    assert "perhaps" not in err  # a refusal names the field, never what it held
    assert "Refused r1-0104" in err and "field 'lsoa11cd'" in err
    approved = ModerationDecision.objects.filter(decision=Decision.APPROVED, decided_by=analyst)
    assert approved.count() == threshold + 1
    assert Event.objects.filter(action=Action.INSIGHT_APPROVED, actor=analyst).count() == (
        threshold + 1
    )
    point = Contribution.objects.get(round_area__source=AreaSource.ADDED)
    assert (point.state, point.latitude is not None) == (ContributionState.PUBLISHED, True)
    queue = client_for(Role.PARTNER_ANALYST).get(reverse("insight:queue")).content.decode()
    assert "Screening found: email, name, nhsnumber, phone" in queue
    assert "Screening found: address, postcode" in queue
    counted = Contribution.objects.get(verdict="disagrees").round_area
    profile = Client().get(
        reverse("areas:profile", kwargs={"recipe": release.recipe, "lsoa11cd": counted.lsoa11cd})
    )
    page = profile.content.decode()
    # The approved answers are counted and quoted; the held disagreement is not counted.
    assert f"Does the flag match what people know? {threshold} answers" in page
    assert CLEAN_REASONS[0] in page


def test_loading_the_same_file_again_for_the_release_changes_nothing(
    release: Release, round_file: Path, user_for: Callable[[Role], User]
) -> None:
    analyst = user_for(Role.PARTNER_ANALYST)
    _load(round_file, release, analyst)
    before = [list(model.objects.order_by("pk").values()) for model in (Round, Contribution, Event)]
    before.append(list(ModerationDecision.objects.order_by("pk").values()))

    out, _ = _load(round_file, release, analyst)

    after = [list(model.objects.order_by("pk").values()) for model in (Round, Contribution, Event)]
    after.append(list(ModerationDecision.objects.order_by("pk").values()))
    assert after == before
    assert "already loaded" in out and "nothing changed" in out


def test_a_file_of_an_unknown_format_is_refused_naming_the_file_and_field(
    release: Release, round_file: Path, user_for: Callable[[Role], User]
) -> None:
    data = json.loads(round_file.read_text("utf-8"))
    data["format_version"] = 2
    newer = round_file.with_name("newer.json")
    newer.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        _load(newer, release, user_for(Role.PARTNER_ANALYST))

    assert str(newer) in str(refused.value)
    assert "field 'format_version'" in str(refused.value)
    assert not Round.objects.exists()
    assert not Contribution.objects.exists()


def test_the_round_truth_file_is_refused(
    release: Release, round_file: Path, user_for: Callable[[Role], User]
) -> None:
    truth = round_file.with_name("round_truth.json")
    truth.write_text(round_file.read_text("utf-8"), encoding="utf-8")

    with pytest.raises(CommandError, match="measurement only"):
        _load(truth, release, user_for(Role.PARTNER_ANALYST))

    assert not Round.objects.exists()


def test_a_round_file_for_other_flags_is_refused(
    release: Release, round_file: Path, user_for: Callable[[Role], User]
) -> None:
    data = json.loads(round_file.read_text("utf-8"))
    data["flagged"] = data["flagged"][1:]
    round_file.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(CommandError, match="field 'flagged'"):
        _load(round_file, release, user_for(Role.PARTNER_ANALYST))

    assert not Round.objects.exists()


def test_only_a_partner_analyst_or_administrator_may_load_a_round(
    release: Release, round_file: Path, user_for: Callable[[Role], User]
) -> None:
    with pytest.raises(CommandError, match="partner analyst or an administrator"):
        _load(round_file, release, user_for(Role.PARTNER_VIEWER))

    assert not Round.objects.exists()
