"""The `bakehouse` command line.

Each command is a thin wrapper over a library function. Errors derived from
:class:`bakehouse.errors.BakehouseError` are printed as one plain message; ``--debug`` shows the
traceback too.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from bakehouse import __version__
from bakehouse.commands import areas as areas_command
from bakehouse.commands import custody as custody_commands
from bakehouse.commands import evaluate as evaluate_command
from bakehouse.commands import ingest as ingest_command
from bakehouse.commands import insight as insight_command
from bakehouse.commands import link as link_command
from bakehouse.commands import packs as pack_commands
from bakehouse.commands import publish as publish_command
from bakehouse.commands import recipes as recipes_commands
from bakehouse.commands import release as release_commands
from bakehouse.commands import run as run_command
from bakehouse.commands import screen as screen_command
from bakehouse.commands import train as train_command
from bakehouse.commands import world as world_command
from bakehouse.errors import BakehouseError

app = typer.Typer(
    name="bakehouse",
    help="Bakehouse: combine partnership data ethically, find where need will arise, act with "
    "communities and prove what works.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Docstrings are wrapped for the source; Markdown mode joins each paragraph's lines again.
    rich_markup_mode="markdown",
)
console = Console(stderr=True)
_state = {"debug": False}

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print a BakehouseError as a message and exit 2, unless --debug was given."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except BakehouseError as error:
            if _state["debug"]:
                raise
            console.print(f"[bold red]Error:[/] {error.message}", highlight=False)
            sys.exit(2)
        except Exception as error:
            message = _storage_message(error)
            if _state["debug"] or message is None:
                raise
            console.print(f"[bold red]Error:[/] {message}", highlight=False)
            sys.exit(2)

    return wrapper


def _storage_message(error: Exception) -> str | None:
    """A failure to read or write a file (permissions, a full disk, a read-only folder), in
    one line: which file, what the system said, and what to do; None for any other error.
    Every change is atomic, so the last good outputs are intact."""
    duckdb = sys.modules.get("duckdb")
    if isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        reason = error.strerror or type(error).__name__
    elif duckdb is not None and isinstance(error, duckdb.IOException):
        # DuckDB's input/output errors name the file and the system's reason, never values.
        where, reason = "", str(error).splitlines()[0][:300]
    else:
        return None
    return (
        f"The system refused a file operation{where}: {reason}. Nothing was changed: the last "
        "good outputs are intact. Check the folder's permissions and free space, then run again"
    )


def _version(value: bool) -> None:
    if value:
        print(f"bakehouse {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    _state["debug"] = debug


def register(command: Callable[..., Any], name: str) -> None:
    """Add a command to the app with error reporting."""
    app.command(name=name)(reports_errors(command))


register(world_command.world, "world")
register(ingest_command.ingest, "ingest")
register(train_command.train, "train")
register(areas_command.areas, "areas")
register(publish_command.publish, "publish")
register(run_command.run, "run")
register(screen_command.screen_text, "screen-text")
register(evaluate_command.evaluate, "evaluate")
register(insight_command.insight_round, "insight-round")


def _group(name: str, help_text: str, commands: dict[str, Callable[..., Any]]) -> None:
    """A command group (``bakehouse custodian init``) with the same error reporting."""
    group = typer.Typer(help=help_text, no_args_is_help=True, rich_markup_mode="markdown")
    for command_name, command in commands.items():
        group.command(name=command_name)(reports_errors(command))
    app.add_typer(group, name=name)


_group(
    "custodian",
    "The data custodian's key and its rotation, subject access requests and erasure.",
    {
        "init": custody_commands.init,
        "rotate": custody_commands.rotate,
        "sar": custody_commands.sar,
        "erase": custody_commands.erase,
    },
)
_group(
    "optout",
    "The opt-out register (people who objected).",
    {
        "add": custody_commands.optout_add,
        "list": custody_commands.optout_list,
        "remove": custody_commands.optout_remove,
    },
)
# `recipe` and `recipes` are one group under two names, so either spelling works for each job.
_RECIPE_COMMANDS = {
    "list": recipes_commands.list_recipes,
    "check": recipes_commands.check,
    "export": pack_commands.export,
    "import": pack_commands.import_,
}
_RECIPE_HELP = (
    "The recipes Bakehouse ships, checking a recipe folder of your own, and recipe packs: "
    "export one for another partnership, import one from another partnership."
)
_group("recipes", _RECIPE_HELP, _RECIPE_COMMANDS)
_group("recipe", _RECIPE_HELP, _RECIPE_COMMANDS)
_group("audit", "The hash-chained audit log.", {"verify": custody_commands.audit_verify})
_group(
    "release",
    "The partnership's release signing key: the web app imports only signed releases.",
    {"keygen": release_commands.keygen, "public-key": release_commands.public_key},
)

# `bakehouse link` links; `bakehouse link review ...` is the custodian's clerical review.
_link = typer.Typer(invoke_without_command=True, rich_markup_mode="markdown")
_link.callback()(reports_errors(link_command.link))
_review = typer.Typer(
    help="Clerical review: label a sample of pairs, estimate precision and recall.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
for _name, _command in link_command.REVIEW_COMMANDS.items():
    _review.command(name=_name)(reports_errors(_command))
_link.add_typer(_review, name="review")
app.add_typer(_link, name="link")

if __name__ == "__main__":
    app()
