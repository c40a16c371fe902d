"""Importing a release: a valid one arrives whole and logged; a tampered, unchecked or
malformed one is refused with every reason, naming the file and column, and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from django.core.management import CommandError, call_command

from web.accounts.roles import Role
from web.accounts.tests.factories import make_user
from web.governance.models import Action, Event
from web.releases import contract
from web.releases.importer import import_release
from web.releases.lifecycle import set_current_release
from web.releases.models import (
    Area,
    Benchmark,
    Document,
    Driver,
    Release,
    ReleaseStatus,
    TrendPoint,
)
from web.releases.tests.builder import (
    SCHEMAS,
    ReleaseSpec,
    read_manifest,
    rehash,
    tamper,
    write_manifest,
    write_release,
)
from web.releases.tests.fixtures import import_published
from web.releases.verification import ReleaseRefused

pytestmark = pytest.mark.django_db


def refusal(folder: Path) -> list[str]:
    """The problems given when importing ``folder``, after checking nothing was written."""
    with pytest.raises(ReleaseRefused) as refused:
        import_release(folder)
    assert not Release.objects.exists()
    assert not Area.objects.exists()
    event = Event.objects.get(action=Action.RELEASE_REFUSED)
    assert event.detail["problems"] == refused.value.problems[:20]
    return refused.value.problems


def one_problem_mentioning(problems: list[str], *words: str) -> str:
    matching = [problem for problem in problems if all(word in problem for word in words)]
    assert matching, f"no problem mentions {words}: {problems}"
    return matching[0]


def test_a_valid_release_is_imported_whole_logged_and_kept_as_a_draft(
    release_source: Path,
) -> None:
    analyst = make_user(Role.PARTNER_ANALYST)
    release = import_release(release_source, actor=analyst)

    assert release.status == ReleaseStatus.DRAFT and not release.is_current
    assert Release.objects.current("school-readiness") is None
    assert len(release.signed_by) == 16
    assert release.imported_by == analyst
    assert (release.recipe, release.area_name) == ("school-readiness", "basildon")
    assert Area.objects.filter(release=release).count() == 10
    assert TrendPoint.objects.filter(area__release=release).count() == 80
    assert Driver.objects.filter(area__release=release).count() == 24  # none where withheld
    assert Benchmark.objects.filter(release=release).count() == 4
    assert set(Document.objects.filter(release=release).values_list("name", flat=True)) == {
        document.name for document in contract.DOCUMENTS
    }
    area = Area.objects.filter(release=release).first()
    assert area is not None and area.geometry["type"] in {"Polygon", "MultiPolygon"}
    event = Event.objects.get(action=Action.RELEASE_IMPORTED)
    assert event.actor == analyst
    assert (event.object_type, event.object_id) == ("releases.release", release.id)
    assert event.detail["areas"] == 10
    assert event.detail["status"] == ReleaseStatus.DRAFT


def test_a_file_changed_after_publishing_is_refused(release_folder: Path) -> None:
    with (release_folder / contract.AREAS).open("ab") as handle:
        handle.write(b"\0")
    problem = one_problem_mentioning(refusal(release_folder), contract.AREAS, "SHA-256")
    assert "changed after publishing" in problem


def test_a_file_not_in_the_manifest_is_refused(release_folder: Path) -> None:
    (release_folder / "people.csv").write_text("name\nAda\n")
    one_problem_mentioning(refusal(release_folder), "people.csv", "not listed")


def test_a_listed_file_that_is_missing_is_refused(release_folder: Path) -> None:
    (release_folder / contract.DRIVERS).unlink()
    one_problem_mentioning(refusal(release_folder), contract.DRIVERS, "not in the folder")


def test_a_release_without_a_required_file_is_refused(release_folder: Path) -> None:
    (release_folder / "fairness.json").unlink()
    rehash(release_folder)
    one_problem_mentioning(refusal(release_folder), "fairness.json", "every release has")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda m: m["checker"].update(passed=False), ("checker.passed",)),
        (lambda m: m["checker"].update(passed=None), ("checker.passed",)),
        (
            lambda m: m["checks"][0].update(passed=False, detail="3 cells of 1-7"),
            ("no_cell_below_threshold", "3 cells of 1-7"),
        ),
        (lambda m: m.update(checks=[]), ("lists no disclosure check",)),
    ],
    ids=["checker-failed", "checker-silent", "check-failed", "no-checks"],
)
def test_a_release_the_checks_did_not_pass_is_refused(
    release_folder: Path, change: Any, words: tuple[str, ...]
) -> None:
    manifest = read_manifest(release_folder)
    change(manifest)
    write_manifest(release_folder, manifest)
    one_problem_mentioning(refusal(release_folder), *words)


def test_a_manifest_missing_a_field_names_it(release_folder: Path) -> None:
    manifest = read_manifest(release_folder)
    del manifest["run_id"]
    manifest["recipe"].pop("version")
    write_manifest(release_folder, manifest)
    problems = refusal(release_folder)
    one_problem_mentioning(problems, "manifest.json", "run_id")
    one_problem_mentioning(problems, "manifest.json", "recipe.version")


def test_a_format_1_release_is_refused_with_what_to_do_and_nothing_stored(
    release_folder: Path,
) -> None:
    """As `bakehouse publish` wrote it before format 2: no recipe words, children's columns."""
    manifest = read_manifest(release_folder)
    manifest["format_version"] = 1
    for name in ("title", "question", "unit", "words"):
        manifest["recipe"].pop(name)
    write_manifest(release_folder, manifest)
    tamper(
        release_folder,
        contract.AREAS,
        lambda rows: [
            {("observed_children" if key == "observed_population" else key): value
             for key, value in row.items()}
            for row in rows
        ],
        schema=SCHEMAS[contract.AREAS].set(
            SCHEMAS[contract.AREAS].get_field_index("observed_population"),
            pa.field("observed_children", pa.int32()),
        ),
    )  # fmt: skip
    manifest = read_manifest(release_folder)
    manifest["format_version"] = 1  # ``tamper`` re-signed the manifest it read
    write_manifest(release_folder, manifest)

    problems = refusal(release_folder)

    assert len(problems) == 1  # the version, not a list of every renamed column
    assert problems[0].startswith("manifest.json, field format_version: this release is format 1")
    assert "imports format 2 only and stored nothing of it" in problems[0]
    assert "bakehouse publish --recipe school-readiness" in problems[0]


