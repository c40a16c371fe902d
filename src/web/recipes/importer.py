"""Importing a recipe pack: the web app has no workspace to export one from, so a custodian or
analyst brings the file ``bakehouse recipe export`` wrote. It is held to what a release is held
to: a signature by one of the trusted release keys (``BAKEHOUSE_RELEASE_PUBLIC_KEYS``), every
entry's hash (``bakehouse.packs.read_pack``), the library's safety scan run again (a signature
says who sent a pack, not that it is safe) and this web app's disclosure floor. Only then are
its bytes stored, exactly as verified, to be served for download."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from bakehouse.errors import PackError
from bakehouse.packs import VerifiedPack, read_pack
from bakehouse.packs.manifest import INSIGHT_SUMMARY
from bakehouse.packs.scan import scan
from web.accounts.models import User
from web.governance.models import Action
from web.governance.services import record_event
from web.recipes.models import RecipePack
from web.releases.trust import NO_KEYS, Trust

RECIPE_FILE = "recipe/recipe.yaml"
MODEL_CARD = "model/model_card.json"


class PackRefused(Exception):
    """The pack was not imported; the message names the entry at fault and what to do."""


@dataclass(frozen=True)
class PackImport:
    pack: RecipePack
    # False when this very file (same SHA-256) was already the recipe's pack.
    changed: bool


def import_pack(path: Path, *, actor: User | None = None) -> PackImport:
    """Verify the pack at ``path`` and store it as its recipe's pack; :class:`PackRefused` says
    why it was not, and then nothing changed but the governance log, which records both."""
    try:
        return _import(path, actor)
    except PackRefused as refusal:
        record_event(
            Action.RECIPE_PACK_REFUSED,
            actor=actor,
            detail={"file": path.name, "problem": str(refusal).replace(str(path), path.name)},
        )
        raise


def _import(path: Path, actor: User | None) -> PackImport:
    trust = Trust.from_settings()
    if not trust.public_keys:
        raise PackRefused(NO_KEYS)
    data = _read(path, trust.max_file_bytes)
    try:
        verified = read_pack(path, trust.public_keys)
    except PackError as error:
        raise PackRefused(error.message) from None
    if hashlib.sha256(data).hexdigest() != verified.sha256:
        raise PackRefused(f"{path}: the file changed while it was read; import it again")
    _check_safe(verified, trust)
    document = verified.manifest
    existing = RecipePack.objects.filter(recipe=document.recipe.id).first()
    if existing is not None and existing.sha256 == verified.sha256:
        return PackImport(existing, changed=False)
    with transaction.atomic():
        pack, _ = RecipePack.objects.update_or_create(
            recipe=document.recipe.id,
            defaults={
                "version": document.recipe.version,
                "title": document.recipe.title,
                "question": _question(verified),
                "sha256": verified.sha256,
                "size": len(data),
                "signed_by": verified.key_id,
                "manifest": document.model_dump(mode="json"),
                "model_card": _model_card(verified),
                "needs": [asdict(need) for need in needs_of(verified)],
                "insight": _insight(verified),
                "content": data,
                "imported_by": actor,
            },
        )
        record_event(
            Action.RECIPE_PACK_IMPORTED,
            actor=actor,
            subject=pack,
            detail={
                "recipe": pack.recipe,
                "version": pack.version,
                "sha256": pack.sha256,
                "signed_by": pack.signed_by,
                "replaced": existing.sha256 if existing is not None else None,
            },
        )
    return PackImport(pack, changed=True)


def _read(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise PackRefused(f"{path}: cannot be read ({error.strerror})") from None
    if len(data) > limit:
        raise PackRefused(
            f"{path}: over this web app's limit of {limit:,} bytes per file "
            "(BAKEHOUSE_RELEASE_MAX_FILE_BYTES); a recipe pack is a few hundred kilobytes"
        )
    return data


def _check_safe(verified: VerifiedPack, trust: Trust) -> None:
    rule = verified.manifest.disclosure
    weaker = [
        f"disclosure.{field} {value} is below this web app's floor of {floor} "
        f"(BAKEHOUSE_RELEASE_MIN_{field.upper()})"
        for field, value, floor in (
            ("threshold", rule.threshold, trust.min_threshold),
            ("rounding", rule.rounding, trust.min_rounding),
        )
        if value < floor
    ]
    if weaker:
        raise PackRefused(
            f"{verified.path}:manifest.json: {'; '.join(weaker)}; the pack is refused"
        )
    findings = scan(verified.files, rule.threshold, rule.rounding)
    if findings:
        raise PackRefused(
            f"{verified.path}:{findings[0].file}: the pack holds what no pack may: "
            f"{'; '.join(str(finding) for finding in findings[:10])}. Do not use it: tell the "
            "publishing partnership"
        )


@dataclass(frozen=True)
class Need:
    """A source the recipe reads, in plain words: the source's and its agreement's titles from
    their templates in the pack (their ids when a template gives none), and why it is read."""

    source: str
    why: str
    agreement: str
    agreement_id: str


def needs_of(verified: VerifiedPack) -> list[Need]:
    return [
        Need(
            source=_title(verified, need.specification) or need.source.replace("_", " "),
            why=need.why,
            agreement=_title(verified, need.agreement_template) or need.agreement,
            agreement_id=need.agreement,
        )
        for need in verified.manifest.sources
    ]


def _title(verified: VerifiedPack, entry: str) -> str:
    try:
        document = yaml.safe_load(verified.files[entry])
    except (KeyError, yaml.YAMLError):
        return ""
    title = document.get("title") if isinstance(document, dict) else None
    return title if isinstance(title, str) else ""


def _question(verified: VerifiedPack) -> str:
    """The question in the recipe's words; the loader validated it at export, and the page
    says nothing rather than something wrong when it cannot be read."""
    try:
        recipe = yaml.safe_load(verified.files[RECIPE_FILE])
    except (KeyError, yaml.YAMLError):
        return ""
    question = recipe.get("question") if isinstance(recipe, dict) else None
    return " ".join(question.split()) if isinstance(question, str) else ""


def _insight(verified: VerifiedPack) -> dict[str, Any] | None:
    """The community insight summary the pack carries, as JSON; the scan has held it to its
    format and the pack's threshold already."""
    data = verified.files.get(INSIGHT_SUMMARY)
    if data is None:
        return None
    summary: dict[str, Any] = json.loads(data)
    return summary


def _model_card(verified: VerifiedPack) -> dict[str, Any]:
    try:
        card = json.loads(verified.files[MODEL_CARD])
    except (KeyError, ValueError):
        raise PackRefused(
            f"{verified.path}:{MODEL_CARD}: missing or not JSON; every pack carries the model "
            "card of its run. Ask the publishing partnership for the pack again"
        ) from None
    if not isinstance(card, dict):
        raise PackRefused(f"{verified.path}:{MODEL_CARD}: not a model card (not an object)")
    return card
