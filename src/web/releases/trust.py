"""What the web app does not take on a release's word: who signed it, how large it is, which
disclosure rule it follows, and whether its cells pass the output checker.

A release folder is read once, file by file, into memory under the size limits; everything
after that (the signature, the hashes, the tables) works on those bytes, so a file cannot change
between being checked and being read. The signature is checked first: until it holds, nothing in
the manifest is believed.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from bakehouse.errors import SigningError
from bakehouse.release import checker
from bakehouse.release.signing import SIGNATURE, PublicKey, parse_public_key, verify_manifest
from web.releases.contract import MANIFEST

NO_KEYS = (
    f"{SIGNATURE}: this web app trusts no release signing key, so it imports no release; set "
    "BAKEHOUSE_RELEASE_PUBLIC_KEYS to the partnership's public key (`bakehouse release "
    "public-key` prints it)"
)


@dataclass(frozen=True)
class Trust:
    """The keys, the disclosure floor and the size limits a release is held to."""

    public_keys: tuple[PublicKey, ...]
    min_threshold: int
    min_rounding: int
    min_protection: int
    max_file_bytes: int
    max_total_bytes: int

    @classmethod
    def from_settings(cls) -> Trust:
        return cls(
            public_keys=tuple(
                parse_public_key(text) for text in settings.BAKEHOUSE_RELEASE_PUBLIC_KEYS
            ),
            min_threshold=settings.BAKEHOUSE_RELEASE_MIN_THRESHOLD,
            min_rounding=settings.BAKEHOUSE_RELEASE_MIN_ROUNDING,
            min_protection=settings.BAKEHOUSE_RELEASE_MIN_PROTECTION,
            max_file_bytes=settings.BAKEHOUSE_RELEASE_MAX_FILE_BYTES,
            max_total_bytes=settings.BAKEHOUSE_RELEASE_MAX_TOTAL_BYTES,
        )


def read_files(folder: Path, trust: Trust) -> tuple[dict[str, bytes], list[str]]:
    """Every file of the folder, read once, and the problems found: an entry that is not a
    regular file, a file over the per-file limit, or a folder over the total limit (a file over
    a limit is not read at all)."""
    files: dict[str, bytes] = {}
    problems = []
    total = 0
    for path in sorted(folder.iterdir()):
        if path.is_symlink() or not path.is_file():
            problems.append(f"{path.name}: not a regular file")
            continue
        size = path.stat().st_size
        if size > trust.max_file_bytes:
            problems.append(_over(path.name, size, trust.max_file_bytes, "per file", "FILE"))
            continue
        with path.open("rb") as handle:
            data = handle.read(trust.max_file_bytes + 1)  # a file still growing is not trusted
        if len(data) > trust.max_file_bytes:
            problems.append(_over(path.name, len(data), trust.max_file_bytes, "per file", "FILE"))
            continue
        total += len(data)
        if total > trust.max_total_bytes:
            problems.append(
                _over(
                    f"{path.name} (with the files before it)",
                    total,
                    trust.max_total_bytes,
                    "for a whole release",
                    "TOTAL",
                )
            )
            break
        files[path.name] = data
    return files, problems


def _over(name: str, size: int, limit: int, scope: str, setting: str) -> str:
    return (
        f"{name}: {size:,} bytes, over this web app's limit of {limit:,} bytes {scope} "
        f"(BAKEHOUSE_RELEASE_MAX_{setting}_BYTES); it was not read"
    )


def check_signature(files: Mapping[str, bytes], trust: Trust) -> tuple[str | None, list[str]]:
    """The id of the trusted key that signed the manifest's bytes, or the problem."""
    if not trust.public_keys:
        return None, [NO_KEYS]
    if SIGNATURE not in files:
        return None, [
            f"{SIGNATURE}: missing; the manifest is not signed, so nothing in it can be trusted "
            "(publish it again with `bakehouse publish --signing-key`)"
        ]
    try:
        return verify_manifest(files[MANIFEST], files[SIGNATURE], trust.public_keys), []
    except SigningError as error:
        return None, [f"{SIGNATURE}: {error.what}" + (f". {error.fix}" if error.fix else "")]


@dataclass(frozen=True)
class Rule:
    """The disclosure rule the manifest claims, as the output checker takes it."""

    threshold: int
    rounding: int
    protection: int
    confidence: float


def claimed_rule(
    threshold: int, rounding: int, raw_manifest: Mapping[str, Any]
) -> tuple[Rule | None, list[str]]:
    """The manifest's rule: its validated threshold and rounding, and the protection and
    confidence of its methods (the library's defaults when absent), or the problem."""
    methods = raw_manifest.get("methods", {})
    if not isinstance(methods, dict):
        return None, [f"{MANIFEST}, field methods: must be an object"]
    protection, confidence = (
        methods.get("disclosure_protection", 2),
        methods.get("confidence", 0.95),
    )
    if not isinstance(protection, int) or isinstance(protection, bool):
        return None, [f"{MANIFEST}, field methods.disclosure_protection: must be a whole number"]
    if not isinstance(confidence, float) or not 0.5 <= confidence < 1:
        return None, [f"{MANIFEST}, field methods.confidence: must be a number from 0.5 to 1"]
    return Rule(threshold, rounding, protection, confidence), []


def check_floor(rule: Rule, trust: Trust) -> list[str]:
    """A problem for each part of the rule weaker than this web app's floor."""
    problems = []
    for field, value, floor, setting, meaning in (
        ("disclosure.threshold", rule.threshold, trust.min_threshold, "THRESHOLD",
         "counts from 1 to at least this are suppressed"),
        ("disclosure.rounding", rule.rounding, trust.min_rounding, "ROUNDING",
         "counts are rounded to at least this base"),
        ("methods.disclosure_protection", rule.protection, trust.min_protection, "PROTECTION",
         "every withheld count keeps at least this many possible values"),
    ):  # fmt: skip
        if value < floor:
            problems.append(
                f"{MANIFEST}, field {field}: {value} is below this web app's floor of {floor} "
                f"(BAKEHOUSE_RELEASE_MIN_{setting}: {meaning}); the release is refused"
            )
    return problems


def rerun_checker(files: Mapping[str, bytes], rule: Rule) -> list[str]:
    """The output checker run again here, on exactly the bytes that were hashed, under the
    manifest's rule: the manifest's own ``checker.passed`` is not taken on trust."""
    with tempfile.TemporaryDirectory(prefix="bakehouse-release-") as scratch:
        copy = Path(scratch)
        for name, data in files.items():
            if name != SIGNATURE:
                (copy / name).write_bytes(data)
        try:
            verdict = checker.check_release(
                copy, checker.Rules(rule.threshold, rule.rounding, rule.protection, rule.confidence)
            )
        except (KeyError, TypeError, ValueError, json.JSONDecodeError) as error:
            return [
                f"the output checker, run again at import, could not read the release ({error})"
            ]
    return [
        f"the output checker, run again at import, refuses it: {failure}"
        for failure in verdict.failures()
    ]
