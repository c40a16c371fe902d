"""Data sharing agreements as code: the ICO data sharing code's fields, checked before any data
is read.

An agreement covers one source or a group. Ingestion refuses a source with no agreement, a field
the agreement does not permit, a purpose it does not list, special category or criminal offence
data without the condition the law asks for, and an agreement not yet in force or past its review
or end date. See ``agreements/*.yaml`` for the shipped ones.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, model_validator

from bakehouse.errors import AgreementViolation
from bakehouse.ingest.config import load_folder
from bakehouse.ingest.spec import SourceSpec

AGREEMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-\.]{2,63}$")
PURPOSE_ID = re.compile(r"^[a-z][a-z0-9\-]{1,63}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Party(_Strict):
    organisation: str
    role: Literal["controller", "joint controller", "processor", "recipient"]
    responsibilities: str


class Purpose(_Strict):
    id: str
    description: str
    necessity: str = Field(description="why sharing is necessary for this purpose")

    @model_validator(mode="after")
    def _id(self) -> Purpose:
        if not PURPOSE_ID.match(self.id):
            raise ValueError("purpose id: lower case letters, digits and hyphens (a recipe id)")
        return self


class Condition(_Strict):
    article: str
    dpa_2018_schedule_1: str
    appropriate_policy_document: str | None = None


class LawfulBasis(_Strict):
    article_6: str
    special_category: Condition | None = None
    criminal_offence: Condition | None = None
    law_enforcement_part_3: str | None = None
    common_law_confidentiality: str | None = None
    statutory_gateways: list[str] = Field(default_factory=list)


class Retention(_Strict):
    months: int = Field(ge=1)
    rule: str
    deletion: str


class Disclosure(_Strict):
    threshold: int = Field(default=7, ge=0)
    rounding: int = Field(default=5, ge=1)


class Dpia(_Strict):
    reference: str
    outcome: str
    date: date


class Rights(_Strict):
    access: bool = True
    objection: bool = True
    erasure: bool = False
    notes: str = ""


class Contact(_Strict):
    role: str
    name: str
    email: str


class Approval(_Strict):
    name: str
    role: str
    date: date


class DataPeriod(_Strict):
    start: date
    end: date | None = None


class Agreement(_Strict):
    """One data sharing agreement."""

    id: str
    title: str
    version: str
    sources: list[str] = Field(min_length=1)
    parties: list[Party] = Field(min_length=2)
    controllership: Literal["joint", "separate"]
    purposes: list[Purpose] = Field(min_length=1)
    lawful_basis: LawfulBasis
    permitted_fields: dict[str, list[str]]
    data_period: DataPeriod
    retention: Retention
    start_date: date
    review_date: date
    end_date: date | None = None
    disclosure: Disclosure = Field(default_factory=Disclosure)
    dpia: Dpia
    dpo_view: str
    security: str
    individual_rights: Rights = Field(default_factory=Rights)
    contacts: list[Contact] = Field(min_length=1)
    approved_by: Approval
    _path: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Agreement:
        problems = []
        if not AGREEMENT_ID.match(self.id):
            problems.append("id: letters, digits, '-', '_' or '.', 3 to 64 characters")
        missing = [source for source in self.sources if source not in self.permitted_fields]
        if missing:
            problems.append(f"permitted_fields: no list for source(s) {', '.join(missing)}")
        if self.review_date < self.start_date:
            problems.append("review_date: before start_date")
        if problems:
            raise ValueError("; ".join(problems))
        context = info.context or {}
        if isinstance(context.get("file"), Path):
            self._path = context["file"]
        return self

    @property
    def path(self) -> Path | None:
        return self._path

    def purpose_ids(self) -> list[str]:
        return [purpose.id for purpose in self.purposes]

    def check(
        self,
        spec: SourceSpec,
        purpose: str,
        today: date,
        *,
        recipe_run: bool = False,
        recipe_known: bool = False,
    ) -> None:
        """Refuse, with the reason, anything this agreement does not allow for this source.

        ``recipe_run``: the run takes in a recipe's declared sources for its id (``bakehouse
        run``, ``ingest --recipe``), so a purpose refusal cannot be met by leaving the source out.
        ``recipe_known``: ``purpose`` is a recipe's id, so ``--recipe`` is the way to take in
        only the sources it reads."""
        where = self.path or self.id
        if spec.source not in self.sources:
            raise AgreementViolation(
                f"Agreement {self.id} does not cover source '{spec.source}'", file=where
            )
        if today < self.start_date:
            raise AgreementViolation(
                f"Agreement {self.id} is not in force until {self.start_date}",
                file=where,
                field="start_date",
                fix="Wait for the start date or correct the agreement",
            )
        if today > self.review_date:
            raise AgreementViolation(
                f"Agreement {self.id} is past its review date {self.review_date}",
                file=where,
                field="review_date",
                fix="The parties review the agreement and record the new review date",
            )
        if self.end_date is not None and today > self.end_date:
            raise AgreementViolation(
                f"Agreement {self.id} ended on {self.end_date}",
                file=where,
                field="end_date",
                fix="Sharing has ended: renew the agreement or remove the source",
            )
        if purpose not in self.purpose_ids():
            if recipe_run:
                way_out = (
                    f"The recipe '{purpose}' reads '{spec.source}': the parties amend the "
                    "agreement (and its DPIA) to list the purpose, or the recipe stops reading "
                    "the source"
                )
            else:
                way_out = (
                    f"To take in the other sources for '{purpose}', leave '{spec.source}' out "
                    "(--only the others)"
                )
                if recipe_known:
                    way_out += f", or take in only the recipe's own sources: --recipe {purpose}"
            raise AgreementViolation(
                f"Agreement {self.id} does not list the purpose '{purpose}'",
                file=where,
                field="purposes",
                fix=f"Permitted purposes: {', '.join(self.purpose_ids())}. {way_out}",
            )
        permitted = set(self.permitted_fields.get(spec.source, []))
        for name in spec.columns:
            if name not in permitted:
                raise AgreementViolation(
                    f"Source '{spec.source}' has a field the agreement {self.id} does not permit",
                    file=spec.path or spec.source,
                    field=name,
                    fix="Remove the field from the extract and the specification, or amend the "
                    "agreement (and its DPIA) to permit it",
                )
        self._check_conditions(spec, where)

    def _check_conditions(self, spec: SourceSpec, where: Path | str) -> None:
        kinds = spec.sensitivities()
        if "special" in kinds and self.lawful_basis.special_category is None:
            raise AgreementViolation(
                f"Source '{spec.source}' holds special category data but agreement {self.id} "
                "gives no Art. 9 condition",
                file=where,
                field="lawful_basis.special_category",
                fix="Record the Art. 9 condition and the DPA 2018 Schedule 1 condition",
            )
        if (
            "criminal" in kinds
            and self.lawful_basis.criminal_offence is None
            and self.lawful_basis.law_enforcement_part_3 is None
        ):
            raise AgreementViolation(
                f"Source '{spec.source}' holds criminal offence data but agreement {self.id} "
                "gives neither an Art. 10 / Schedule 1 condition nor a Part 3 basis",
                file=where,
                field="lawful_basis.criminal_offence",
                fix="Record the Art. 10 and DPA 2018 Schedule 1 condition",
            )


def _unique(agreements: list[Agreement]) -> list[str]:
    problems = []
    ids: set[str] = set()
    covered: dict[str, str] = {}
    for agreement in agreements:
        if agreement.id in ids:
            problems.append(f"agreement id '{agreement.id}' is used twice")
        ids.add(agreement.id)
        for source in agreement.sources:
            if source in covered:
                problems.append(
                    f"source '{source}' is covered by both {covered[source]} and {agreement.id}"
                )
            covered[source] = agreement.id
    return problems


def shipped_agreements_dir() -> Path:
    return Path(__file__).parent / "agreements"


def load_agreements(folder: Path | None = None) -> dict[str, Agreement]:
    """Agreements by the source they cover (default folder: the shipped ones)."""
    agreements = load_folder(
        folder or shipped_agreements_dir(), Agreement, "data sharing agreement", _unique
    )
    return {source: agreement for agreement in agreements for source in agreement.sources}


def sources_for(purpose: str, folder: Path | None = None) -> tuple[str, ...]:
    """The sources whose agreement lists ``purpose`` (default folder: the shipped ones): what a
    folder holding every extract may be taken in with for that purpose (``only``)."""
    agreements = load_agreements(folder)
    return tuple(
        sorted(
            source for source, agreement in agreements.items() if purpose in agreement.purpose_ids()
        )
    )


def agreement_for(agreements: dict[str, Agreement], spec: SourceSpec) -> Agreement:
    agreement = agreements.get(spec.source)
    if agreement is None:
        raise AgreementViolation(
            f"Source '{spec.source}' has no data sharing agreement",
            file=spec.path or spec.source,
            fix="No agreement, no ingestion: add the agreement covering this source to the "
            "agreements folder",
        )
    return agreement
