"""The areas' population: a reference table of counts per LSOA, loaded from a CSV in the long
shape of an ONS table (``lsoa,measure,group,count,source``), that who a round heard is set
beside (``representation``).

A file is taken whole or not at all: a table with some rows refused would give wrong shares
without saying so. Every problem is reported at once, by row and field, never quoting a value
beyond the codes the table is made of. A file replaces the counts of the LSOAs it holds, in one
transaction; other LSOAs' counts stay.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from bakehouse.errors import SchemaError
from web.insight.models import MEASURE_GROUPS, PopulationCount

COLUMNS = ("lsoa", "measure", "group", "count", "source")
# An LSOA code of England or Wales, 2011 or 2021.
_LSOA = re.compile(r"[EW]0\d{7}")
# Problems listed in the error, at most.
SHOWN_PROBLEMS = 20


@dataclass(frozen=True)
class LoadedPopulation:
    rows: int
    areas: int
    replaced: int  # rows of those areas loaded before, now gone


def _groups(measure: str) -> dict[str, str]:
    """A measure's groups by stored value and by label, in lower case, to their stored value:
    a partnership's file may spell a group either way."""
    choices = MEASURE_GROUPS[measure]
    found = {value.lower(): value for value in choices.values}
    found |= {str(label).lower(): value for value, label in choices.choices}
    return found


def _parse(path: Path) -> tuple[list[PopulationCount], list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        raise SchemaError(
            "Cannot read the file as UTF-8 text", file=path, fix="Pass the population CSV"
        ) from None
    reader = csv.DictReader(text.splitlines())
    missing = [name for name in COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        raise SchemaError(
            f"The header lacks {', '.join(missing)}",
            file=path,
            row=1,
            field=missing[0],
            fix=f"Give the columns {','.join(COLUMNS)}",
        )
    made: list[PopulationCount] = []
    problems: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for number, row in enumerate(reader, start=2):

        def problem(field: str, what: str, row_number: int = number) -> None:
            problems.append(f"row {row_number}, field '{field}': {what}")

        lsoa = (row.get("lsoa") or "").strip().upper()
        measure = (row.get("measure") or "").strip().lower()
        if not _LSOA.fullmatch(lsoa):
            problem("lsoa", "not an LSOA code (E01... or W01...)")
        if measure not in MEASURE_GROUPS:
            problem("measure", f"not one of {', '.join(MEASURE_GROUPS)}")
            continue
        group = _groups(measure).get((row.get("group") or "").strip().lower())
        if group is None:
            problem("group", f"not a group of {measure}")
        count_text = (row.get("count") or "").strip()
        if not count_text.isdigit():
            problem("count", "not a whole number of 0 or more")
        source = (row.get("source") or "").strip()
        if not source:
            problem("source", "empty: name the table the count is from")
        if group is None or not count_text.isdigit() or not source:
            continue
        key = (lsoa, measure, group)
        if key in seen:
            problem("group", f"{lsoa} {measure} {group} given twice")
            continue
        seen.add(key)
        made.append(
            PopulationCount(
                lsoa11cd=lsoa,
                measure=measure,
                group=group,
                count=int(count_text),
                source=source[:300],
            )
        )
    return made, problems


def load_population(path: Path) -> LoadedPopulation:
    """Load the population CSV at ``path``, replacing the counts of the LSOAs it holds."""
    made, problems = _parse(path)
    if problems:
        more = len(problems) - SHOWN_PROBLEMS
        listed = "; ".join(problems[:SHOWN_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        raise SchemaError(
            f"{len(problems)} problem(s), nothing loaded: {listed}",
            file=path,
            fix="Correct the rows named and load the file again",
        )
    if not made:
        raise SchemaError("No rows", file=path, fix="Pass a file with at least one count")
    areas = sorted({item.lsoa11cd for item in made})
    with transaction.atomic():
        replaced, _ = PopulationCount.objects.filter(lsoa11cd__in=areas).delete()
        PopulationCount.objects.bulk_create(made, batch_size=1000)
    return LoadedPopulation(rows=len(made), areas=len(areas), replaced=replaced)
