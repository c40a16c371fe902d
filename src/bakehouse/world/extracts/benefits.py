"""Housing benefit and council tax reduction claims from a revenues and benefits system."""

from __future__ import annotations

from bakehouse.world.extracts import text
from bakehouse.world.extracts.files import FileFormat
from bakehouse.world.extracts.source import Rendered, Rows, Source


class Benefits(Source):
    name = "benefits"
    table = "benefit_claims"
    file = FileFormat(
        "benefits_claims.csv", encoding="cp1252", delimiter=";", eol="\r\n", date_format="%d.%m.%Y"
    )
    columns = (
        "ClaimRef",
        "ClaimantNINO",
        "ClaimantForename",
        "ClaimantSurname",
        "ClaimantDOB",
        "PartnerForename",
        "PartnerSurname",
        "PartnerDOB",
        "Address",
        "Postcode",
        "ClaimType",
        "ClaimStart",
        "ClaimEnd",
        "Dependants",
        "Passported",
        "ProcessedDate",
    )
    date_columns = ("ClaimantDOB", "PartnerDOB", "ClaimStart", "ClaimEnd", "ProcessedDate")
    number_columns = ("Dependants",)
    required = ("ClaimantNINO", "ClaimantSurname", "ClaimantDOB", "ClaimStart")
    rekeyed = ("ClaimantForename", "ClaimantSurname", "Address")
    keeps_person_record = True
    national_columns = ("ClaimantNINO",)
    roles = ("claimant", "partner")

    def render(self, rows: Rows) -> Rendered:
        start = rows.numpy("claim_start")
        claimant = rows.person("claimant_id")
        partner = rows.person("partner_id")
        address = rows.address("address_id", "claimant_id", start)
        claim_ref = rows.agency_ids(rows.ids("claim_id"), 10_000_000, 100_000_000)
        return Rendered(
            columns={
                "ClaimRef": text.text(claim_ref),
                "ClaimantNINO": text.text(claimant.nino),
                "ClaimantForename": text.text(claimant.forename),
                "ClaimantSurname": text.text(claimant.surname),
                "ClaimantDOB": rows.dates(claimant.dob),
                "PartnerForename": text.text(partner.forename),
                "PartnerSurname": text.text(partner.surname),
                "PartnerDOB": rows.dates(partner.dob),
                "Address": text.street_and_town(address),
                "Postcode": text.text(address.postcode),
                "ClaimType": text.text(rows.column("claim_type")),
                "ClaimStart": rows.dates(start),
                "ClaimEnd": rows.dates(rows.column("claim_end")),
                "Dependants": text.text(rows.column("dependants")),
                "Passported": text.flags(rows.column("passported")),
                "ProcessedDate": rows.dates(rows.recorded(start)),
            },
            person_id=rows.ids("claimant_id"),
            household_id=rows.ids("household_id"),
            event_date=start,
            second_id=rows.ids("partner_id"),
        )
