"""Children's social care referrals, as a case management system exports them."""

from __future__ import annotations

from bakehouse.world.extracts import text
from bakehouse.world.extracts.files import FileFormat
from bakehouse.world.extracts.source import Rendered, Rows, Source

# Social care systems record ethnicity as the description, not the DfE code.
ETHNICITY_LABELS = {
    "WBRI": "White British",
    "WOTH": "Any other White background",
    "MIXD": "Mixed / multiple ethnic groups",
    "ASIA": "Asian or Asian British",
    "BLAC": "Black or Black British",
    "OTHE": "Any other ethnic group",
}


class Csc(Source):
    name = "csc"
    table = "csc_episodes"
    file = FileFormat(
        "csc_referrals.csv", encoding="utf-8", delimiter=",", eol="\r\n", date_format="%d/%m/%Y"
    )
    columns = (
        "CHILD_ID",
        "FORENAME",
        "SURNAME",
        "DOB",
        "GENDER",
        "ETHNICITY",
        "NHS_NUMBER",
        "ADDRESS",
        "POSTCODE",
        "REFERRAL_DATE",
        "REFERRAL_SOURCE",
        "PRIMARY_NEED",
        "OUTCOME",
        "EPISODE_START",
        "EPISODE_END",
        "RECORDED_DATE",
    )
    date_columns = ("DOB", "REFERRAL_DATE", "EPISODE_START", "EPISODE_END", "RECORDED_DATE")
    required = ("FORENAME", "SURNAME", "DOB", "REFERRAL_DATE")
    rekeyed = ("FORENAME", "SURNAME", "ADDRESS")
    keeps_person_record = True
    national_columns = ("NHS_NUMBER",)

    def render(self, rows: Rows) -> Rendered:
        referred = rows.numpy("referral_date")
        child = rows.person("person_id")
        address = rows.address("address_id", "person_id", referred)
        # The system's own child number: one per child, in a range of its own.
        child_id = rows.agency_ids(rows.ids("person_id"), 100_000, 1_000_000)
        # Case systems show NHS numbers in the 3-3-4 groups printed on NHS letters.
        nhs = text.text(child.nhs_number)
        nhs = text.join(
            text.slice_text(nhs, 0, 3), text.slice_text(nhs, 3, 6), text.slice_text(nhs, 6, 10)
        )
        return Rendered(
            columns={
                "CHILD_ID": text.text(child_id),
                "FORENAME": text.text(child.forename),
                "SURNAME": text.text(child.surname),
                "DOB": rows.dates(child.dob),
                "GENDER": text.codes(child.sex, {"M": "Male", "F": "Female"}),
                "ETHNICITY": text.codes(child.ethnicity, ETHNICITY_LABELS),
                "NHS_NUMBER": nhs,
                "ADDRESS": text.street_and_town(address),
                "POSTCODE": text.text(address.postcode),
                "REFERRAL_DATE": rows.dates(referred),
                "REFERRAL_SOURCE": text.text(rows.column("referral_source")),
                "PRIMARY_NEED": text.text(rows.column("primary_need")),
                "OUTCOME": text.text(rows.column("outcome")),
                "EPISODE_START": rows.dates(rows.column("episode_start")),
                "EPISODE_END": rows.dates(rows.column("episode_end")),
                "RECORDED_DATE": rows.dates(rows.recorded(referred)),
            },
            person_id=rows.ids("person_id"),
            household_id=rows.ids("household_id"),
            event_date=referred,
        )
