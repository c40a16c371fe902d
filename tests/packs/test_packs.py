"""Recipe packs: a partnership exports the school readiness recipe it baked on Basildon's data;
another verifies, installs and completes it. A pack changed anywhere, or signed by a key the
receiver did not trust, is refused naming what failed; a pack never carries anything personal,
a table or a count below the threshold."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.custody.audit import AuditLog
from bakehouse.errors import PackError
from bakehouse.ingest.agreement import load_agreements
from bakehouse.ingest.spec import load_specs
from bakehouse.packs import ExportResult, Supplied, install_pack, read_pack
from bakehouse.packs.manifest import (
    ABSENT,
    FORMAT_VERSION,
    INSIGHT_SUMMARY,
    REQUIRED,
    Section,
    sha256,
)
from bakehouse.recipes import load_recipe
from bakehouse.recipes.loader import BUILTIN_DIR, recipe_path
from bakehouse.release.checker import IDENTIFIER_TEXT, publishable_count
from bakehouse.release.signing import PublicKey, SigningKey, generate_key, parse_public_key

from .conftest import Publisher, complete_templates, export

runner = CliRunner()
ENTRIES = (
    "recipe/recipe.yaml",
    "sources/education.yaml",
    "agreements/DSA-ECC-EDU-2026.yaml",
    "model/model_card.json",
    "model/transparency_record.md",
    "evidence/summary.md",
    "licence/LICENCE.md",
    "manifest.json",
    "manifest.sig",
)


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(path: Path, files: dict[str, bytes]) -> None:
    """The pack written again as a valid zip holding ``files`` (a deliberate change)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(name, files[name])


def one_byte_changed(data: bytes) -> bytes:
    """``data`` with the letter or digit nearest its middle replaced by another one."""
    middle = len(data) // 2
    index = next(i for i in range(middle, len(data)) if chr(data[i]).isalnum())
    replacement = b"7" if data[index : index + 1].isalpha() else b"Q"
    return data[:index] + replacement + data[index + 1 :]


def trusted(pack: ExportResult) -> list[PublicKey]:
    return [parse_public_key(pack.public_key)]


def test_the_pack_holds_every_section_and_says_why_the_others_are_absent(
    pack: ExportResult,
) -> None:
    verified = read_pack(pack.path, trusted(pack))
    document = verified.manifest
    assert set(document.sections) == set(REQUIRED)
    assert set(document.not_included) == set(ABSENT)
    assert "no intervention file given" in document.not_included[Section.INTERVENTIONS]
    assert "no evaluation kept" in document.not_included[Section.EVALUATIONS]
    assert document.recipe.id == "school-readiness"
    assert {need.source for need in document.sources} == set(
        load_recipe("school-readiness").recipe.sources
    )
    summary = verified.files["evidence/summary.md"].decode()
    assert "Not yet evaluated: no evidence of effect." in summary
    assert "No costs are recorded" in summary
    card = json.loads(verified.files["model/model_card.json"])
    assert card["evaluation"]["headline"]["test_auc"] in summary


def test_the_same_workspace_and_key_give_the_same_bytes(
    publisher: Publisher, pack: ExportResult, tmp_path: Path
) -> None:
    again = export(publisher, tmp_path / "again.zip")
    assert again.path.read_bytes() == pack.path.read_bytes()


@pytest.mark.parametrize("name", ENTRIES)
def test_a_changed_byte_in_any_entry_is_refused_naming_it(
    pack: ExportResult, tmp_path: Path, name: str
) -> None:
    files = entries(pack.path)
    files[name] = one_byte_changed(files[name])
    changed = tmp_path / "changed.zip"
    rewrite(changed, files)
    with pytest.raises(PackError) as refused:
        read_pack(changed, trusted(pack))
    named = {name, "manifest.json"} if name == "manifest.sig" else {name}
    assert any(f"{changed}:{entry}" in refused.value.message for entry in named)


@pytest.mark.parametrize("name", ENTRIES)
def test_a_damaged_byte_in_the_file_is_refused_naming_the_entry(
    pack: ExportResult, tmp_path: Path, name: str
) -> None:
    with zipfile.ZipFile(pack.path) as archive:
        info = archive.getinfo(name)
    data = bytearray(pack.path.read_bytes())
    # The entry's data follows its local header: 30 bytes, then the name and the extra field.
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0x01
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    with pytest.raises(PackError) as refused:
        read_pack(damaged, trusted(pack))
    assert f"{damaged}:{name}" in refused.value.message


