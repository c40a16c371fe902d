"""Read a recipe pack and prove it is exactly what a trusted partnership signed.

In order, each refusal naming the entry at fault: the file is a zip of safe, plain entries
(no folder above the pack, no link, bounded in number and size); each entry reads back whole
(a damaged byte fails the zip's own checksum); ``manifest.sig`` is a signature, by a key the
importer trusts, over ``manifest.json``; the manifest is one this version can read; and the
entries are exactly the files it lists, each with its SHA-256.
"""

from __future__ import annotations

import base64
import json
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bakehouse.errors import PackError, SigningError
from bakehouse.packs import manifest
from bakehouse.packs.manifest import ENTRY_NAME, REQUIRED, Manifest
from bakehouse.release.signing import PublicKey, verify_manifest

MAX_ENTRIES = 1_000
MAX_BYTES = 64 * 1024 * 1024  # a pack is settings and documents: a few hundred kilobytes
SIGNED = frozenset({manifest.MANIFEST, manifest.SIGNATURE})


@dataclass(frozen=True)
class VerifiedPack:
    """A pack whose signature and every hash held."""

    path: Path
    manifest: Manifest
    files: dict[str, bytes]  # the manifest's files, by entry name
    manifest_bytes: bytes
    signature: bytes
    key_id: str
    sha256: str  # of the pack file


def read_pack(path: Path, trusted: Iterable[PublicKey]) -> VerifiedPack:
    """The verified contents of the pack at ``path``; :class:`PackError` names what failed."""
    keys = list(trusted)
    if not keys:
        raise PackError(
            "No public key to check the pack's signature against",
            fix="Give the publishing partnership's public key with --public-key ed25519:...",
        )
    entries = _entries(path)
    absent = sorted(SIGNED - set(entries))
    if absent:
        raise PackError(f"The pack has no {absent[0]}", file=f"{path}:{absent[0]}", fix=_ASK_AGAIN)
    signature = entries.pop(manifest.SIGNATURE)
    signed = entries.pop(manifest.MANIFEST)
    key_id = _check_signature(path, signed, signature, keys)
    document = _manifest(path, signed)
    extra = sorted(set(entries) - set(document.files))
    if extra:
        raise PackError(
            f"The pack holds {extra[0]}, which its signed manifest does not list",
            file=f"{path}:{extra[0]}",
            fix=_ASK_AGAIN,
        )
    lacking = sorted(set(document.files) - set(entries))
    if lacking:
        raise PackError(
            f"The pack lacks {lacking[0]}, which its signed manifest lists",
            file=f"{path}:{lacking[0]}",
            fix=_ASK_AGAIN,
        )
    for name, entry in sorted(document.files.items()):
        data = entries[name]
        if len(data) != entry.bytes or manifest.sha256(data) != entry.sha256:
            raise PackError(
                f"{name} does not match its SHA-256 in the signed manifest: it changed after "
                "the pack was signed",
                file=f"{path}:{name}",
                fix=_ASK_AGAIN,
            )
    return VerifiedPack(
        path=path,
        manifest=document,
        files=entries,
        manifest_bytes=signed,
        signature=signature,
        key_id=key_id,
        sha256=manifest.sha256(path.read_bytes()),
    )


_ASK_AGAIN = "Do not use it: ask the publishing partnership for the pack again"


def _entries(path: Path) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise PackError("No pack here", file=path) from None
    except (zipfile.BadZipFile, OSError):
        raise PackError(
            "Not a recipe pack: the file is not a zip archive", file=path, fix=_ASK_AGAIN
        ) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES or sum(info.file_size for info in infos) > MAX_BYTES:
            raise PackError("The pack is far larger than a recipe pack", file=path)
        entries: dict[str, bytes] = {}
        for info in infos:
            name = info.filename
            plain = (info.external_attr >> 16) & 0o170000 in (0, 0o100000)
            if name in entries or not plain or not (name in SIGNED or ENTRY_NAME.fullmatch(name)):
                raise PackError(
                    f"The pack holds an entry that no pack may hold ({name[:80]!r}: a repeat, a "
                    "folder, a link or a name outside the pack)",
                    file=path,
                    fix=_ASK_AGAIN,
                )
            try:
                entries[name] = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
                raise PackError(
                    f"{name} is damaged: it does not read back as it was written",
                    file=f"{path}:{name}",
                    fix=_ASK_AGAIN,
                ) from None
    return entries


def _check_signature(path: Path, signed: bytes, signature: bytes, keys: list[PublicKey]) -> str:
    where = f"{path}:{manifest.SIGNATURE}"
    try:
        signer = str(json.loads(signature.decode("ascii"))["key_id"])[:16]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise PackError(
            f"{manifest.SIGNATURE} is not a signature", file=where, fix=_ASK_AGAIN
        ) from None
    if signer not in {key.key_id for key in keys}:
        raise PackError(
            f"The pack is signed by key {signer}, which is not a key you gave as trusted",
            file=where,
            fix="Compare the key id with the one the publishing partnership gave you; import "
            "only with their public key (--public-key)",
        )
    try:
        key_id = verify_manifest(signed, signature, keys)
    except SigningError as error:
        raise PackError(
            f"The signature in {manifest.SIGNATURE} does not hold for {manifest.MANIFEST}: one "
            f"of them changed after signing ({error.what})",
            file=f"{path}:{manifest.MANIFEST}",
            fix=_ASK_AGAIN,
        ) from None
    # A byte changed where it does not alter the signature (base64's unused bits, layout) still
    # means the file is not as it was written.
    document = json.loads(signature.decode("ascii"))
    written = json.dumps(
        {
            "algorithm": document["algorithm"],
            "key_id": document["key_id"],
            "signature": base64.b64encode(base64.b64decode(document["signature"])).decode(),
        },
        indent=2,
    )
    if signature != (written + "\n").encode("ascii"):
        raise PackError(
            f"{manifest.SIGNATURE} is not as it was written: it changed after signing",
            file=where,
            fix=_ASK_AGAIN,
        )
    return key_id


def _manifest(path: Path, signed: bytes) -> Manifest:
    where = f"{path}:{manifest.MANIFEST}"
    try:
        data = json.loads(signed.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PackError(f"{manifest.MANIFEST} is not JSON", file=where, fix=_ASK_AGAIN) from None
    version = data.get("format_version") if isinstance(data, dict) else None
    if isinstance(version, int) and version > manifest.FORMAT_VERSION:
        raise PackError(
            f"The pack is of format {version}, newer than this Bakehouse "
            f"reads ({manifest.FORMAT_VERSION})",
            file=where,
            fix="Upgrade Bakehouse, then import again",
        )
    if version not in manifest.READABLE_VERSIONS:
        raise PackError(
            f"The pack is of format {version!r}, which no Bakehouse writes (this one reads "
            f"{', '.join(str(known) for known in manifest.READABLE_VERSIONS)})",
            file=where,
            fix=_ASK_AGAIN,
        )
    try:
        document = Manifest.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'manifest'}: {item['msg']}"
            for item in error.errors()[:10]
        )
        raise PackError(
            f"{manifest.MANIFEST} is not a recipe pack manifest: {problems}",
            file=where,
            fix=_ASK_AGAIN,
        ) from None
    missing = [section for section in REQUIRED if section not in document.sections]
    if missing:
        raise PackError(
            f"The manifest lists no {', '.join(missing)}, which every pack holds",
            file=where,
            fix=_ASK_AGAIN,
        )
    return document
