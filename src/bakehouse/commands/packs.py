"""`bakehouse recipe export` and `bakehouse recipe import`: a recipe as one signed pack another
partnership verifies, installs and bakes on its own data."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from bakehouse.commands.options import RECIPE, WORKSPACE
from bakehouse.commands.release import SIGNING_KEY

console = Console()

SPECS = typer.Option(
    None, file_okay=False, help="Folder of source specifications (default: the shipped ones)."
)
AGREEMENTS = typer.Option(
    None, file_okay=False, help="Folder of data sharing agreements (default: the shipped ones)."
)


def export(
    recipe: str = RECIPE,
    workspace: Path = WORKSPACE,
    out: Path = typer.Option(..., dir_okay=False, help="The pack file to write (a zip)."),
    specs: Path | None = SPECS,
    agreements: Path | None = AGREEMENTS,
    signing_key: Path | None = SIGNING_KEY,
    interventions: list[Path] = typer.Option(
        [],
        "--interventions",
        dir_okay=False,
        help="An intervention file of this recipe (TIDieR and plan) to carry (repeatable).",
    ),
    insight: Path | None = typer.Option(
        None,
        dir_okay=False,
        help="The community insight summary the web app published for this recipe "
        "(`manage.py export_insight_summary`), carried as insight/summary.json.",
    ),
) -> None:
    """Export a recipe as a signed pack: the recipe folder, a specification and an agreement
    template per source, the last model run's model card and transparency record, the
    intervention files given, the evaluations kept for publication and the community insight
    summary given, an evidence summary and the licence. Every file passes the output checker's
    rules first."""
    from bakehouse.packs import ExportOptions, export_pack
    from bakehouse.recipes import load_recipe
    from bakehouse.release.signing import load_signing_key

    result = export_pack(
        ExportOptions(
            recipe=load_recipe(recipe, workspace),
            workspace=workspace,
            out=out,
            signing_key=load_signing_key(signing_key),
            specs=specs,
            agreements=agreements,
            interventions=tuple(interventions),
            insight=insight,
        )
    )
    document = result.manifest
    console.print(
        f"Pack of [bold]{document.recipe.id}[/] version {document.recipe.version} written to "
        f"{result.path} ({len(document.files)} files: {', '.join(document.sections)}).",
        highlight=False,
    )
    for why in document.not_included.values():
        console.print(f"Not included: {why}.", highlight=False)
    console.print(f"SHA-256 of the pack: {result.sha256}", highlight=False)
    console.print(
        f"Signed by key {result.key_id}. Give the receiving partnership this public key by a "
        "channel they trust, and read them the key id to compare:",
        highlight=False,
    )
    print(result.public_key)


def import_(
    pack: Path = typer.Argument(..., dir_okay=False, help="The pack file (a zip)."),
    workspace: Path = WORKSPACE,
    public_key: list[str] = typer.Option(
        ...,
        "--public-key",
        help="The publishing partnership's public key (ed25519:...), as they gave it to you "
        "(repeatable).",
    ),
    specs: Path | None = typer.Option(
        None, file_okay=False, help="Your source specifications: say which are in place."
    ),
    agreements: Path | None = typer.Option(
        None, file_okay=False, help="Your data sharing agreements: say which are in place."
    ),
    sources: Path | None = typer.Option(
        None, file_okay=False, help="Your extracts (or a world folder): say which are there."
    ),
    replace: bool = typer.Option(False, help="Replace the recipe if already installed."),
) -> None:
    """Verify a pack's signature and every file's hash, validate every part, install the recipe
    in the workspace (`bakehouse run --recipe ID --workspace WS` then finds it) and show what
    the partnership must supply before it can run."""
    from bakehouse.packs import Supplied, install_pack, read_pack
    from bakehouse.release.signing import parse_public_key

    trusted = [parse_public_key(text) for text in public_key]
    verified = read_pack(pack, trusted)
    installed = install_pack(
        verified,
        workspace,
        trusted,
        Supplied(specs=specs, agreements=agreements, sources=sources),
        replace=replace,
    )
    recipe = installed.recipe.recipe
    console.print(
        f"Signature by key {installed.key_id} verified; {len(verified.manifest.files)} files "
        f"match their hashes (pack SHA-256 {verified.sha256}).",
        highlight=False,
    )
    console.print(
        f"[bold]{recipe.id}[/] version {recipe.version} installed in {installed.recipe.folder}"
        + (" (replacing the one there)" if installed.replaced else "")
        + f"; the pack is kept in {installed.pack_folder}.",
        highlight=False,
    )
    table = Table(title="What the partnership must supply before the recipe can run")
    for column in ("source", "used for", "specification", "agreement", "extract"):
        table.add_column(column, overflow="fold")
    templates: dict[str, tuple[str, ...]] = {}
    for status in installed.sources:
        table.add_row(
            status.need.source,
            status.need.why,
            _state(status.specification_in_place, "--specs"),
            f"{status.need.agreement}: " + _state(status.agreement_in_place, "--agreements"),
            _state(status.extract_found, "--sources"),
        )
        templates[status.need.specification] = status.specification_fill_in
        templates[status.need.agreement_template] = status.agreement_fill_in
    console.print(table)
    console.print(
        f"Templates to complete where yours are missing (in {installed.pack_folder}):",
        highlight=False,
    )
    for name, blanks in templates.items():
        console.print(f"  {name}: fill in {', '.join(blanks) or 'nothing'}", highlight=False)
    for intervention in installed.interventions:
        console.print(
            f"Intervention installed: {intervention.title} ({intervention.path})", highlight=False
        )
    for evaluation in installed.evaluations:
        console.print(
            f"Evaluation installed: {evaluation.intervention or 'an intervention not described'}"
            f" ({evaluation.registration}): {evaluation.verdict} ({evaluation.path})",
            highlight=False,
        )
    if installed.insight is not None:
        console.print(
            f"Community insight installed: {installed.insight.rounds} round(s) and "
            f"{installed.insight.surveys} survey(s), published figures only "
            f"({installed.insight.path}); the evidence summary says what communities said.",
            highlight=False,
        )
    absent = list(verified.manifest.not_included.values())
    console.print(
        (f"Not in this pack: {'; '.join(absent)}. " if absent else "")
        + "This recipe names no community assets.",
        highlight=False,
    )
    console.print(
        f"Then: bakehouse run --recipe {recipe.id} --workspace {workspace} --sources EXTRACTS "
        "--specs YOUR_SPECS --agreements YOUR_AGREEMENTS"
        + (" (everything above is in place)" if installed.ready else ""),
        highlight=False,
    )


def _state(in_place: bool | None, option: str) -> str:
    if in_place is None:
        return f"not looked for (give {option})"
    return "in place" if in_place else "missing"
