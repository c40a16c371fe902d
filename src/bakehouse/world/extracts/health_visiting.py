"""Health visiting contacts, from an NHS community trust's child health system."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bakehouse.world.extracts import text
from bakehouse.world.extracts.files import FileFormat
from bakehouse.world.extracts.source import Rendered, Rows, Source

_ASQ = {
    "ASQ_Communication": "asq_communication",
    "ASQ_GrossMotor": "asq_gross_motor",
    "ASQ_FineMotor": "asq_fine_motor",
    "ASQ_ProblemSolving": "asq_problem_solving",
    "ASQ_PersonalSocial": "asq_personal_social",
}
# The child health system records the child's (in practice the family's) main spoken language,
# for interpreters; the field is blank for some children, the same children on every contact.
LANGUAGE_RECORDED = 0.85


def _language_recorded(person_id: np.ndarray) -> np.ndarray:
    """Whether the language field is filled in for each row's child: a fixed draw per child
    (a hash of the id), so it needs no random stream and agrees across contacts."""
    mixed = (person_id.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)
    return (mixed.astype(np.float64) / float(1 << 24)) < LANGUAGE_RECORDED


class HealthVisiting(Source):
    name = "health_visiting"
    table = "hv_contacts"
    file = FileFormat(
        "health_visiting.psv", encoding="utf-8-sig", delimiter="|", date_format="%Y%m%d"
    )
    columns = (
        "NHSNumber",
        "Forename",
        "Surname",
        "DOB",
        "Sex",
        "Postcode",
        "ContactType",
        "ContactDate",
        "BirthWeightGrams",
        "GestationWeeks",
        *_ASQ,
        "MaternalMoodConcern",
        "PreferredLanguage",
        "RecordedDate",
    )
    date_columns = ("DOB", "ContactDate", "RecordedDate")
    number_columns = ("BirthWeightGrams", "GestationWeeks", *_ASQ)
    required = ("Forename", "Surname", "DOB", "ContactDate")
    rekeyed = ("Forename", "Surname", "Postcode")
    keeps_person_record = True
    national_columns = ("NHSNumber",)

    def render(self, rows: Rows) -> Rendered:
        contact = rows.numpy("contact_date")
        child = rows.person("person_id")
        address = rows.address("address_id", "person_id", contact)
        scores = {name: text.text(rows.table.column(source)) for name, source in _ASQ.items()}
        language = pc.if_else(
            pa.array(_language_recorded(child.person_id) & (child.person_id >= 0)),
            text.upper(text.text(child.first_language)),
            pa.scalar(None, pa.string()),
        )
        return Rendered(
            columns={
                "NHSNumber": text.text(child.nhs_number),
                "Forename": text.text(child.forename),
                "Surname": text.text(child.surname),
                "DOB": rows.dates(child.dob),
                "Sex": text.codes(child.sex, {"M": "1", "F": "2"}),
                "Postcode": text.text(address.postcode),
                "ContactType": text.text(rows.column("contact_type")),
                "ContactDate": rows.dates(contact),
                "BirthWeightGrams": text.text(rows.column("birth_weight_grams")),
                "GestationWeeks": text.text(rows.column("gestation_weeks")),
                **scores,
                "MaternalMoodConcern": text.flags(rows.column("maternal_mood_concern")),
                "PreferredLanguage": language,
                "RecordedDate": rows.dates(rows.recorded(contact)),
            },
            person_id=rows.ids("person_id"),
            household_id=rows.ids("household_id"),
            event_date=contact,
        )