def test_an_entry_the_manifest_does_not_list_is_refused(pack: ExportResult, tmp_path: Path) -> None:
    files = entries(pack.path)
    files["recipe/extra.yaml"] = b"added: after signing\n"
    added = tmp_path / "added.zip"
    rewrite(added, files)
    with pytest.raises(PackError, match="recipe/extra.yaml, which its signed manifest does not"):
        read_pack(added, trusted(pack))


def test_a_pack_signed_by_a_key_not_trusted_is_refused(pack: ExportResult, tmp_path: Path) -> None:
    other = generate_key(tmp_path / "keys" / "other.key")
    with pytest.raises(PackError) as refused:
        read_pack(pack.path, [other.public])
    assert f"signed by key {pack.key_id}, which is not a key you gave as trusted" in (
        refused.value.message
    )
    outcome = runner.invoke(
        app,
        ["recipe", "import", str(pack.path), "--workspace", str(tmp_path / "ws"),
         "--public-key", other.public.text],
    )  # fmt: skip
    assert outcome.exit_code == 2
    assert not (tmp_path / "ws" / "recipes").exists()


def _world_identifiers(world: Path) -> set[str]:
    """Identifiers and names of people in the world's school census and health visiting."""
    found: set[str] = set()
    extracts = world / "extracts"
    census = (extracts / "school_census.csv").read_text(encoding="cp1252")
    for row in csv.DictReader(io.StringIO(census)):
        found |= {row["UPN"], row["Postcode"], f"{row['LegalForename']} {row['LegalSurname']}"}
    return {value for value in found if value and len(value) > 6}


# The fields of the insight summary that hold counts of people (or of the areas' population).
INSIGHT_COUNTS = frozenset(
    {"answers", "answered", "count", "contributions", "population", "elsewhere"}
    | {"agrees", "partly", "disagrees", "dont_know"}
)


def _insight_counts(value: object, key: str = "") -> Iterator[object]:
    if isinstance(value, dict):
        for inner, item in value.items():
            yield from _insight_counts(item, inner)
    elif isinstance(value, list):
        for item in value:
            yield from _insight_counts(item, key)
    elif key in INSIGHT_COUNTS and value is not None:
        yield value


@pytest.mark.parametrize("which", ["pack", "fuller", "with_insight"])
def test_the_pack_holds_no_identifier_no_table_and_no_count_below_the_threshold(
    which: str, publisher: Publisher, request: pytest.FixtureRequest
) -> None:
    # "fuller": the pack carrying interventions and evaluations; "with_insight": the pack
    # carrying the community insight summary (conftest.py).
    pack: ExportResult = request.getfixturevalue(which)
    rule = pack.manifest.disclosure
    people = _world_identifiers(publisher.world)
    assert len(people) > 100
    counts: list[tuple[str, int]] = []
    for name, data in entries(pack.path).items():
        assert name.rsplit(".", 1)[-1] in {"yaml", "md", "json", "sig"}, name
        text = data.decode("utf-8")
        for kind, pattern in IDENTIFIER_TEXT.items():
            assert not pattern.search(text), (name, kind)
        assert not [value for value in people if value in text], name
        if name.startswith("model/") and name.endswith(".json"):
            counts += [(name, int(n)) for n in re.findall(r'":\s*(-?\d+)[,\n]', text)]
        if name == INSIGHT_SUMMARY:
            published = list(_insight_counts(json.loads(text)))
            assert len(published) > 20
            hidden = {f"fewer than {rule.threshold}", f"{rule.threshold} or more", "withheld"}
            for value in published:
                assert value in hidden or (
                    isinstance(value, int) and (value == 0 or value >= rule.threshold)
                ), value
    assert counts
    for name, count in counts:
        assert publishable_count(count, rule.threshold, rule.rounding), (name, count)


def _run_document(workspace: Path, name: str) -> Path:
    latest = json.loads((workspace / "models/school-readiness/latest.json").read_text())
    return workspace / latest["folder"] / name


def _rewrite_run_document(workspace: Path, name: str, text: str) -> None:
    """Write the last model run's document ``name`` anew and record its hash, as a run that
    wrote it so would have."""
    path = _run_document(workspace, name)
    path.write_text(text, encoding="utf-8")
    record = json.loads((path.parent / "run.json").read_text())
    record["files"][name] = sha256(path.read_bytes())
    (path.parent / "run.json").write_text(json.dumps(record), encoding="utf-8")


