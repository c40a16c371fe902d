"""Forged releases: each way of faking a release is refused before anything is written, with a
message that names the file at fault. A forger can edit files and recompute every hash, but
cannot sign with the partnership's key; and even the partnership's own signature does not let a
release below the disclosure floor, over the size limits, or with an unsafe cell through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_django import Settings

from bakehouse.errors import ConfigError
from bakehouse.release.signing import SIGNATURE, generate_key
from web.governance.models import Action, Event
from web.releases import contract
from web.releases.importer import import_release
from web.releases.models import Area, Release
from web.releases.tests.builder import read_manifest, tamper, write_manifest
from web.releases.verification import ReleaseRefused

pytestmark = pytest.mark.django_db


def refused(folder: Path) -> list[str]:
    """The problems given for ``folder``, after checking nothing was imported and the refusal
    was logged."""
    with pytest.raises(ReleaseRefused) as refusal:
        import_release(folder)
    assert not Release.objects.exists()
    assert not Area.objects.exists()
    assert Event.objects.filter(action=Action.RELEASE_REFUSED).count() == 1
    return refusal.value.problems


def raise_need(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The forger's edit: the last area ranked first and flagged."""
    last = max((row for row in rows if row["rank"] is not None), key=lambda row: row["rank"])
    last.update(rank=1, rank_low=1, rank_high=2, flagged=True, flag_reasons="Forged.")
    return rows


def test_an_edited_table_with_its_hashes_recomputed_is_refused_for_its_signature(
    release_folder: Path,
) -> None:
    tamper(release_folder, contract.AREAS, raise_need, signed=False)
    [problem] = refused(release_folder)
    assert problem.startswith(f"{SIGNATURE}: ")
    assert "does not match manifest.json" in problem


def test_an_unsigned_release_is_refused(release_folder: Path) -> None:
    (release_folder / SIGNATURE).unlink()
    [problem] = refused(release_folder)
    assert problem.startswith(f"{SIGNATURE}: missing")
    assert "bakehouse publish --signing-key" in problem