def test_the_command_says_what_to_do_with_a_format_1_release(release_folder: Path) -> None:
    manifest = read_manifest(release_folder)
    manifest["format_version"] = 1
    write_manifest(release_folder, manifest)
    with pytest.raises(CommandError, match="this release is format 1") as refused:
        call_command("import_release", str(release_folder))
    assert "Publish it again with this version of Bakehouse" in str(refused.value)
    assert not Release.objects.exists()


def test_a_manifest_without_the_recipe_s_words_is_refused(release_folder: Path) -> None:
    manifest = read_manifest(release_folder)
    manifest["recipe"]["words"].pop("events")
    manifest["recipe"]["words"]["children"] = "children"
    manifest["recipe"]["unit"] = "family"
    write_manifest(release_folder, manifest)
    problems = refusal(release_folder)
    one_problem_mentioning(problems, "manifest.json", "recipe.words.events", "required")
    one_problem_mentioning(problems, "manifest.json", "recipe.words.children", "not permitted")
    one_problem_mentioning(problems, "manifest.json", "recipe.unit")


def test_a_release_id_that_does_not_match_its_run_is_refused(release_folder: Path) -> None:
    manifest = read_manifest(release_folder)
    manifest["run_id"] = "ffffffff" + manifest["run_id"][8:]
    write_manifest(release_folder, manifest)
    one_problem_mentioning(refusal(release_folder), "release_id", "run_id")


