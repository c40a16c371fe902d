"""Housing and homelessness cases from a district council's housing options system."""

from __future__ import annotations

from bakehouse.world.extracts import text
from bakehouse.world.extracts.files import FileFormat
from bakehouse.world.extracts.source import Rendered, Rows, Source


class Housing(Source):
    name = "housing"
    table = "housing_cases"
    # Exported from a system configured with US date settings, as "Unicode text".
    file = FileFormat(
        "housing_cases.tsv", encoding="utf-16", delimiter="\t", eol="\r\n", date_format="%m/%d/%Y"
    )
    columns = (
        "CaseRef",
        "ApplicantName",
        "ApplicantDOB",
        "HouseholdSize",
        "ChildrenInHousehold",
        "ApproachDate",
        "Reason",
        "Duty",
        "TAStart",
        "TAEnd",
        "PreviousAddress",
        "PreviousPostcode",
        "RecordedDate",
    )
    date_columns = ("ApplicantDOB", "ApproachDate", "TAStart", "TAEnd", "RecordedDate")
    number_columns = ("HouseholdSize", "ChildrenInHousehold")
    required = ("ApplicantName", "ApplicantDOB", "ApproachDate")
    rekeyed = ("ApplicantName", "PreviousAddress")
    keeps_person_record = False

    def render(self, rows: Rows) -> Rendered:
        approach = rows.numpy("approach_date")
        applicant = rows.person("applicant_id")
        # The address the household is leaving is the one the case is about: never stale.
        previous = rows.address("previous_address_id", "applicant_id", approach, stale=False)
        case_number = rows.agency_ids(rows.ids("case_id"), 10_000, 100_000)
        name = text.join(
            text.upper(text.text(applicant.surname)), text.text(applicant.forename), sep=", "
        )
        return Rendered(
            columns={
                "CaseRef": text.text("HPR" + case_number.astype(str).astype(object)),
                "ApplicantName": name,
                "ApplicantDOB": rows.dates(applicant.dob),
                "HouseholdSize": text.text(rows.column("household_size")),
                "ChildrenInHousehold": text.text(rows.column("children_in_household")),
                "ApproachDate": rows.dates(approach),
                "Reason": text.text(rows.column("reason")),
                "Duty": text.text(rows.column("duty")),
                "TAStart": rows.dates(rows.column("ta_start")),
                "TAEnd": rows.dates(rows.column("ta_end")),
                "PreviousAddress": text.street_and_town(previous),
                "PreviousPostcode": text.text(previous.postcode),
                "RecordedDate": rows.dates(rows.recorded(approach)),
            },
            person_id=rows.ids("applicant_id"),
            household_id=rows.ids("household_id"),
            event_date=approach,
        )
