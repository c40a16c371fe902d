"""The command line: thin commands over the library, errors as one plain message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from bakehouse.cli import app

runner = CliRunner()


def _run(*arguments: str) -> Any:
    return runner.invoke(app, list(arguments))


def test_ingest_then_opt_out_sar_and_audit_verify_from_the_command_line(
    setup: Any, cast: Any, tmp_path_factory: Any
) -> None:
    setup.write()
    common = ["--workspace", str(setup.workspace)]
    key = ["--key-file", str(setup.key_file)]
    result = _run("ingest", "--sources", str(setup.sources), *common, *key)
    assert result.exit_code == 0, result.output
    assert "rows/s" in result.output
    requests = tmp_path_factory.mktemp("requests")
    objection = requests / "objection.yaml"
    objection.write_text(f'reference: OBJ-9\nperson:\n  nhs_number: "{cast.oliver.nhs}"\n')
    result = _run("optout", "add", "--request", str(objection), *common, *key)
    assert result.exit_code == 0 and "registered" in result.output
    assert "OBJ-9" in _run("optout", "list", *common).output
    out = tmp_path_factory.mktemp("sar") / "sar.json"
    access = requests / "access.json"
    access.write_text(f'{{"reference": "SAR-9", "person": {{"upn": "{cast.zoe.upn}"}}}}')
    result = _run("custodian", "sar", "--request", str(access), "--out", str(out), *common, *key)
    assert result.exit_code == 0 and out.exists()
    result = _run("audit", "verify", *common)
    assert result.exit_code == 0 and "Audit chain intact" in result.output


def test_a_refusal_is_printed_as_one_message_with_exit_code_2(setup: Any) -> None:
    setup.write()
    result = _run(
        "ingest",
        "--sources",
        str(setup.sources),
        "--workspace",
        str(setup.workspace),
        "--key-file",
        str(setup.key_file),
        "--purpose",
        "mental-health",
    )
    assert result.exit_code == 2
    assert "does not list the purpose 'mental-health'" in result.output
    assert "Traceback" not in result.output


def test_a_broken_audit_chain_is_reported_with_its_line(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.write_text('{"seq": 1, "prev": "x", "hash": "y"}\n', encoding="utf-8")
    result = _run("audit", "verify", "--log", str(log))
    assert result.exit_code == 2
    assert "entry at line 1 does not follow" in result.output and "Traceback" not in result.output
