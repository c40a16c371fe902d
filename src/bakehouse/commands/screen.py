"""`bakehouse screen-text`: screen text on standard input for personal data."""

from __future__ import annotations

import json
import sys

from bakehouse.errors import SchemaError


def screen_text() -> None:
    """Read UTF-8 text on standard input and print JSON: the text with each piece of personal
    data masked as `[kind]`, whether it must be held for a moderator, and each finding's kind,
    start, end and reason. Start and end index the original text in characters (Python `str`
    indices, not bytes): `text[start:end]` is the span found. Kinds: name, address, postcode,
    phone, email, date_of_birth, nhs_number, ni_number, child_detail. The text is never logged."""
    from bakehouse.insight.screening import screen

    try:
        text = sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError as error:
        raise SchemaError(
            f"The text is not UTF-8 (byte {error.start} cannot be read)",
            file="standard input",
            fix="Save or convert the text as UTF-8 and pipe it in again",
        ) from None
    screened = screen(text)
    result = {
        "masked": screened.masked,
        "held": screened.held,
        "findings": [
            {"kind": f.kind.value, "start": f.start, "end": f.end, "reason": f.reason}
            for f in screened.findings
        ],
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
