"""The public summary of the data sharing agreements the pipeline runs under: who shares,
why, on what lawful basis, and until when. Read from the agreement files that ship with the
pipeline (``bakehouse.ingest``), the same ones ingestion enforces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bakehouse.ingest import Agreement


@dataclass(frozen=True)
class Party:
    organisation: str
    role: str


@dataclass(frozen=True)
class AgreementSummary:
    id: str
    title: str
    version: str
    status: str
    in_force: bool
    parties: tuple[Party, ...]
    controllership: str
    purposes: tuple[tuple[str, str], ...]  # (description, why sharing is necessary)
    lawful_basis: tuple[tuple[str, str], ...]  # (label, text)
    start_date: date
    review_date: date
    end_date: date | None
    retention: str
    rights: tuple[str, ...]
    dpia_outcome: str
    contacts: tuple[tuple[str, str], ...]  # (role, email)


@cache
def _agreements() -> tuple[Agreement, ...]:
    # The pipeline's ingestion package is large; read it only when this page is first opened.
    from bakehouse.ingest import load_agreements

    unique = {agreement.id: agreement for agreement in load_agreements().values()}
    return tuple(sorted(unique.values(), key=lambda agreement: agreement.title))


def _status(agreement: Agreement, today: date) -> tuple[str, bool]:
    if today < agreement.start_date:
        return f"Not in force until {agreement.start_date:%-d %B %Y}", False
    if agreement.end_date is not None and today > agreement.end_date:
        return f"Ended on {agreement.end_date:%-d %B %Y}", False
    if today > agreement.review_date:
        return (
            f"Past its review date ({agreement.review_date:%-d %B %Y}): no new data is taken "
            "until the partners review it",
            False,
        )
    return "In force", True


def _lawful_basis(agreement: Agreement) -> tuple[tuple[str, str], ...]:
    basis = agreement.lawful_basis
    lines = [("UK GDPR Article 6", basis.article_6)]
    if basis.special_category is not None:
        condition = basis.special_category
        lines.append(
            (
                "Special category data (Article 9)",
                f"{condition.article}; {condition.dpa_2018_schedule_1}",
            )
        )
    if basis.criminal_offence is not None:
        condition = basis.criminal_offence
        lines.append(
            (
                "Criminal offence data (Article 10)",
                f"{condition.article}; {condition.dpa_2018_schedule_1}",
            )
        )
    if basis.law_enforcement_part_3:
        lines.append(("Law enforcement (DPA 2018 Part 3)", basis.law_enforcement_part_3))
    if basis.common_law_confidentiality:
        lines.append(("Duty of confidentiality", basis.common_law_confidentiality))
    if basis.statutory_gateways:
        lines.append(("Laws that allow the sharing", "; ".join(basis.statutory_gateways)))
    return tuple(lines)


def _rights(agreement: Agreement) -> tuple[str, ...]:
    rights = agreement.individual_rights
    lines = [
        "You can ask for a copy of the data held about you."
        if rights.access
        else "The right of access does not apply.",
        "You can object to your data being used."
        if rights.objection
        else "The right to object does not apply.",
        "You can ask for your data to be deleted."
        if rights.erasure
        else "The right to have your data deleted does not apply, or is decided by the "
        "organisation that holds it.",
    ]
    if rights.notes:
        lines.append(rights.notes)
    return tuple(lines)


def agreement_summaries(today: date) -> list[AgreementSummary]:
    summaries = []
    for agreement in _agreements():
        status, in_force = _status(agreement, today)
        summaries.append(
            AgreementSummary(
                id=agreement.id,
                title=agreement.title,
                version=agreement.version,
                status=status,
                in_force=in_force,
                parties=tuple(Party(party.organisation, party.role) for party in agreement.parties),
                controllership=agreement.controllership,
                purposes=tuple(
                    (purpose.description, purpose.necessity) for purpose in agreement.purposes
                ),
                lawful_basis=_lawful_basis(agreement),
                start_date=agreement.start_date,
                review_date=agreement.review_date,
                end_date=agreement.end_date,
                retention=agreement.retention.rule,
                rights=_rights(agreement),
                dpia_outcome=agreement.dpia.outcome,
                contacts=tuple((contact.role, contact.email) for contact in agreement.contacts),
            )
        )
    return summaries
