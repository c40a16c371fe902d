"""Signed release manifests: the key, the signature over the manifest's bytes, and refusals."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.errors import SigningError
from bakehouse.geography import load_area
from bakehouse.release.signing import (
    ENV_KEY_FILE,
    MANIFEST,
    SIGNATURE,
    generate_key,
    load_signing_key,
    parse_public_key,
    verify_manifest,
)

from .conftest import synthetic_predictions

runner = CliRunner()


@pytest.fixture
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys") / "release-signing.key"


def test_a_new_key_is_readable_by_its_owner_only_and_never_overwritten(key_file: Path) -> None:
    key = generate_key(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_signing_key(key_file).key_id == key.key_id
    with pytest.raises(SigningError, match="already exists"):
        generate_key(key_file)


def test_a_key_inside_a_git_work_tree_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    with pytest.raises(SigningError, match="inside a git work tree"):
        generate_key(tmp_path / "keys" / "release.key")


def test_a_key_others_can_read_is_refused(key_file: Path) -> None:
    generate_key(key_file)
    key_file.chmod(0o644)
    with pytest.raises(SigningError, match="chmod 600"):
        load_signing_key(key_file)


def test_the_signature_holds_for_the_manifest_bytes_and_no_others(key_file: Path) -> None:
    key = generate_key(key_file)
    manifest = b'{"release_id": "school-readiness-20251001-3f2a9c1d"}\n'
    signature = key.signature_for(manifest)
    trusted = [parse_public_key(key.public.text)]
    assert verify_manifest(manifest, signature, trusted) == key.key_id
    with pytest.raises(SigningError, match="does not match manifest.json"):
        verify_manifest(manifest.replace(b"2025", b"2026"), signature, trusted)


def test_a_signature_by_a_key_not_trusted_names_the_key(
    key_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    stranger = generate_key(tmp_path_factory.mktemp("other") / "stranger.key")
    trusted = [generate_key(key_file).public]
    with pytest.raises(SigningError, match=f"key '{stranger.key_id}'.*does not trust") as error:
        verify_manifest(b"{}", stranger.signature_for(b"{}"), trusted)
    assert error.value.file == SIGNATURE


@pytest.mark.parametrize(
    "text", ["6FCfn3+DaEqHoQ5tOo3fIvwmCCjj8WiM32QQKlfD9GE=", "ed25519:c2hvcnQ="]
)
def test_a_malformed_public_key_is_refused(text: str) -> None:
    with pytest.raises(SigningError, match="public key"):
        parse_public_key(text)


def _predictions(tmp_path: Path) -> Path:
    path = tmp_path / "predictions.parquet"
    pq.write_table(synthetic_predictions(load_area("basildon").lsoa_codes, 12, seed=9), path)
    return path


def test_publish_without_a_signing_key_writes_nothing_and_says_how_to_make_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_KEY_FILE, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    out = tmp_path / "releases"
    result = runner.invoke(app, ["publish", str(_predictions(tmp_path)), "--out", str(out)])
    assert result.exit_code == 2
    assert "No release signing key found" in result.output
    assert "bakehouse release keygen" in result.output
    assert not out.exists()


def test_publish_signs_the_manifest_it_wrote(
    tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_KEY_FILE, raising=False)
    keygen = runner.invoke(app, ["release", "keygen", "--key-file", str(key_file)])
    assert keygen.exit_code == 0, keygen.output
    public = parse_public_key(keygen.output.strip().splitlines()[-1])
    out = tmp_path / "releases"
    args = ["publish", str(_predictions(tmp_path)), "--out", str(out), "--as-at", "2025-09-30"]
    result = runner.invoke(app, [*args, "--signing-key", str(key_file)])
    assert result.exit_code == 0, result.output
    [folder] = [path for path in out.iterdir() if path.is_dir()]
    signature = (folder / SIGNATURE).read_bytes()
    assert json.loads(signature)["key_id"] == public.key_id
    assert verify_manifest((folder / MANIFEST).read_bytes(), signature, [public]) == public.key_id
