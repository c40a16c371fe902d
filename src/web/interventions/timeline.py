"""The accountability timeline: an intervention's dated updates and milestones, in date order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from web.interventions.models import Intervention


@dataclass(frozen=True)
class Entry:
    on: date
    heading: str
    text: str
    kind: str  # "update", "reached", "due" or "overdue"


def timeline(intervention: Intervention, today: date) -> list[Entry]:
    entries = [
        Entry(update.on, update.get_state_display(), update.text, "update")
        for update in intervention.updates.all()
    ]
    for milestone in intervention.milestones.all():
        if milestone.done_on is not None:
            late = (
                f", due {milestone.due_on:%-d %B %Y}"
                if milestone.done_on > milestone.due_on
                else ""
            )
            entries.append(
                Entry(milestone.done_on, "Milestone reached", f"{milestone.title}{late}", "reached")
            )
        else:
            kind = "overdue" if milestone.due_on < today else "due"
            heading = "Milestone overdue" if kind == "overdue" else "Milestone due"
            entries.append(Entry(milestone.due_on, heading, milestone.title, kind))
    return sorted(entries, key=lambda entry: entry.on)