def test_a_column_of_the_wrong_kind_is_named_with_its_file(release_folder: Path) -> None:
    schema = SCHEMAS[contract.AREAS].set(
        SCHEMAS[contract.AREAS].get_field_index("expected_rate"),
        pa.field("expected_rate", pa.string()),
    )

    def as_text(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**row, "expected_rate": str(row["expected_rate"])} for row in rows]

    tamper(release_folder, contract.AREAS, as_text, schema=schema)
    problem = one_problem_mentioning(refusal(release_folder), "areas.parquet", "expected_rate")
    assert "must hold a number" in problem


def test_a_missing_column_is_named_with_its_file(release_folder: Path) -> None:
    schema = SCHEMAS[contract.TREND].remove(SCHEMAS[contract.TREND].get_field_index("kind"))

    def without_kind(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in row.items() if k != "kind"} for row in rows]

    tamper(release_folder, contract.TREND, without_kind, schema=schema)
    one_problem_mentioning(refusal(release_folder), "trend.parquet, column kind: missing")


def test_a_count_that_breaks_the_disclosure_rule_is_refused(release_folder: Path) -> None:
    def small_count(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows[2]["observed_events"] = 5
        rows[4]["future_population"] = 42
        return rows

    tamper(release_folder, contract.AREAS, small_count)
    problems = refusal(release_folder)
    assert "row(s) 3" in one_problem_mentioning(problems, "observed_events", "disclosure rule")
    assert "row(s) 5" in one_problem_mentioning(problems, "future_population", "disclosure rule")


def test_an_unknown_category_and_a_value_outside_its_interval_are_refused(
    release_folder: Path,
) -> None:
    def broken(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows[0]["hotspot"] = "warm"
        rows[1]["expected_rate_high"] = rows[1]["expected_rate"] / 2
        return rows

    tamper(release_folder, contract.AREAS, broken)
    problems = refusal(release_folder)
    one_problem_mentioning(problems, "column hotspot", "'warm'")
    one_problem_mentioning(problems, "expected_rate_high", "outside its interval")


def test_manifest_text_the_database_cannot_store_is_refused(release_folder: Path) -> None:
    manifest = read_manifest(release_folder)
    manifest["area"]["name"] = "Basildon " * 8
    manifest["recipe"]["words"]["units"] = "children\x00"
    write_manifest(release_folder, manifest)
    problems = refusal(release_folder)
    one_problem_mentioning(problems, "manifest.json, field area.name", "at most 64 characters")
    one_problem_mentioning(problems, "manifest.json, field recipe.words.units", "NUL character")


def test_table_and_document_text_the_database_cannot_store_is_refused(
    release_folder: Path,
) -> None:
    def unstorable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows[0]["lad_name"] = "B" * 101
        rows[1]["summary"] = "Flagged for\x00 support"
        return rows

    tamper(release_folder, contract.AREAS, unstorable)
    with_markdown = next(document for document in contract.DOCUMENTS if document.markdown_file)
    assert with_markdown.markdown_file is not None
    markdown = release_folder / with_markdown.markdown_file
    markdown.write_text(markdown.read_text() + "\x00")
    rehash(release_folder)
    problems = refusal(release_folder)
    too_long = one_problem_mentioning(problems, "areas.parquet, column lad_name", "longer than 100")
    assert "row(s) 1" in too_long
    assert "row(s) 2" in one_problem_mentioning(problems, "areas.parquet, column summary", "NUL")
    one_problem_mentioning(problems, with_markdown.markdown_file, "NUL character")


def test_rows_about_areas_not_in_the_release_are_refused(release_folder: Path) -> None:
    def stray(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [*rows, {**rows[0], "lsoa11cd": "E01099999", "position": 9}]

    tamper(release_folder, contract.DRIVERS, stray)
    one_problem_mentioning(refusal(release_folder), "drivers.parquet", "E01099999")


def test_an_area_without_a_boundary_is_refused(release_folder: Path) -> None:
    path = release_folder / contract.GEOMETRY
    collection = json.loads(path.read_text())
    collection["features"] = collection["features"][1:]
    path.write_text(json.dumps(collection))
    rehash(release_folder)
    one_problem_mentioning(refusal(release_folder), "geometry.geojson", "no boundary")


def test_a_failure_while_writing_leaves_nothing_behind(
    release_source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Driver.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        import_release(release_source)
    assert not Release.objects.exists()
    assert not Area.objects.exists()
    assert not Event.objects.filter(action=Action.RELEASE_IMPORTED).exists()


def test_a_release_is_never_imported_twice(release: Release, release_source: Path) -> None:
    with pytest.raises(ReleaseRefused) as refused:
        import_release(release_source)
    assert "never imported twice" in refused.value.problems[0]
    assert Release.objects.count() == 1


def test_earlier_releases_are_kept_and_one_can_be_shown_again(
    release: Release, tmp_path: Path
) -> None:
    later = import_published(
        write_release(tmp_path, ReleaseSpec(run_id="0a1b2c3d" + "00" * 28, created="20260301"))
    )
    release.refresh_from_db()
    assert later.is_current and not release.is_current

    administrator = make_user(Role.ADMINISTRATOR)
    previous = set_current_release(release.id, actor=administrator)

    assert previous == later
    assert Release.objects.current("school-readiness") == release
    assert Release.objects.count() == 2
    event = Event.objects.get(action=Action.RELEASE_MADE_CURRENT)
    assert event.actor == administrator
    assert event.detail["previous_current"] == later.id


def test_the_import_command_lists_every_problem(release_folder: Path) -> None:
    manifest = read_manifest(release_folder)
    manifest["checker"]["passed"] = False
    manifest["files"][contract.AREAS] = "0" * 64
    write_manifest(release_folder, manifest)
    with pytest.raises(CommandError) as failed:
        call_command("import_release", str(release_folder))
    message = str(failed.value)
    assert "2 problem(s)" in message
    assert "areas.parquet: its SHA-256 does not match" in message
    assert "checker.passed" in message


def test_the_commands_import_and_roll_back(
    release_source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_user(Role.PARTNER_ANALYST, username="ana")
    make_user(Role.CUSTODIAN, username="cus")
    call_command("import_release", str(release_source), "--by", "ana")
    second = write_release(tmp_path, ReleaseSpec(run_id="0a1b2c3d" + "00" * 28, created="20260301"))
    call_command("import_release", str(second))
    first_id = ReleaseSpec().release_id
    with pytest.raises(CommandError, match="only a published release is shown"):
        call_command("set_current_release", first_id)
    with pytest.raises(CommandError, match="--by ana: only an account with the role"):
        call_command("publish_release", first_id, "--by", "ana")
    call_command("publish_release", first_id, "--by", "cus")
    call_command("publish_release", second.name, "--by", "cus")

    call_command("set_current_release", first_id)
    out = capsys.readouterr().out
    assert "now the current release" in out
    assert (
        f"{first_id} is now the current release of its recipe (was school-readiness-20260301" in out
    )
    assert Release.objects.current("school-readiness") is not None
    assert Release.objects.current("school-readiness").id == first_id  # type: ignore[union-attr]
    imported = Event.objects.filter(action=Action.RELEASE_IMPORTED).order_by("occurred_at")
    assert [event.actor_username for event in imported] == ["ana", ""]

    with pytest.raises(CommandError, match="No release 'nothing-here'"):
        call_command("set_current_release", "nothing-here")
    with pytest.raises(CommandError, match="--by nobody"):
        call_command("set_current_release", first_id, "--by", "nobody")


def test_importing_the_same_release_again_can_be_a_no_op_for_scripts(
    release: Release, release_source: Path, release_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("import_release", str(release_source), "--skip-if-imported")
    assert "already imported; nothing to do" in capsys.readouterr().out
    assert Release.objects.count() == 1

    def reworded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**row, "summary": row["summary"] + " Reworded."} for row in rows]

    tamper(release_folder, contract.AREAS, reworded)  # same id, other content: not skipped
    with pytest.raises(CommandError, match="never imported twice"):
        call_command("import_release", str(release_folder), "--skip-if-imported")
