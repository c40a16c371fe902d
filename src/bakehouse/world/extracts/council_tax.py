"""Council tax accounts and single person discounts from a district council's revenues system."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from bakehouse.world.extracts import text
from bakehouse.world.extracts.files import FileFormat
from bakehouse.world.extracts.source import Rendered, Rows, Source


class CouncilTax(Source):
    name = "council_tax"
    table = "council_tax"
    # Revenues systems export pipe-delimited text with Windows line ends.
    file = FileFormat(
        "council_tax_accounts.csv",
        encoding="utf-8",
        delimiter="|",
        eol="\r\n",
        date_format="%d/%m/%Y",
    )
    columns = (
        "AccountRef",
        "PropertyRef",
        "LiableForename",
        "LiableSurname",
        "JointForename",
        "JointSurname",
        "Address",
        "Postcode",
        "AccountStart",
        "AccountEnd",
        "Discount",
        "DiscountStart",
        "DiscountEnd",
    )
    date_columns = ("AccountStart", "AccountEnd", "DiscountStart", "DiscountEnd")
    required = ("AccountRef", "LiableSurname", "Address", "AccountStart")
    rekeyed = ("LiableForename", "LiableSurname", "Address")
    # One person record per council taxpayer, reused on every account they hold.
    keeps_person_record = True
    roles = ("liable", "joint")

    def render(self, rows: Rows) -> Rendered:
        start = rows.numpy("account_start").astype("datetime64[D]")
        liable = rows.person("liable_id")
        joint = rows.person("joint_id")
        # The account is the property's: its address is never an earlier one.
        address = rows.address("address_id", "liable_id", start, stale=False)
        awarded = rows.column("discount_start")
        return Rendered(
            columns={
                "AccountRef": text.text(
                    rows.agency_ids(rows.ids("account_id"), 10_000_000, 100_000_000)
                ),
                "PropertyRef": text.text(
                    rows.agency_ids(rows.ids("address_id"), 100_000_000, 1_000_000_000)
                ),
                "LiableForename": text.text(liable.forename),
                "LiableSurname": text.text(liable.surname),
                "JointForename": text.text(joint.forename),
                "JointSurname": text.text(joint.surname),
                "Address": text.street_and_town(address),
                "Postcode": text.text(address.postcode),
                "AccountStart": rows.dates(start),
                "AccountEnd": rows.dates(rows.column("account_end")),
                "Discount": pc.if_else(pc.is_valid(awarded), "SPD", pa.scalar(None, pa.string())),
                "DiscountStart": rows.dates(awarded),
                "DiscountEnd": rows.dates(rows.column("discount_end")),
            },
            person_id=rows.ids("liable_id"),
            household_id=rows.ids("household_id"),
            event_date=start,
            second_id=rows.ids("joint_id"),
        )
