"""Loading a round file (``round.json``, format 1, written by ``bakehouse insight-round``) as a
finished round: a closed round over the release's flagged areas and the file's areas, each item
arriving as a contribution through the same form and screening as one sent on the web, then
moderated by a stated rule.

The rule: an item where screening found nothing is approved by the named moderator; an item
where screening found anything stays held, so the moderation queue shows what a moderator meets
and why. Every decision is a ``ModerationDecision`` and a governance event, as on the web.

A round is keyed by the file's SHA-256 and the release: loading the same file for the same
release again finds the round and changes nothing. Everything is written in one transaction,
so a load that fails leaves nothing behind and can be run again. The round's truth file
(``round_truth.json``) is for measurement only and is refused unread."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction

from bakehouse.errors import SchemaError
from web.accounts.models import User
from web.insight import contributions, moderation, rounds
from web.insight.forms import ContributionForm
from web.insight.models import Contribution, ParticipantRole, Round, RoundArea, RoundStatus
from web.releases.models import Release

FORMAT_VERSION = 1
TRUTH_FILE = "round_truth.json"
# The file holds no question, dates or retention; a loaded round takes these.
QUESTION = "Do the areas flagged match what you know locally?"
OPEN_DAYS = 28
RETENTION_DAYS = 180
APPROVAL_NOTE = "Loaded round: screening found nothing"


@dataclass(frozen=True)
class RefusedItem:
    """An item not stored: its id in the file, the field at fault and why (never its text)."""

    item: str
    field: str
    why: str


@dataclass(frozen=True)
class Loaded:
    round: Round
    created: bool
    read: int
    stored: int
    approved: int
    held: int
    refused: tuple[RefusedItem, ...]


def _refuse(path: Path, field: str, what: str) -> SchemaError:
    return SchemaError(
        what,
        file=path,
        field=field,
        fix="Pass the round.json that `bakehouse insight-round` writes (format 1)",
    )


def _read(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _refuse(path, "(file)", "Not a UTF-8 JSON file") from None
    if not isinstance(data, dict):
        raise _refuse(path, "(file)", "Not a JSON object")
    if data.get("format_version") != FORMAT_VERSION:
        raise _refuse(
            path, "format_version", f"Unknown round file format {data.get('format_version')!r}"
        )
    if not isinstance(data.get("area"), str):
        raise _refuse(path, "area", "Missing or not a string")
    flagged = data.get("flagged")
    if not isinstance(flagged, list) or not all(isinstance(code, str) for code in flagged):
        raise _refuse(path, "flagged", "Missing or not a list of LSOA codes")
    if not isinstance(data.get("contributions"), list):
        raise _refuse(path, "contributions", "Missing or not a list")
    return data


def _check_release(path: Path, data: dict[str, Any], release: Release) -> None:
    if data["area"] != release.area_name:
        raise SchemaError(
            f"The round is about {data['area']!r}, the release about {release.area_name!r}",
            file=path,
            field="area",
            fix="Load it for a release of the same area",
        )
    flagged = set(release.areas.filter(flagged=True).values_list("lsoa11cd", flat=True))
    if set(data["flagged"]) != flagged:
        raise SchemaError(
            f"The round asks about other areas than release {release.id} flags",
            file=path,
            field="flagged",
            fix="Write the round from this release's folder (`bakehouse insight-round --release`)",
        )


# The form's field names, as the round file spells them; the form's own checks of the point
# (both or neither, inside the area) are not tied to one field.
_FILE_FIELDS = {"area": "lsoa11cd", "participant_role": "role", "__all__": "latitude, longitude"}


def _form_data(item: dict[str, Any]) -> dict[str, Any]:
    data = {
        "area": item.get("lsoa11cd"),
        "verdict": item.get("verdict"),
        "participant_role": item.get("role"),
        "reasons": item.get("reasons"),
        "local_knowledge": item.get("local_knowledge"),
        # "About you", each optional: absent or blank is skipped.
        "age_band": item.get("age_band"),
        "ethnic_group": item.get("ethnic_group"),
        "children_under_five": item.get("children_under_five"),
        "postcode": item.get("postcode"),
    }
    for name in ("latitude", "longitude"):
        if item.get(name) is not None:
            data[name] = item[name]
    return {name: value for name, value in data.items() if value is not None}


def _receive(
    round_: Round, areas: list[RoundArea], number: int, item: object, seen: set[str]
) -> Contribution | RefusedItem:
    """Store one item as a web submission is stored: the contribution form's checks, then
    ``contributions.receive``, which screens every text before anything is saved."""
    if not isinstance(item, dict):
        return RefusedItem(f"contributions.{number}", "(item)", "not a JSON object")
    ident = item.get("id")
    if not isinstance(ident, str) or not ident or ident in seen:
        return RefusedItem(f"contributions.{number}", "id", "missing, not a string, or repeated")
    seen.add(ident)
    form = ContributionForm(_form_data(item), round_=round_, round_areas=areas, ask_consent=False)
    if not form.is_valid():
        field, errors = next(iter(form.errors.as_data().items()))
        error = errors[0]
        # A message that quotes the value (an unknown choice) could quote what was typed.
        why = error.messages[0] if error.params is None else f"refused ({error.code})"
        return RefusedItem(ident, _FILE_FIELDS.get(field, field), why)
    stored, _ = contributions.receive(form.chosen_area(), form.given())
    return stored


def load_round_file(path: Path, release: Release, moderator: User, *, today: date) -> Loaded:
    """Load ``path`` for ``release`` as a closed round created and moderated by ``moderator``,
    or find the round this very file was loaded as before."""
    if path.name == TRUTH_FILE:
        raise _refuse(path, "(file)", "The round's truth is for measurement only, never loaded")
    try:
        raw = path.read_bytes()
    except OSError:
        raise _refuse(path, "(file)", "Cannot read the file") from None
    digest = hashlib.sha256(raw).hexdigest()
    existing = Round.objects.filter(release=release, source_sha256=digest).first()
    if existing is not None:
        return Loaded(existing, False, 0, 0, 0, 0, ())
    data = _read(path, raw)
    _check_release(path, data, release)
    items: list[object] = data["contributions"]
    codes = {item.get("lsoa11cd") for item in items if isinstance(item, dict)}
    closes_on = today - timedelta(days=1)
    plan = rounds.RoundPlan(
        release=release,
        question=QUESTION,
        opens_on=closes_on - timedelta(days=OPEN_DAYS - 1),
        closes_on=closes_on,
        retention_days=RETENTION_DAYS,
        invited_roles=tuple(ParticipantRole.values),
        added_codes=tuple(sorted(code for code in codes if isinstance(code, str))),
        source_sha256=digest,
    )
    refused: list[RefusedItem] = []
    approved = held = 0
    with transaction.atomic():
        made = rounds.create_round(plan, moderator)
        # Opened, answered, then closed: the governance log tells the round's life in order.
        rounds.set_status(made, RoundStatus.OPEN, moderator)
        areas = list(made.areas.all())
        seen: set[str] = set()
        for number, item in enumerate(items):
            received = _receive(made, areas, number, item, seen)
            if isinstance(received, RefusedItem):
                refused.append(received)
            elif received.findings:
                held += 1
            else:
                moderation.approve(received, moderator, note=APPROVAL_NOTE)
                approved += 1
        rounds.set_status(made, RoundStatus.CLOSED, moderator)
    return Loaded(made, True, len(items), approved + held, approved, held, tuple(refused))
