"""Referrals to the MARAC, as the coordinator's referral log holds them (exported from Excel)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bakehouse.world.extracts import text
from bakehouse.world.extracts.files import FileFormat
from bakehouse.world.extracts.source import Rendered, Rows, Source


class Marac(Source):
    name = "marac"
    table = "marac_referrals"
    # Saved from the coordinator's spreadsheet as "CSV UTF-8": a byte order mark, CRLF lines.
    file = FileFormat(
        "marac_referrals.csv",
        encoding="utf-8-sig",
        delimiter=",",
        eol="\r\n",
        date_format="%d/%m/%Y",
    )
    columns = (
        "MARACRef",
        "ReferralDate",
        "VictimForename",
        "VictimSurname",
        "VictimDOB",
        "Address",
        "Postcode",
        "ReferringAgency",
        "RecordedDate",
    )
    date_columns = ("ReferralDate", "VictimDOB", "RecordedDate")
    required = ("MARACRef", "ReferralDate", "VictimSurname")
    rekeyed = ("VictimForename", "VictimSurname", "Address")
    # Each referral form is typed in afresh from what the referring agency sent.
    keeps_person_record = False

    def render(self, rows: Rows) -> Rendered:
        referral = rows.numpy("referral_date").astype("datetime64[D]")
        victim = rows.person("person_id")
        address = rows.address("address_id", "person_id", referral)
        return Rendered(
            columns={
                "MARACRef": self._references(rows, referral),
                "ReferralDate": rows.dates(referral),
                "VictimForename": text.text(victim.forename),
                "VictimSurname": text.text(victim.surname),
                "VictimDOB": rows.dates(victim.dob),
                "Address": text.street_and_town(address),
                "Postcode": text.text(address.postcode),
                "ReferringAgency": text.text(rows.column("referring_agency")),
                "RecordedDate": rows.dates(rows.recorded(referral)),
            },
            person_id=rows.ids("person_id"),
            household_id=rows.ids("household_id"),
            event_date=referral,
        )

    @staticmethod
    def _references(rows: Rows, referral: np.ndarray) -> pa.Array:
        """ "BAS/23/1234": the MARAC, the year of the referral, its number in the log."""
        number = pa.array(rows.agency_ids(rows.ids("referral_id"), 1_000, 10_000))
        year = pa.array((referral.astype("datetime64[Y]").astype(np.int64) + 1970) % 100)
        yy = pc.utf8_lpad(year.cast(pa.string()), width=2, padding="0")
        marac = pa.array(["BAS"] * len(rows), pa.string())
        return text.join(marac, yy, number.cast(pa.string()), sep="/")
