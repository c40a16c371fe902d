"""The command line reports a file the system will not read or write as one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.geography import load_area
from bakehouse.release.signing import ENV_KEY_FILE, generate_key

from .release.conftest import synthetic_predictions

runner = CliRunner()


def test_a_release_folder_that_cannot_be_written_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_KEY_FILE, generate_key(tmp_path / "keys" / "signing.key").origin)
    predictions = tmp_path / "predictions.parquet"
    pq.write_table(synthetic_predictions(load_area("basildon").lsoa_codes, 4, seed=3), predictions)
    blocked = tmp_path / "releases"
    blocked.write_text("a file where the releases folder should be\n")
    result = runner.invoke(app, ["publish", str(predictions), "--out", str(blocked)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: The system refused a file operation")
    assert str(blocked) in result.output.replace("\n", "")
    assert blocked.read_text() == "a file where the releases folder should be\n"
