"""How long work says how far it has gone: a callable ``(done, total, step)`` the work calls as
it goes, and the one that writes it to a job for its page to show."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from web.jobs.models import Job

# A job's page asks every two seconds; writing more often would only load the database.
MIN_INTERVAL = 0.5


class Progress(Protocol):
    """Called by long work with how many of ``total`` things are done and the step it is at
    ("Checking records"). Work calls it outside any transaction it holds open, so that what it
    writes is seen at once by the pages that read it."""

    def __call__(self, done: int, total: int, step: str) -> None: ...


def no_progress(done: int, total: int, step: str) -> None:
    """For work run where nobody watches it move (tests, scripts)."""


class JobProgress:
    """Writes progress to a job: at every new step, at the end of each step, and in between at
    most every ``MIN_INTERVAL`` seconds, so that checking a feed of thousands of records does not
    write thousands of rows."""

    def __init__(self, job_id: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.job_id = job_id
        self.clock = clock
        self.writes = 0
        self._step: str | None = None
        self._written_at = 0.0

    def __call__(self, done: int, total: int, step: str) -> None:
        now = self.clock()
        same_step = step == self._step
        if same_step and done < total and now - self._written_at < MIN_INTERVAL:
            return
        Job.objects.filter(pk=self.job_id).update(done=done, total=total, step=step[:200])
        self._step = step
        self._written_at = now
        self.writes += 1


class PrintedProgress:
    """Prints progress for a management command: each new step, then each tenth of the way."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write = write
        self._step: str | None = None
        self._tenth = -1

    def __call__(self, done: int, total: int, step: str) -> None:
        tenth = 10 * done // total if total else 10
        if step == self._step and tenth == self._tenth:
            return
        self._step, self._tenth = step, tenth
        self.write(f"{step}: {done} of {total}" if total else step)