def test_a_release_signed_by_a_key_the_web_app_does_not_trust_is_refused(
    release_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    stranger = generate_key(tmp_path_factory.mktemp("stranger") / "release.key")
    tamper(release_folder, contract.AREAS, raise_need, signed=False)
    write_manifest(release_folder, read_manifest(release_folder), key=stranger)
    [problem] = refused(release_folder)
    assert problem.startswith(f"{SIGNATURE}: ")
    assert f"signed by key '{stranger.key_id}', which this web app does not trust" in problem


def test_a_web_app_with_no_trusted_key_imports_nothing(
    release_folder: Path, settings: Settings
) -> None:
    settings.BAKEHOUSE_RELEASE_PUBLIC_KEYS = []
    [problem] = refused(release_folder)
    assert "set BAKEHOUSE_RELEASE_PUBLIC_KEYS" in problem


@pytest.mark.parametrize(
    ("disclosure", "field"),
    [
        ({"threshold": 0, "rounding": 1, "rule": "publish every count"}, "disclosure.threshold"),
        ({"threshold": 7, "rounding": 1, "rule": "suppress 1-7"}, "disclosure.rounding"),
        ({"threshold": 5, "rounding": 5, "rule": "suppress 1-5, round to 5"}, "threshold"),
    ],
    ids=["anything-goes", "no-rounding", "lower-threshold"],
)
def test_a_signed_release_whose_rule_is_below_the_floor_is_refused(
    release_folder: Path, disclosure: dict[str, Any], field: str
) -> None:
    manifest = read_manifest(release_folder)
    manifest["disclosure"] = disclosure
    write_manifest(release_folder, manifest)  # signed by the partnership's own key
    problem = next(p for p in refused(release_folder) if field in p)
    assert problem.startswith(f"{contract.MANIFEST}, field disclosure.")
    assert "below this web app's floor" in problem


def test_a_weaker_protection_than_the_floor_is_refused(release_folder: Path) -> None:
    manifest = read_manifest(release_folder)
    manifest["methods"] = {"disclosure_protection": 1}
    write_manifest(release_folder, manifest)
    [problem] = refused(release_folder)
    assert "methods.disclosure_protection: 1 is below this web app's floor of 2" in problem


def test_a_claimed_checker_pass_over_an_unsafe_cell_is_refused_by_the_checker_run_again(
    release_folder: Path,
) -> None:
    """One cohort's count withheld under a published total can be recovered by subtraction.
    The row-by-row checks see nothing wrong (the cell is empty and flagged), and the manifest,
    signed by the right key, says the checker passed: the checker run at import refuses it."""

    def withhold_one(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        row = next(r for r in rows if r["kind"] == "observed" and r["events"] is not None)
        row.update(events=None, rate=None, low=None, high=None, suppressed=True)
        return rows

    tamper(release_folder, contract.TREND, withhold_one)
    manifest = read_manifest(release_folder)
    assert manifest["checker"]["passed"] is True
    problems = refused(release_folder)
    problem = next(p for p in problems if "output checker, run again at import" in p)
    assert "no_recovery_by_subtraction" in problem
    assert "one withheld cell under a published total" in problem


def test_a_file_over_the_size_limit_is_refused_unread(
    release_folder: Path, settings: Settings
) -> None:
    settings.BAKEHOUSE_RELEASE_MAX_FILE_BYTES = (release_folder / contract.AREAS).stat().st_size
    with (release_folder / contract.GEOMETRY).open("a", encoding="utf-8") as handle:
        handle.write(" " * settings.BAKEHOUSE_RELEASE_MAX_FILE_BYTES)
    problems = refused(release_folder)
    geometry = next(p for p in problems if p.startswith(f"{contract.GEOMETRY}: "))
    assert "over this web app's limit" in geometry
    assert "BAKEHOUSE_RELEASE_MAX_FILE_BYTES" in geometry


def test_a_release_over_the_total_size_limit_is_refused(
    release_folder: Path, settings: Settings
) -> None:
    total = sum(path.stat().st_size for path in release_folder.iterdir())
    settings.BAKEHOUSE_RELEASE_MAX_TOTAL_BYTES = total - 1
    [problem] = refused(release_folder)
    assert "for a whole release (BAKEHOUSE_RELEASE_MAX_TOTAL_BYTES)" in problem


def test_a_release_id_with_a_trailing_newline_is_refused(release_folder: Path) -> None:
    manifest = read_manifest(release_folder)
    manifest["release_id"] += "\n"
    write_manifest(release_folder, manifest)
    problem = next(p for p in refused(release_folder) if "release_id" in p)
    assert problem.startswith(f"{contract.MANIFEST}, field release_id: ")


def test_the_library_never_writes_a_release_id_with_a_trailing_newline(tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    import pyarrow as pa

    from bakehouse.recipes import load_recipe
    from bakehouse.release.disclosure import DisclosureRules
    from bakehouse.release.writer import (
        Documents,
        RecipeText,
        ReleaseContent,
        ReleaseInfo,
        write_release,
    )

    info = ReleaseInfo(
        recipe_id="school-readiness\n",
        recipe_version="1",
        recipe_sha256="ab" * 32,
        run_id="3f2a9c1d" * 8,
        title="School readiness",
        area_name="basildon",
        district_codes=["E07000066"],
        as_at=date(2025, 9, 30),
        created_at=datetime(2025, 10, 1, tzinfo=UTC),
        observed_cohorts=[2025],
        predicted_cohorts=[2026],
        recipe_text=RecipeText.of(load_recipe("school-readiness").recipe),
    )
    empty = pa.table({"lsoa11cd": pa.array([], pa.string())})
    content = ReleaseContent(empty, empty, empty, empty, {"features": []})
    with pytest.raises(ConfigError, match="is not <recipe id>-<yyyymmdd>-<8 hex>"):
        write_release(tmp_path, content, Documents(), info, DisclosureRules(), 0.95)
    assert not any(tmp_path.iterdir())


def test_the_manifest_is_parsed_from_the_bytes_that_were_signed(
    release_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file of the release is opened once; what is checked is what is imported."""
    opened: list[str] = []
    original = Path.open

    def counting(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.parent == release_folder:
            opened.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting)
    release = import_release(release_folder)
    assert sorted(opened) == sorted(path.name for path in release_folder.iterdir())
    assert release.manifest == json.loads((release_folder / contract.MANIFEST).read_bytes())
