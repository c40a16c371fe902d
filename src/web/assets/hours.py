"""Opening hours in plain words, from ORUK schedules: "Saturdays, 10am to 12 noon", "every
other Tuesday", "the first Saturday of the month", and what a schedule says about bank
holidays, with the next one that falls on its days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from enum import Enum
from typing import Any

from web.assets.bank_holidays import BANK_HOLIDAYS
from web.assets.search import DAYS

WEEK = list(DAYS)
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
# An RFC 5545 day, with the week of the month a monthly schedule may give ("1SA", "-1FR").
DAY_CODE = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")


class BankHolidays(Enum):
    CLOSED = "closed"
    OPEN = "open"
    NOT_SAID = "not said"


@dataclass(frozen=True)
class Opening:
    """One schedule in words. ``bank_holidays`` is what the schedule says about them."""

    when: str
    hours: str
    valid: str
    description: str
    bank_holidays: BankHolidays
    days: frozenset[str]

    def sentence(self) -> str:
        parts = [part for part in (self.when, self.hours) if part]
        text = ", ".join(parts)
        text = text[:1].upper() + text[1:]
        if self.valid:
            text = f"{text} ({self.valid})" if text else self.valid[:1].upper() + self.valid[1:]
        if text and self.description:
            return f"{text}. {self.description}"
        return text or self.description


def clock(moment: time) -> str:
    """10:00 -> "10am", 09:30 -> "9:30am", 12:00 -> "12 noon", 00:00 -> "12 midnight"."""
    if moment.minute == 0 and moment.hour in (0, 12):
        return "12 noon" if moment.hour == 12 else "12 midnight"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{suffix}"


def _day_names(codes: list[str], plural: bool) -> str:
    ordered = sorted(set(codes), key=WEEK.index)
    names = [DAYS[code].capitalize() + ("s" if plural else "") for code in ordered]
    positions = [WEEK.index(code) for code in ordered]
    if len(ordered) >= 3 and positions == list(range(positions[0], positions[-1] + 1)):
        return f"{DAYS[ordered[0]].capitalize()} to {DAYS[ordered[-1]].capitalize()}"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _interval(fields: dict[str, Any]) -> int:
    value = fields.get("interval")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 1:
        return 1
    return int(value)


def _weekly(codes: list[str], interval: int) -> str:
    if interval == 1:
        return _day_names(codes, plural=True)
    if interval == 2:
        return f"every other {_day_names(codes, plural=False)}"
    return f"every {interval} weeks on {_day_names(codes, plural=False)}"


def _monthly(parts: list[tuple[int | None, str]], fields: dict[str, Any]) -> str:
    described = []
    for week, code in parts:
        day = DAYS[code].capitalize()
        if week in ORDINALS:
            described.append(f"the {ORDINALS[week]} {day}")
        else:
            described.append(f"every {day}")
    if described:
        return " and ".join(described) + " of the month"
    month_days = [
        int(text)
        for text in str(fields.get("bymonthday") or "").split(",")
        if text.strip().isdigit()
    ]
    if month_days:
        return "on the " + " and ".join(_ordinal_day(day) for day in month_days) + " of the month"
    return "once a month"


def _ordinal_day(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _parts(byday: str) -> list[tuple[int | None, str]]:
    parts = []
    for text in byday.upper().split(","):
        found = DAY_CODE.match(text.strip())
        if found:
            week = int(found.group(1)) if found.group(1) else None
            parts.append((week, found.group(2)))
    return parts


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _validity(fields: dict[str, Any]) -> str:
    start, end = _date(fields.get("valid_from")), _date(fields.get("valid_to"))
    words = []
    if start is not None:
        words.append(f"from {start.day} {start:%B %Y}")
    if end is not None:
        words.append(f"until {end.day} {end:%B %Y}")
    return " ".join(words)


def _bank_holidays(fields: dict[str, Any]) -> BankHolidays:
    """What the schedule's own words say about bank holidays."""
    text = " ".join(
        str(fields.get(key) or "") for key in ("description", "notes", "attending_type")
    ).lower()
    if "bank holiday" not in text:
        return BankHolidays.NOT_SAID
    if re.search(r"\b(closed|not open|no sessions?|except)\b", text):
        return BankHolidays.CLOSED
    return BankHolidays.OPEN


def opening(
    fields: dict[str, Any], byday: str, freq: str, opens_at: time | None, closes_at: time | None
) -> Opening:
    """One schedule (its published ``fields`` and the columns read from them) in words."""
    parts = _parts(byday)
    codes = [code for _, code in parts]
    if freq == "MONTHLY":
        when = _monthly(parts, fields)
    elif codes:
        when = _weekly(codes, _interval(fields))
    else:
        when = ""
    hours = f"{clock(opens_at)} to {clock(closes_at)}" if opens_at and closes_at else ""
    return Opening(
        when=when,
        hours=hours,
        valid=_validity(fields),
        description=str(fields.get("description") or ""),
        bank_holidays=_bank_holidays(fields),
        days=frozenset(codes),
    )


def next_bank_holiday_on(days: frozenset[str], today: date) -> tuple[date, str] | None:
    """The next bank holiday that falls on one of ``days`` (all days when empty)."""
    for day in sorted(BANK_HOLIDAYS):
        if day >= today and (not days or WEEK[day.weekday()] in days):
            return day, BANK_HOLIDAYS[day]
    return None
