"""Funded early education headcounts, as providers return them each term (an Excel workbook)."""

from __future__ import annotations

from bakehouse.world.extracts import text
from bakehouse.world.extracts.files import FileFormat
from bakehouse.world.extracts.source import Rendered, Rows, Source


class EarlyEducation(Source):
    name = "early_education"
    table = "early_education"
    # In a workbook, dates are Excel dates; the format is how a person types one as text.
    file = FileFormat("early_education.xlsx", date_format="%d/%m/%Y")
    columns = (
        "Child Surname",
        "Child Forename",
        "Date of Birth",
        "Postcode",
        "Address",
        "Funding Type",
        "Term Start",
        "Hours per Week",
        "Provider URN",
        "EYPP",
        "Return Date",
    )
    date_columns = ("Date of Birth", "Term Start", "Return Date")
    number_columns = ("Hours per Week",)
    required = ("Child Surname", "Child Forename", "Date of Birth")
    rekeyed = ("Child Surname", "Child Forename", "Address")
    # Each provider keys its children afresh every term.
    keeps_person_record = False

    def render(self, rows: Rows) -> Rendered:
        term = rows.numpy("term_start")
        child = rows.person("person_id")
        address = rows.address("address_id", "person_id", term)
        return Rendered(
            columns={
                "Child Surname": text.text(child.surname),
                "Child Forename": text.text(child.forename),
                "Date of Birth": rows.dates(child.dob),
                "Postcode": text.text(address.postcode),
                "Address": text.street_and_town(address),
                "Funding Type": text.text(rows.column("funding_type")),
                "Term Start": rows.dates(term),
                "Hours per Week": text.text(rows.column("hours_per_week")),
                "Provider URN": text.text(rows.column("provider_urn")),
                "EYPP": text.flags(rows.column("eypp")),
                "Return Date": rows.dates(rows.recorded(term)),
            },
            person_id=rows.ids("person_id"),
            household_id=rows.ids("household_id"),
            event_date=term,
        )
