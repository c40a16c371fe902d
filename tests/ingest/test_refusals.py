"""Governance refusals: each gives a clear error naming file and field, writes nothing, and is
audited."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bakehouse.custody import AuditLog
from bakehouse.errors import AgreementViolation, ConfigError, CustodyError, SchemaError
from bakehouse.ingest.agreement import shipped_agreements_dir
from bakehouse.ingest.spec import shipped_specs_dir


def _copy(folder: Path, source: Path) -> Path:
    shutil.copytree(source, folder)
    return folder


def _edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _nothing_written(setup: Any) -> None:
    files = {p.name for p in setup.workspace.rglob("*") if p.is_file()}
    assert files <= {"audit.jsonl", ".lock"}


def _last_audit(setup: Any) -> dict[str, Any]:
    return list(AuditLog(setup.workspace / "audit.jsonl").entries())[-1]


def test_a_source_with_no_agreement_is_refused_and_nothing_written(setup: Any) -> None:
    setup.write()
    agreements = _copy(setup.root / "agreements", shipped_agreements_dir())
    (agreements / "essex-police.yaml").unlink()
    with pytest.raises(AgreementViolation, match="'police' has no data sharing agreement"):
        setup.ingest(agreements=agreements)
    _nothing_written(setup)
    entry = _last_audit(setup)
    assert entry["action"] == "ingest.refused" and entry["details"]["error"] == "AgreementViolation"


def test_a_field_the_agreement_does_not_permit_is_refused_and_nothing_written(setup: Any) -> None:
    setup.write()
    agreements = _copy(setup.root / "agreements", shipped_agreements_dir())
    _edit(
        agreements / "ecc-childrens-social-care.yaml",
        lambda d: d["permitted_fields"]["csc"].remove("ETHNICITY"),
    )
    with pytest.raises(AgreementViolation) as caught:
        setup.ingest(agreements=agreements)
    assert caught.value.field == "ETHNICITY"
    assert "does not permit" in caught.value.message
    _nothing_written(setup)


def test_a_purpose_the_agreement_does_not_list_is_refused(setup: Any) -> None:
    setup.write()
    with pytest.raises(AgreementViolation) as caught:
        setup.ingest(purpose="homelessness-prevention")
    assert caught.value.field == "purposes"
    assert "does not list the purpose 'homelessness-prevention'" in caught.value.message
    _nothing_written(setup)


def test_an_agreement_past_its_review_date_is_refused_and_nothing_written(setup: Any) -> None:
    setup.write()
    agreements = _copy(setup.root / "agreements", shipped_agreements_dir())
    _edit(
        agreements / "nhs-health-visiting.yaml",
        lambda d: d.update(start_date="2024-01-01", review_date="2025-01-31"),
    )
    with pytest.raises(AgreementViolation, match="past its review date 2025-01-31") as caught:
        setup.ingest(agreements=agreements)
    assert caught.value.field == "review_date"
    assert caught.value.file is not None and "nhs-health-visiting.yaml" in caught.value.file
    _nothing_written(setup)


def test_an_agreement_not_yet_in_force_is_refused(setup: Any) -> None:
    setup.write()
    with pytest.raises(AgreementViolation, match="not in force"):
        setup.ingest(today=setup.options().today.replace(year=2025))


def test_special_category_data_without_an_article_9_condition_is_refused(setup: Any) -> None:
    setup.write()
    agreements = _copy(setup.root / "agreements", shipped_agreements_dir())
    _edit(
        agreements / "nhs-health-visiting.yaml", lambda d: d["lawful_basis"].pop("special_category")
    )
    with pytest.raises(AgreementViolation, match="Art. 9 condition"):
        setup.ingest(agreements=agreements)


def test_a_file_matching_no_specification_is_refused(setup: Any) -> None:
    setup.write()
    (setup.sources / "mental_health.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="matches no source specification"):
        setup.ingest()
    _nothing_written(setup)


def test_ingestion_refuses_to_run_without_a_custodian_key(setup: Any, monkeypatch: Any) -> None:
    setup.write()
    monkeypatch.delenv("BAKEHOUSE_CUSTODIAN_KEY", raising=False)
    with pytest.raises(CustodyError, match="No custodian key found"):
        setup.ingest(key_file=setup.root / "absent.key")
    _nothing_written(setup)


def test_invalid_specifications_report_every_problem_with_file_and_field(setup: Any) -> None:
    specs = _copy(setup.root / "specs", shipped_specs_dir())

    def break_csc(data: dict[str, Any]) -> None:
        data["columns"]["DOB"].pop("format")
        data["columns"]["OUTCOME"]["type"] = "categorical"

    _edit(specs / "csc.yaml", break_csc)
    _edit(specs / "police.yaml", lambda d: d.update(event_date="NoSuchColumn"))
    setup.write()
    with pytest.raises(ConfigError) as caught:
        setup.ingest(specs=specs)
    message = caught.value.message
    assert "3 problem(s)" in message
    assert re.search(r"csc\.yaml: columns\.DOB: .*need `format:`", message)
    assert "csc.yaml: columns.OUTCOME.type" in message
    assert "police.yaml" in message and "event_date" in message


def test_invalid_agreements_report_every_missing_ico_field(setup: Any) -> None:
    agreements = _copy(setup.root / "agreements", shipped_agreements_dir())
    _edit(agreements / "bbc-housing.yaml", lambda d: [d.pop("dpia"), d.pop("retention")])
    setup.write()
    with pytest.raises(ConfigError) as caught:
        setup.ingest(agreements=agreements)
    assert "bbc-housing.yaml: dpia: Field required" in caught.value.message
    assert "bbc-housing.yaml: retention: Field required" in caught.value.message