def test_export_refuses_a_model_card_holding_something_like_an_identifier(
    publisher: Publisher, workspace_copy: Path, tmp_path: Path
) -> None:
    text = _run_document(workspace_copy, "model_card.md").read_text(encoding="utf-8")
    assert "## Data\n" in text
    changed = text.replace("## Data\n", "## Data\n\nSee case 943 476 5919.\n", 1)
    _rewrite_run_document(workspace_copy, "model_card.md", changed)
    out = tmp_path / "pack.zip"
    with pytest.raises(PackError) as refused:
        export(publisher, out, workspace_copy)
    assert "model/model_card.md: holds text that looks like a NHS number" in refused.value.message
    assert not out.exists()


def test_export_refuses_a_document_count_below_the_threshold(
    publisher: Publisher, workspace_copy: Path, tmp_path: Path
) -> None:
    card = json.loads(_run_document(workspace_copy, "model_card.json").read_text())
    cohort = next(iter(card["data"]["cohorts"]))
    card["data"]["cohorts"][cohort]["units"] = 3
    _rewrite_run_document(workspace_copy, "model_card.json", json.dumps(card, indent=1))
    with pytest.raises(PackError) as refused:
        export(publisher, tmp_path / "pack.zip", workspace_copy)
    assert f"data.cohorts.{cohort}.units: a count that is not 0" in refused.value.message


def test_export_refuses_a_model_run_of_another_version_of_the_recipe(
    publisher: Publisher, tmp_path: Path
) -> None:
    from bakehouse.packs import ExportOptions, export_pack

    with pytest.raises(PackError, match="trained on another version of the recipe"):
        export_pack(
            ExportOptions(
                recipe=load_recipe("school-readiness"),  # the shipped one, not the one run
                workspace=publisher.workspace,
                out=tmp_path / "pack.zip",
                signing_key=publisher.signing_key,
            )
        )


def test_import_installs_the_recipe_where_run_finds_it_first(
    pack: ExportResult, tmp_path: Path
) -> None:
    workspace = tmp_path / "harlow-ws"
    assert recipe_path("school-readiness", workspace) == (
        BUILTIN_DIR / "school-readiness" / "recipe.yaml"
    )
    installed = install_pack(
        read_pack(pack.path, trusted(pack)), workspace, trusted(pack), Supplied()
    )
    path = workspace / "recipes" / "school-readiness" / "recipe.yaml"
    assert recipe_path("school-readiness", workspace) == path
    assert load_recipe("school-readiness", workspace).sha256 == pack.manifest.recipe.sha256
    assert load_recipe("school-readiness").sha256 != pack.manifest.recipe.sha256
    record = json.loads((installed.pack_folder / "installed.json").read_text())
    assert record["signed_by"]["key_id"] == pack.key_id
    assert record["sha256"] == pack.sha256
    logged = list(AuditLog(workspace / "audit.jsonl").entries())
    imported = [entry for entry in logged if entry["action"] == "recipe.imported"]
    assert len(imported) == 1
    assert imported[0]["details"]["pack_sha256"] == pack.sha256
    assert imported[0]["details"]["signed_by"] == pack.key_id


def test_import_says_what_is_missing_until_the_templates_are_completed(
    pack: ExportResult, publisher: Publisher, tmp_path: Path
) -> None:
    verified = read_pack(pack.path, trusted(pack))
    empty = tmp_path / "none"
    empty.mkdir()
    first = install_pack(
        verified, tmp_path / "ws", trusted(pack),
        Supplied(specs=empty, agreements=empty, sources=empty),
    )  # fmt: skip
    assert not first.ready
    assert all(s.agreement_in_place is False and s.extract_found is False for s in first.sources)
    education = next(s for s in first.sources if s.need.source == "education")
    assert education.specification_fill_in == ("supplier",)
    assert {"parties", "dpia", "approved_by", "start_date"} <= set(education.agreement_fill_in)
    with pytest.raises(PackError, match="already installed"):
        install_pack(verified, tmp_path / "ws", trusted(pack), Supplied())

    kept = first.pack_folder
    specs = complete_templates(kept / "sources", tmp_path / "specs", "Harlow")
    agreements = complete_templates(kept / "agreements", tmp_path / "agreements", "Harlow")
    assert set(load_specs(specs)) == set(load_agreements(agreements))
    again = install_pack(
        verified, tmp_path / "ws", trusted(pack),
        Supplied(specs=specs, agreements=agreements, sources=publisher.world),
        replace=True,
    )  # fmt: skip
    assert again.replaced and again.ready


