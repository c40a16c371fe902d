"""Domestic abuse incidents from a police records system: one row per person involved."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bakehouse.world.extracts import text
from bakehouse.world.extracts.files import FileFormat
from bakehouse.world.extracts.source import Rendered, Rows, Source

# Officers often record a child present by name and approximate age only.
CHILD_DOB_BLANK = 0.6
FORCE_CODE = "42"


class Police(Source):
    name = "police"
    table = "da_incidents"
    file = FileFormat(
        "police_da_incidents.csv", encoding="utf-8", delimiter=",", date_format="%d-%b-%Y %H:%M"
    )
    columns = (
        "IncidentRef",
        "IncidentDateTime",
        "Role",
        "Surname",
        "Forename",
        "DOB",
        "Address",
        "DASHRisk",
        "RecordedDate",
    )
    date_columns = ("IncidentDateTime", "DOB", "RecordedDate")
    required = ("Surname", "Forename", "Address")
    rekeyed = ("Surname", "Forename", "Address")
    # Each incident is keyed afresh by the attending officer.
    keeps_person_record = False

    def render(self, rows: Rows) -> Rendered:
        when = rows.numpy("incident_time").astype("datetime64[s]")
        day = when.astype("datetime64[D]")
        person = rows.person("person_id")
        address = rows.address("address_id", "person_id", day)
        dob = rows.dates(person.dob)
        child = np.asarray(rows.numpy("role") == "Child Present", dtype=bool)
        blank = child & (rows.rng.random(len(rows)) < CHILD_DOB_BLANK)
        dob = pc.if_else(pa.array(blank), pa.scalar(None, pa.string()), dob)
        recorded = rows.recorded(day).astype("datetime64[s]")
        recorded = recorded + rows.rng.integers(7 * 3600, 23 * 3600, size=len(rows))
        return Rendered(
            columns={
                "IncidentRef": self._references(rows, when),
                "IncidentDateTime": rows.dates(when),
                "Role": text.text(rows.column("role")),
                "Surname": text.upper(text.text(person.surname)),
                "Forename": text.upper(text.text(person.forename)),
                "DOB": dob,
                "Address": text.abbreviated_line(address),
                "DASHRisk": text.text(rows.column("dash_risk")),
                "RecordedDate": rows.dates(np.maximum(recorded, when)),
            },
            person_id=rows.ids("person_id"),
            household_id=rows.ids("household_id"),
            event_date=day,
        )

    @staticmethod
    def _references(rows: Rows, when: np.ndarray) -> pa.Array:
        """ "42/123456/19": force, the incident's number, the year it was raised."""
        number = pa.array(rows.agency_ids(rows.ids("incident_id"), 100_000, 1_000_000))
        year = pa.array((when.astype("datetime64[Y]").astype(np.int64) + 1970) % 100)
        yy = pc.utf8_lpad(year.cast(pa.string()), width=2, padding="0")
        return text.join(pa.array([FORCE_CODE] * len(rows)), number.cast(pa.string()), yy, sep="/")
