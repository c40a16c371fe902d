"""`bakehouse release`: the partnership's release signing key."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from bakehouse.release.signing import ENV_KEY_FILE, generate_key, load_signing_key

console = Console()

SIGNING_KEY = typer.Option(
    None,
    "--signing-key",
    dir_okay=False,
    help=f"Release signing key file (default: ${ENV_KEY_FILE}, then "
    "~/.config/bakehouse/release-signing.key). Create one with `bakehouse release keygen`.",
)
KEY_FILE = typer.Option(
    None,
    dir_okay=False,
    help="The key file (default ~/.config/bakehouse/release-signing.key); never inside a git "
    "work tree.",
)


def _print_public(key_id: str, text: str) -> None:
    console.print(f"Key id {key_id}. Public key, for the web app's BAKEHOUSE_RELEASE_PUBLIC_KEYS:")
    # Alone on its line and unstyled, so scripts can take it with `tail -n 1`.
    print(text)


def keygen(key_file: Path | None = KEY_FILE) -> None:
    """Create the partnership's Ed25519 release signing key (a file only its owner can read)
    and print its public key, which the web app's settings list as trusted."""
    key = generate_key(key_file)
    console.print(f"Signing key written to {key.origin} (mode 600). Keep it safe; never share it.")
    _print_public(key.key_id, key.public.text)


def public_key(key_file: Path | None = KEY_FILE) -> None:
    """Print the public key of an existing release signing key."""
    key = load_signing_key(key_file)
    _print_public(key.key_id, key.public.text)
