"""The custodian's secret: where it lives, how it is created, rotated, and checked before use.

Every token and pseudonymous id is an HMAC-SHA-256 under a sub-key of this key for the
workspace's purpose, the audit log's seals under a sub-key for the audit log (HKDF, RFC 5869),
and register match keys under the key itself; whoever holds it can recompute them all. It
therefore lives with the custodian, outside the repository and outside the workspace, readable by
its owner only. A missing key is an error, never a silent default.

The key file holds versions (the key lifecycle of NIST SP 800-57 Part 1): one *active* version
makes every new token, id, register entry and seal; *retired* versions are kept only to match
register entries and verify seals made before a rotation, and are never used to make anything
again. A file written by :func:`init_key` holds one secret as 64 hexadecimal characters, read as
version 1; :func:`rotate_key` rewrites it as JSON::

    {"format": "bakehouse custodian key", "active": 2,
     "versions": [{"version": 1, "created": "...", "secret": "<64 hex>"}, ...]}
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import stat
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bakehouse.errors import CustodyError
from bakehouse.userconfig import config_file

KEY_BYTES = 32
ENV_KEY = "BAKEHOUSE_CUSTODIAN_KEY"
ENV_KEY_FILE = "BAKEHOUSE_CUSTODIAN_KEY_FILE"
_HMAC_BLOCK = 64
_DERIVED = b"bakehouse derived key: "
KEY_FILE_FORMAT = "bakehouse custodian key"


def default_key_file() -> Path:
    """``$XDG_CONFIG_HOME/bakehouse/custodian.key``, by default under ``~/.config``."""
    return config_file("custodian.key")


@dataclass(frozen=True)
class CustodianKey:
    """A 256-bit secret: the active version of the key file, with the ``retired`` versions
    before it (oldest first) for matching and verifying what they made. Its ``repr`` never
    shows a secret."""

    secret: bytes = field(repr=False)
    origin: str
    purpose: str | None = None
    version: int = 1
    retired: tuple[CustodianKey, ...] = field(default=(), repr=False)

    @property
    def key_id(self) -> str:
        """A public fingerprint: tells which key made a workspace, reveals nothing of it."""
        return hmac.new(self.secret, b"bakehouse key id", hashlib.sha256).hexdigest()[:16]

    def pads(self) -> tuple[bytes, bytes]:
        """The HMAC inner and outer padded keys (RFC 2104), for computing HMAC inside SQL."""
        block = self.secret.ljust(_HMAC_BLOCK, b"\0")
        return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)

    def digest(self, message: str) -> str:
        return hmac.new(self.secret, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def derive(self, use: str) -> CustodianKey:
        """A sub-key for one use (HKDF-SHA-256, RFC 5869, with the use in ``info``): sub-keys for
        different uses are independent, and none reveals this key or another."""
        secret = HKDF(
            algorithm=SHA256(), length=KEY_BYTES, salt=None, info=_DERIVED + use.encode()
        ).derive(self.secret)
        return CustodianKey(secret, self.origin, version=self.version)

    def for_purpose(self, purpose: str) -> CustodianKey:
        """This key, bound to a processing purpose (a recipe's purpose id): its tokens and
        pseudonymous ids are made under the purpose's sub-key (:attr:`token_key`), so the same
        record or person gets unrelated ids in workspaces of different purposes."""
        return replace(self, purpose=purpose)

    @property
    def versions(self) -> tuple[CustodianKey, ...]:
        """Every version the key file holds, oldest first; the active one (this key) last."""
        return (*self.retired, self)

    def version_with(self, key_id: str) -> CustodianKey | None:
        """The version whose fingerprint is ``key_id``, if the key file holds it."""
        return next((version for version in self.versions if version.key_id == key_id), None)

    @property
    def token_key(self) -> CustodianKey:
        """The key tokens and pseudonymous ids are made with: the purpose's sub-key when bound
        to a purpose. Register match keys stay under this key itself, so opt-outs and erasures
        keep matching whatever purpose a workspace serves."""
        return self.derive(f"purpose {self.purpose}") if self.purpose is not None else self

    @property
    def folder(self) -> Path:
        """The custodian's private folder: the key file's, or the default one for a key given
        in the environment. What must be kept beside the key (audit anchors) goes here."""
        if self.origin.startswith("$"):
            return default_key_file().parent
        return Path(self.origin).parent


def _enclosing_git_work_tree(path: Path) -> Path | None:
    for parent in [path, *path.parents]:
        if (parent / ".git").exists():
            return parent
    return None


def _refuse_unsafe_location(path: Path, guarded: list[Path]) -> None:
    resolved = path.expanduser().resolve()
    tree = _enclosing_git_work_tree(resolved.parent)
    if tree is not None:
        raise CustodyError(
            "The custodian key file would be inside a git work tree",
            file=path,
            fix=f"Keep the key outside {tree}, e.g. the default {default_key_file()}",
        )
    for folder in guarded:
        if resolved.is_relative_to(folder.expanduser().resolve()):
            raise CustodyError(
                "The custodian key file would be inside the workspace it protects",
                file=path,
                fix=f"Keep the key outside {folder}, e.g. the default {default_key_file()}",
            )


def init_key(path: Path | None = None, *, guarded: list[Path] | None = None) -> Path:
    """Create a new key file (0600) and return its path. Refuses to overwrite an existing key,
    because every token made with the old key would become unlinkable."""
    target = (path or default_key_file()).expanduser()
    _refuse_unsafe_location(target, guarded or [])
    if target.exists():
        raise CustodyError(
            "A custodian key already exists",
            file=target,
            fix="Keep using it; replacing it makes every existing token unlinkable. Move it away "
            "first if you really mean to start again",
        )
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    return target


class _Version(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    created: str
    secret: str = Field(repr=False)


class _KeyFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str
    active: int
    versions: list[_Version]


def _parse_secret(text: str, origin: str, file: Path | None) -> bytes:
    value = text.strip()
    try:
        secret = bytes.fromhex(value)
    except ValueError:
        secret = b""
    if len(secret) != KEY_BYTES:
        raise CustodyError(
            f"The custodian key from {origin} is not {KEY_BYTES * 2} hexadecimal characters",
            file=file,
            fix="Create a key with `bakehouse custodian init`",
        )
    return secret


def key_available() -> bool:
    """Whether :func:`load_key` without a path has a key to find."""
    return bool(os.environ.get(ENV_KEY) or os.environ.get(ENV_KEY_FILE)) or (
        default_key_file().is_file()
    )


def load_key(path: Path | None = None, *, guarded: list[Path] | None = None) -> CustodianKey:
    """Find the key: an explicit file, else ``BAKEHOUSE_CUSTODIAN_KEY`` (hex), else
    ``BAKEHOUSE_CUSTODIAN_KEY_FILE``, else the default file. Refuses a key inside a git work tree
    or a guarded folder (the workspace), or a key file others can read."""
    if path is None and os.environ.get(ENV_KEY):
        return CustodianKey(_parse_secret(os.environ[ENV_KEY], ENV_KEY, None), f"${ENV_KEY}")
    if path is None and os.environ.get(ENV_KEY_FILE):
        path = Path(os.environ[ENV_KEY_FILE])
    target = (path or default_key_file()).expanduser()
    if not target.is_file():
        raise CustodyError(
            "No custodian key found",
            file=target,
            fix="The custodian creates one with `bakehouse custodian init`, or points "
            f"--key-file, ${ENV_KEY_FILE} or ${ENV_KEY} at theirs",
        )
    _refuse_unsafe_location(target, guarded or [])
    mode = stat.S_IMODE(target.stat().st_mode)
    if mode & 0o077:
        raise CustodyError(
            "The custodian key file can be read by other users",
            file=target,
            fix=f"Run `chmod 600 {target}`",
        )
    return _read_key_file(target)


def _read_versions(target: Path) -> _KeyFile:
    """The key file's versions; a file of one plain secret is version 1, created when the file
    was last written (a key file is never rewritten but by a rotation)."""
    text = target.read_text(encoding="ascii")
    if not text.lstrip().startswith("{"):
        secret = _parse_secret(text, "the key file", target)
        created = datetime.fromtimestamp(target.stat().st_mtime, UTC)
        return _KeyFile(
            format=KEY_FILE_FORMAT,
            active=1,
            versions=[_Version(version=1, created=_timestamp(created), secret=secret.hex())],
        )
    try:
        document = _KeyFile.model_validate(json.loads(text))
    except (ValueError, ValidationError):
        # not chained: the parser's message could quote a secret
        raise CustodyError(
            "The custodian key file is neither one secret nor a readable list of key versions",
            file=target,
            fix="Restore it from its backup",
        ) from None
    numbers = [version.version for version in document.versions]
    if document.format != KEY_FILE_FORMAT or len(set(numbers)) != len(numbers):
        raise CustodyError(
            "The custodian key file's versions are not in the expected form or repeat a number",
            file=target,
            fix="Restore it from its backup",
        )
    if not numbers or document.active != max(numbers):
        # a retired version made active again would be a key reused after its retirement
        raise CustodyError(
            f"The custodian key file's active version {document.active} is not its newest",
            file=target,
            field="active",
            fix="Restore it from its backup; to change the key, run `bakehouse custodian rotate`",
        )
    return document


def _read_key_file(target: Path) -> CustodianKey:
    document = _read_versions(target)
    keys = {
        version.version: CustodianKey(
            _parse_secret(version.secret, f"version {version.version} of the key file", target),
            str(target),
            version=version.version,
        )
        for version in document.versions
    }
    active = keys.pop(document.active)
    return replace(active, retired=tuple(keys[number] for number in sorted(keys)))


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Rotation:
    """What a rotation changed: the version retired and the one now active (fingerprints only)."""

    path: Path
    retired: CustodianKey
    active: CustodianKey


def rotate_key(path: Path | None = None, *, guarded: list[Path] | None = None) -> Rotation:
    """Add a new random version to the key file and make it active; the versions before it are
    kept, retired. Refuses a key given in the environment (there is no file to keep versions
    in), an unsafe file (as :func:`load_key`), and a file or folder it cannot write. The file is
    replaced atomically, so a failure leaves the old file whole."""
    if path is None and os.environ.get(ENV_KEY):
        # commands would go on using the variable, whatever the rotation wrote to a file
        raise CustodyError(
            f"A key given in ${ENV_KEY} cannot be rotated: it has no file to keep versions in",
            fix=f"Write the key to a file (mode 0600, outside the repository), unset ${ENV_KEY} "
            "and give --key-file",
        )
    target = (path or Path(os.environ.get(ENV_KEY_FILE) or default_key_file())).expanduser()
    load_key(target, guarded=guarded)
    if not (os.access(target, os.W_OK) and os.access(target.parent, os.W_OK | os.X_OK)):
        raise CustodyError(
            "The custodian key file or its folder cannot be written, so no version can be added",
            file=target,
            fix="Run the rotation as the key's owner, on the machine that holds the key",
        )
    # a lock file beside the key, not the key file itself, which the rename replaces
    lock = os.open(target.with_name(f".{target.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(lock, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a second rotation waits, then adds after this one
        before = load_key(target, guarded=guarded)
        _write_versions(target, _with_new_version(_read_versions(target)))
    return Rotation(target, before, load_key(target, guarded=guarded))


def _with_new_version(document: _KeyFile) -> _KeyFile:
    held = {version.secret for version in document.versions}
    secret = secrets.token_hex(KEY_BYTES)
    while secret in held:  # never reuse a secret, however unlikely a repeat is
        secret = secrets.token_hex(KEY_BYTES)
    number = max(version.version for version in document.versions) + 1
    created = _timestamp(datetime.now(UTC))
    return _KeyFile(
        format=KEY_FILE_FORMAT,
        active=number,
        versions=[*document.versions, _Version(version=number, created=created, secret=secret)],
    )


def _write_versions(target: Path, document: _KeyFile) -> None:
    """Replace the key file atomically (0600 from the start, synced before and after the
    rename): a failure at any point leaves the old file or the new one, whole."""
    temporary = target.with_name(f".{target.name}.rotating")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(document.model_dump_json(indent=2) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
