"""Health visiting contacts, from an NHS community trust's child health system."""

from __future__ import annotations

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
        "RecordedDate",
    )
    date_columns = ("DOB", "ContactDate", "RecordedDate")
    number_columns = ("BirthWeightGrams", "GestationWeeks", *_ASQ)
    required = ("Forename", "Surname", "DOB", "ContactDate")
    rekeyed = ("Forename", "Surname", "Postcode")
    keeps_person_record = True

    def render(self, rows: Rows) -> Rendered:
        contact = rows.numpy("contact_date")
        child = rows.person("person_id")
        address = rows.address("address_id", "person_id", contact)
        scores = {name: text.text(rows.table.column(source)) for name, source in _ASQ.items()}
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
                "RecordedDate": rows.dates(rows.recorded(contact)),
            },
            person_id=rows.ids("person_id"),
            household_id=rows.ids("household_id"),
            event_date=contact,
        )
