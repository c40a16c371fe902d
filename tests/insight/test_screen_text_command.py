"""`bakehouse screen-text` screens standard input and prints JSON with original offsets."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bakehouse.cli import app

runner = CliRunner()


def test_screen_text_prints_the_masked_text_and_each_finding() -> None:
    text = "My neighbour Sarah Collins at 14 Whitmore Way SS14 2QR — ring 07911 123456."
    result = runner.invoke(app, ["screen-text"], input=text.encode())
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["masked"] == "My neighbour [name] at [address] [postcode] — ring [phone]."
    assert printed["held"] is True
    assert [(f["kind"], text[f["start"] : f["end"]]) for f in printed["findings"]] == [
        ("name", "Sarah Collins"),
        ("address", "14 Whitmore Way"),
        ("postcode", "SS14 2QR"),
        ("phone", "07911 123456"),
    ]


def test_clean_text_is_printed_unchanged_and_not_held() -> None:
    text = "The playgroup on Vange Hill Drive closed in 2023."
    result = runner.invoke(app, ["screen-text"], input=text)
    assert json.loads(result.stdout) == {"masked": text, "held": False, "findings": []}


def test_text_that_is_not_utf8_is_refused_without_echoing_it() -> None:
    result = runner.invoke(app, ["screen-text"], input=b"Sarah \xff Collins")
    assert result.exit_code == 2
    assert "not UTF-8" in result.output and "standard input" in result.output
    assert "Sarah" not in result.output
