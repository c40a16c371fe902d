"""Importing a recipe pack: only a pack exactly as a trusted release key signed it, safe by the
library's own scan and within this web app's disclosure floor, is served; the file served is
the file verified."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from bakehouse.packs.manifest import sha256
from bakehouse.release.signing import SigningKey
from web.accounts.roles import Role
from web.accounts.tests.factories import make_user
from web.governance.models import Action, Event
from web.recipes.importer import PackRefused, import_pack
from web.recipes.models import RecipePack
from web.recipes.tests.builder import PackSpec, pack_files, write_pack

pytestmark = pytest.mark.django_db


def test_a_signed_pack_is_downloaded_byte_for_byte_as_it_was_verified(tmp_path: Path) -> None:
    path = write_pack(tmp_path / "school-readiness.zip")
    analyst = make_user(Role.PARTNER_ANALYST)

    pack = import_pack(path, actor=analyst).pack

    response = Client().get(reverse("recipes:pack", args=["school-readiness"]))
    assert response.status_code == 200
    assert response.content == path.read_bytes()
    assert response["Content-Type"] == "application/zip"
    assert 'filename="school-readiness-8.zip"' in response["Content-Disposition"]
    assert (pack.sha256, pack.size) == (sha256(path.read_bytes()), path.stat().st_size)
    assert pack.imported_by == analyst
    assert [need["source"] for need in pack.needs] == ["Health visiting contacts"]


def test_a_changed_entry_is_refused_naming_it_and_nothing_is_served(tmp_path: Path) -> None:
    files = pack_files(PackSpec())
    files["evidence/summary.md"] += b"\nShown to work in every area.\n"
    path = write_pack(tmp_path / "tampered.zip", files=files)

    with pytest.raises(PackRefused, match=r"evidence/summary\.md does not match its SHA-256"):
        import_pack(path)

    assert not RecipePack.objects.exists()
    assert Client().get(reverse("recipes:pack", args=["school-readiness"])).status_code == 404


def test_a_pack_signed_by_a_key_not_trusted_is_refused_with_its_key_id(tmp_path: Path) -> None:
    stranger = SigningKey(Ed25519PrivateKey.generate(), origin="another partnership")
    path = write_pack(tmp_path / "unknown.zip", key=stranger)

    with pytest.raises(PackRefused, match=f"signed by key {stranger.key_id}, which is not a key"):
        import_pack(path)

    assert not RecipePack.objects.exists()


@override_settings(BAKEHOUSE_RELEASE_PUBLIC_KEYS=[])
def test_with_no_trusted_key_no_pack_is_imported(tmp_path: Path) -> None:
    with pytest.raises(PackRefused, match="BAKEHOUSE_RELEASE_PUBLIC_KEYS"):
        import_pack(write_pack(tmp_path / "pack.zip"))

    assert not RecipePack.objects.exists()


def test_a_signed_pack_holding_an_identifier_is_refused_by_the_scan(tmp_path: Path) -> None:
    # Signed by a trusted key, every hash holds: the signature says who sent it, not that it
    # is safe to serve.
    path = write_pack(tmp_path / "unsafe.zip", PackSpec(revision="contact 943 476 5919"))

    with pytest.raises(PackRefused, match=r"recipe/recipe\.yaml: holds text that looks like a NHS"):
        import_pack(path)

    assert not RecipePack.objects.exists()


def test_a_signed_pack_whose_insight_summary_holds_a_small_count_is_refused(
    tmp_path: Path,
) -> None:
    path = write_pack(tmp_path / "unsafe.zip", PackSpec(insight=True, quiet_agrees=3))

    with pytest.raises(
        PackRefused, match=r"insight/summary\.json: rounds\[0\]\.areas\[1\]\.verdicts\.agrees"
    ):
        import_pack(path)

    assert not RecipePack.objects.exists()


def test_a_pack_carrying_community_insight_keeps_it_to_show(tmp_path: Path) -> None:
    pack = import_pack(write_pack(tmp_path / "pack.zip", PackSpec(insight=True))).pack

    assert pack.insight is not None
    assert pack.insight["rounds"][0]["areas"][0]["marked_for_review"] is True


@override_settings(BAKEHOUSE_RELEASE_MIN_THRESHOLD=10)
def test_a_pack_with_a_weaker_disclosure_rule_than_the_floor_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackRefused, match=r"disclosure\.threshold 7 is below this web app's floor"):
        import_pack(write_pack(tmp_path / "pack.zip"))

    assert not RecipePack.objects.exists()


def test_importing_the_same_pack_again_changes_nothing(tmp_path: Path) -> None:
    path = write_pack(tmp_path / "pack.zip")
    first = import_pack(path)

    again = import_pack(path)

    assert (first.changed, again.changed) == (True, False)
    assert RecipePack.objects.get().imported_at == first.pack.imported_at


def test_the_command_imports_a_pack_once_and_refuses_a_tampered_one(tmp_path: Path) -> None:
    path = write_pack(tmp_path / "pack.zip")
    first, second = StringIO(), StringIO()

    call_command("import_recipe_pack", str(path), stdout=first)
    call_command("import_recipe_pack", str(path), stdout=second)

    assert f"SHA-256 {sha256(path.read_bytes())}" in first.getvalue()
    assert "already served; nothing to do" in second.getvalue()
    files = pack_files(PackSpec())
    files["licence/LICENCE.md"] = b"All rights reserved.\n"
    with pytest.raises(CommandError, match=r"licence/LICENCE\.md does not match"):
        call_command("import_recipe_pack", str(write_pack(tmp_path / "t.zip", files=files)))
    assert RecipePack.objects.get().sha256 == sha256(path.read_bytes())


def test_a_new_pack_of_a_recipe_replaces_the_one_served(tmp_path: Path) -> None:
    import_pack(write_pack(tmp_path / "v8.zip"))
    newer = write_pack(tmp_path / "v9.zip", PackSpec(version="9"))

    import_pack(newer)

    served = RecipePack.objects.get()
    assert (served.version, served.sha256) == ("9", sha256(newer.read_bytes()))


def test_a_custodian_uploads_a_pack_and_it_is_served(tmp_path: Path) -> None:
    path = write_pack(tmp_path / "school-readiness.zip")
    client = Client()
    client.force_login(make_user(Role.CUSTODIAN))

    with path.open("rb") as handle:
        response = client.post(reverse("recipes:upload"), {"pack": handle}, follow=True)

    assert "is served on this page" in response.content.decode()
    download = Client().get(reverse("recipes:pack", args=["school-readiness"]))
    assert download.content == path.read_bytes()


def test_an_uploaded_tampered_pack_is_refused_on_the_form_naming_the_entry(
    tmp_path: Path,
) -> None:
    files = pack_files(PackSpec())
    files["model/model_card.json"] = files["model/model_card.json"].replace(b"0.749", b"0.949")
    path = write_pack(tmp_path / "school-readiness.zip", files=files)
    client = Client()
    client.force_login(make_user(Role.CUSTODIAN))

    with path.open("rb") as handle:
        response = client.post(reverse("recipes:upload"), {"pack": handle})

    html = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in html
    assert "model/model_card.json does not match its SHA-256" in html
    assert str(tmp_path) not in html and "bakehouse-test-uploads" not in html
    assert not RecipePack.objects.exists()


def test_the_governance_log_records_each_import_and_each_refusal_once(tmp_path: Path) -> None:
    analyst = make_user(Role.PARTNER_ANALYST)
    first = write_pack(tmp_path / "v8.zip")
    import_pack(first, actor=analyst)
    import_pack(first, actor=analyst)  # the same file again: nothing happened, nothing logged
    newer = write_pack(tmp_path / "v9.zip", PackSpec(version="9"))
    import_pack(newer, actor=analyst)
    files = pack_files(PackSpec())
    files["evidence/summary.md"] += b"\nShown to work in every area.\n"
    with pytest.raises(PackRefused):
        import_pack(write_pack(tmp_path / "tampered.zip", files=files), actor=analyst)

    imported = Event.objects.filter(action=Action.RECIPE_PACK_IMPORTED).order_by("id")
    assert [event.detail["version"] for event in imported] == ["8", "9"]
    assert [event.detail["replaced"] for event in imported] == [None, sha256(first.read_bytes())]
    assert {event.actor for event in imported} == {analyst}
    refused = Event.objects.get(action=Action.RECIPE_PACK_REFUSED)
    assert refused.detail["file"] == "tampered.zip"
    assert "evidence/summary.md does not match its SHA-256" in refused.detail["problem"]
    assert str(tmp_path) not in refused.detail["problem"]
