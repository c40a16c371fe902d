"""Progress reporting for long steps: a do-nothing reporter for library use and tests, a Rich one
for the command line."""

from __future__ import annotations

from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class Reporter(Protocol):
    def start(self, label: str, total: int | None) -> None: ...

    def advance(self, amount: int) -> None: ...

    def finish(self) -> None: ...

    def note(self, message: str) -> None: ...


class SilentReporter:
    def start(self, label: str, total: int | None) -> None:
        return None

    def advance(self, amount: int) -> None:
        return None

    def finish(self) -> None:
        return None

    def note(self, message: str) -> None:
        return None


class RichReporter:
    """One bar per step (reading a file is measured in bytes or rows, as the reader knows)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            # Bars only on a terminal; a log gets one line per step instead.
            disable=not console.is_terminal,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, label: str, total: int | None) -> None:
        self.task = self.progress.add_task(label, total=total)
        if self.progress.disable:
            self.console.print(label, highlight=False)

    def advance(self, amount: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)

    def finish(self) -> None:
        if self.task is not None:
            task = self.progress.tasks[self.task]
            self.progress.update(self.task, completed=task.total or task.completed)
        self.task = None

    def note(self, message: str) -> None:
        self.progress.console.print(message, highlight=False)