def resigned(
    pack: ExportResult, key: SigningKey, name: str, old: str, new: str
) -> dict[str, bytes]:
    """The pack's files with a change to ``name``, its hash in the manifest and the signature
    made again by ``key``: what a trusted publisher's mistake would look like."""
    files = entries(pack.path)
    text = files[name].decode()
    assert old in text
    files[name] = text.replace(old, new, 1).encode()
    document = json.loads(files["manifest.json"])
    document["files"][name] = {"sha256": sha256(files[name]), "bytes": len(files[name])}
    files["manifest.json"] = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()
    files["manifest.sig"] = key.signature_for(files["manifest.json"])
    return files


def test_a_signed_pack_whose_recipe_does_not_validate_is_not_installed(
    pack: ExportResult, publisher: Publisher, tmp_path: Path
) -> None:
    files = resigned(
        pack, publisher.signing_key, "recipe/recipe.yaml", "\nfeatures:\n",
        "\nfeatures:\n  - no_such_feature\n",
    )  # fmt: skip
    broken = tmp_path / "broken.zip"
    rewrite(broken, files)
    verified = read_pack(broken, trusted(pack))
    with pytest.raises(PackError) as refused:
        install_pack(verified, tmp_path / "ws", trusted(pack), Supplied())
    assert f"{broken}:recipe/recipe.yaml" in refused.value.message
    assert "no_such_feature" in refused.value.message
    assert not (tmp_path / "ws" / "recipes").exists()


def test_a_signed_pack_holding_an_identifier_is_refused_on_import(
    pack: ExportResult, publisher: Publisher, tmp_path: Path
) -> None:
    files = resigned(
        pack, publisher.signing_key, "evidence/summary.md", "## Cost notes",
        "## Cost notes\n\nAsk about AB123456C.",
    )  # fmt: skip
    unsafe = tmp_path / "unsafe.zip"
    rewrite(unsafe, files)
    verified = read_pack(unsafe, trusted(pack))
    with pytest.raises(PackError, match="National Insurance number"):
        install_pack(verified, tmp_path / "ws", trusted(pack), Supplied())
    assert not (tmp_path / "ws" / "recipes").exists()


@pytest.mark.parametrize("group", ["recipe", "recipes"])
def test_both_spellings_export_and_import_and_print_the_key_to_compare(
    publisher: Publisher, pack: ExportResult, tmp_path: Path, group: str
) -> None:
    out = tmp_path / "pack.zip"
    exported = runner.invoke(
        app,
        [group, "export", "--recipe", str(publisher.recipe),
         "--workspace", str(publisher.workspace), "--out", str(out),
         "--signing-key", publisher.signing_key.origin],
    )  # fmt: skip
    assert exported.exit_code == 0, exported.output
    assert out.read_bytes() == pack.path.read_bytes()
    said = " ".join(exported.output.split())
    assert f"Signed by key {pack.key_id}" in said
    assert exported.output.strip().splitlines()[-1] == pack.public_key
    imported = runner.invoke(
        app,
        [group, "import", str(out), "--workspace", str(tmp_path / "ws"),
         "--public-key", pack.public_key],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    said = " ".join(imported.output.split())
    assert f"Signature by key {pack.key_id} verified" in said
    assert "sources/education.yaml: fill in supplier" in said


def with_manifest(pack: ExportResult, key: SigningKey, **changes: object) -> dict[str, bytes]:
    """The pack's files with the manifest changed and signed again by ``key``."""
    files = entries(pack.path)
    document = {**json.loads(files["manifest.json"]), **changes}
    files["manifest.json"] = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()
    files["manifest.sig"] = key.signature_for(files["manifest.json"])
    return files


def test_a_pack_of_a_later_format_asks_for_an_upgrade(
    pack: ExportResult, publisher: Publisher, tmp_path: Path
) -> None:
    later = tmp_path / "later.zip"
    rewrite(later, with_manifest(pack, publisher.signing_key, format_version=FORMAT_VERSION + 1))
    with pytest.raises(PackError, match="newer than this Bakehouse reads"):
        read_pack(later, trusted(pack))
