"""The school census (January), with Early Years Foundation Stage Profile results."""

from __future__ import annotations

from bakehouse.world.extracts import text
from bakehouse.world.extracts.files import FileFormat
from bakehouse.world.extracts.source import Rendered, Rows, Source


class Education(Source):
    name = "education"
    table = "school_census"
    file = FileFormat(
        "school_census.csv", encoding="cp1252", delimiter=",", eol="\r\n", date_format="%Y-%m-%d"
    )
    columns = (
        "UPN",
        "LegalSurname",
        "LegalForename",
        "DOB",
        "Gender",
        "Ethnicity",
        "FirstLanguage",
        "FSMEligible",
        "SENProvision",
        "Postcode",
        "AddressLine1",
        "CensusDate",
        "NCYearActual",
        "EYFSP_GLD",
        "EYFSP_Year",
    )
    date_columns = ("DOB", "CensusDate")
    number_columns = ("EYFSP_Year",)
    required = ("UPN", "LegalSurname", "LegalForename", "DOB")
    rekeyed = ("LegalSurname", "LegalForename", "AddressLine1")
    keeps_person_record = True
    national_columns = ("UPN",)
    # A legal name comes from the birth certificate: schools do not record nicknames here.
    uses_nicknames = False

    def render(self, rows: Rows) -> Rendered:
        census = rows.numpy("census_date")
        pupil = rows.person("person_id")
        address = rows.address("address_id", "person_id", census)
        return Rendered(
            columns={
                "UPN": text.text(pupil.upn),
                "LegalSurname": text.text(pupil.surname),
                "LegalForename": text.text(pupil.forename),
                "DOB": rows.dates(pupil.dob),
                "Gender": text.text(pupil.sex),
                "Ethnicity": text.text(pupil.ethnicity),
                "FirstLanguage": text.upper(text.text(pupil.first_language)),
                "FSMEligible": text.flags(rows.column("fsm_eligible"), "1", "0"),
                "SENProvision": text.text(rows.column("sen_provision")),
                "Postcode": text.text(address.postcode),
                "AddressLine1": text.street_line(address),
                "CensusDate": rows.dates(census),
                "NCYearActual": text.text(rows.column("nc_year")),
                "EYFSP_GLD": text.flags(rows.column("eyfsp_gld")),
                "EYFSP_Year": text.text(rows.column("eyfsp_year")),
            },
            person_id=rows.ids("person_id"),
            household_id=rows.ids("household_id"),
            event_date=census,
        )
