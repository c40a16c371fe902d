"""Signed release manifests: the partnership's Ed25519 key signs the exact bytes of
``manifest.json``, and the web app accepts a release only if a key it trusts made the signature.

The manifest lists the SHA-256 of every file, so one signature over it covers the whole release.
The signature is detached, in ``manifest.sig`` beside the manifest:

    {"algorithm": "ed25519", "key_id": "<16 hex>", "signature": "<base64 of 64 bytes>"}

The private key is a PKCS#8 PEM file, readable by its owner only, kept outside any git work tree
(like the custodian's key). A public key is written ``ed25519:<base64 of its 32 bytes>``; its
key id is the first 16 hex characters of the SHA-256 of those bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bakehouse.errors import SigningError
from bakehouse.userconfig import config_file

ALGORITHM = "ed25519"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
ENV_KEY_FILE = "BAKEHOUSE_RELEASE_SIGNING_KEY"
PUBLIC_PREFIX = f"{ALGORITHM}:"
MAX_SIGNATURE_BYTES = 1024
HOW_TO_CREATE = (
    "Create one with `bakehouse release keygen --key-file FILE` (outside the repository), then "
    f"pass --signing-key FILE or set {ENV_KEY_FILE}"
)


def default_key_file() -> Path:
    """``$XDG_CONFIG_HOME/bakehouse/release-signing.key``, by default under ``~/.config``."""
    return config_file("release-signing.key")


@dataclass(frozen=True)
class PublicKey:
    """A public key the web app trusts, and its id."""

    key: Ed25519PublicKey = field(repr=False)

    @property
    def raw(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()[:16]

    @property
    def text(self) -> str:
        """The form the web app's ``BAKEHOUSE_RELEASE_PUBLIC_KEYS`` setting takes."""
        return PUBLIC_PREFIX + base64.b64encode(self.raw).decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    """The partnership's private release signing key. Its ``repr`` never shows the key."""

    private: Ed25519PrivateKey = field(repr=False)
    origin: str

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.private.public_key())

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def sign_manifest(self, folder: Path) -> Path:
        """Sign ``folder/manifest.json`` as it is on disk; write and return ``manifest.sig``."""
        data = (folder / MANIFEST).read_bytes()
        target = folder / SIGNATURE
        target.write_bytes(self.signature_for(data))
        return target

    def signature_for(self, manifest: bytes) -> bytes:
        """The contents of ``manifest.sig`` for these manifest bytes."""
        document = {
            "algorithm": ALGORITHM,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.private.sign(manifest)).decode("ascii"),
        }
        return (json.dumps(document, indent=2) + "\n").encode("ascii")


def _enclosing_git_work_tree(path: Path) -> Path | None:
    for parent in [path, *path.parents]:
        if (parent / ".git").exists():
            return parent
    return None


def _refuse_inside_git(path: Path) -> None:
    tree = _enclosing_git_work_tree(path.expanduser().resolve().parent)
    if tree is not None:
        raise SigningError(
            "The release signing key would be inside a git work tree",
            file=path,
            fix=f"Keep it outside {tree}, e.g. the default {default_key_file()}",
        )


def generate_key(path: Path | None = None) -> SigningKey:
    """Create a new signing key file (0600) and return the key. Never overwrites a key: a
    release signed by the old one would no longer be recognised once its public key is gone."""
    target = (path or default_key_file()).expanduser()
    _refuse_inside_git(target)
    if target.exists():
        raise SigningError(
            "A release signing key already exists",
            file=target,
            fix="Keep using it (`bakehouse release public-key` prints its public key), or move "
            "it away first if you mean to replace it",
        )
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return SigningKey(private, str(target))


def load_signing_key(path: Path | None = None) -> SigningKey:
    """The key in ``path``, else in the file ``$BAKEHOUSE_RELEASE_SIGNING_KEY`` names, else in
    the default file. Refuses a missing key, a key inside a git work tree, and a key file other
    users can read."""
    if path is None and os.environ.get(ENV_KEY_FILE):
        path = Path(os.environ[ENV_KEY_FILE])
    target = (path or default_key_file()).expanduser()
    if not target.is_file():
        raise SigningError("No release signing key found", file=target, fix=HOW_TO_CREATE)
    _refuse_inside_git(target)
    if stat.S_IMODE(target.stat().st_mode) & 0o077:
        raise SigningError(
            "The release signing key file can be read by other users",
            file=target,
            fix=f"Run `chmod 600 {target}`",
        )
    try:
        private = serialization.load_pem_private_key(target.read_bytes(), password=None)
    except (ValueError, TypeError):
        private = None
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningError(
            "The file is not an Ed25519 private key in PEM form", file=target, fix=HOW_TO_CREATE
        )
    return SigningKey(private, str(target))


def parse_public_key(text: str) -> PublicKey:
    """A public key written ``ed25519:<base64>``."""
    value = text.strip()
    if not value.startswith(PUBLIC_PREFIX):
        raise SigningError(
            f"A public key must start with {PUBLIC_PREFIX!r}",
            fix="Copy it as `bakehouse release keygen` or `public-key` printed it",
        )
    try:
        raw = base64.b64decode(value[len(PUBLIC_PREFIX) :], validate=True)
        return PublicKey(Ed25519PublicKey.from_public_bytes(raw))
    except (binascii.Error, ValueError):
        raise SigningError(
            "A public key is not 32 bytes of base64 after 'ed25519:'",
            fix="Copy it as `bakehouse release keygen` or `public-key` printed it",
        ) from None


def verify_manifest(manifest: bytes, signature: bytes, trusted: Iterable[PublicKey]) -> str:
    """The id of the trusted key whose signature over ``manifest`` ``signature`` holds; raises
    ``SigningError`` (naming manifest.sig) for an unreadable signature, an unknown key or a
    signature that does not match these bytes."""
    if len(signature) > MAX_SIGNATURE_BYTES:
        raise SigningError("The signature file is too large to be a signature", file=SIGNATURE)
    try:
        document = json.loads(signature.decode("ascii"))
        algorithm, key_id, value = (
            document["algorithm"],
            document["key_id"],
            base64.b64decode(document["signature"], validate=True),
        )
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, binascii.Error):
        raise SigningError(
            "The signature file is not a release signature",
            file=SIGNATURE,
            fix="Publish the release again with a signing key",
        ) from None
    if algorithm != ALGORITHM:
        raise SigningError(
            f"The signature uses {str(algorithm)[:20]!r}; only {ALGORITHM} is accepted",
            file=SIGNATURE,
        )
    keys = {key.key_id: key for key in trusted}
    found = keys.get(str(key_id))
    if found is None:
        raise SigningError(
            f"The manifest is signed by key {str(key_id)[:16]!r}, which this web app does not "
            "trust",
            file=SIGNATURE,
            fix="Only a release signed with one of the partnership's keys is imported; add the "
            "public key to BAKEHOUSE_RELEASE_PUBLIC_KEYS if it is the partnership's",
        )
    try:
        found.key.verify(value, manifest)
    except InvalidSignature:
        raise SigningError(
            f"The signature by key {found.key_id} does not match manifest.json: the manifest "
            "changed after it was signed",
            file=SIGNATURE,
            fix="Import the release exactly as it was published",
        ) from None
    return found.key_id
