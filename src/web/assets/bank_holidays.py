"""Bank holidays in England and Wales, for opening hours in plain words.

Source: GOV.UK, "UK bank holidays" (https://www.gov.uk/bank-holidays), England and Wales,
as published for 2025 to 2028, substitute days included (a holiday falling at a weekend moves
to the next weekday, and only that weekday is a bank holiday). Extend the table when GOV.UK
publishes another year; past its last date the pages name no next bank holiday rather than
guess one (ADR 0027 says why this is a table, not a library).
"""

from __future__ import annotations

from datetime import date

BANK_HOLIDAYS: dict[date, str] = {
    date(2025, 1, 1): "New Year’s Day",
    date(2025, 4, 18): "Good Friday",
    date(2025, 4, 21): "Easter Monday",
    date(2025, 5, 5): "Early May bank holiday",
    date(2025, 5, 26): "Spring bank holiday",
    date(2025, 8, 25): "Summer bank holiday",
    date(2025, 12, 25): "Christmas Day",
    date(2025, 12, 26): "Boxing Day",
    date(2026, 1, 1): "New Year’s Day",
    date(2026, 4, 3): "Good Friday",
    date(2026, 4, 6): "Easter Monday",
    date(2026, 5, 4): "Early May bank holiday",
    date(2026, 5, 25): "Spring bank holiday",
    date(2026, 8, 31): "Summer bank holiday",
    date(2026, 12, 25): "Christmas Day",
    date(2026, 12, 28): "Boxing Day (substitute day)",
    date(2027, 1, 1): "New Year’s Day",
    date(2027, 3, 26): "Good Friday",
    date(2027, 3, 29): "Easter Monday",
    date(2027, 5, 3): "Early May bank holiday",
    date(2027, 5, 31): "Spring bank holiday",
    date(2027, 8, 30): "Summer bank holiday",
    date(2027, 12, 27): "Christmas Day (substitute day)",
    date(2027, 12, 28): "Boxing Day (substitute day)",
    date(2028, 1, 3): "New Year’s Day (substitute day)",
    date(2028, 4, 14): "Good Friday",
    date(2028, 4, 17): "Easter Monday",
    date(2028, 5, 1): "Early May bank holiday",
    date(2028, 5, 29): "Spring bank holiday",
    date(2028, 8, 28): "Summer bank holiday",
    date(2028, 12, 25): "Christmas Day",
    date(2028, 12, 26): "Boxing Day",
}


def next_bank_holiday(today: date) -> tuple[date, str] | None:
    """The first bank holiday on or after ``today``; None past the table's last year."""
    upcoming = sorted(day for day in BANK_HOLIDAYS if day >= today)
    return (upcoming[0], BANK_HOLIDAYS[upcoming[0]]) if upcoming else None


def is_bank_holiday(day: date) -> bool:
    return day in BANK_HOLIDAYS
