"""Finding a resident's area from their postcode, with the ONS postcode lookup that ships with
the pipeline's geography (public open data; a postcode says nothing about a person)."""

from __future__ import annotations

import re
from functools import cache

# The shape of a UK postcode: outward code, then a digit and two letters.
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")


def normalise(text: str) -> str | None:
    """``"ss14  1aa"`` -> ``"SS14 1AA"``; None when it cannot be a postcode."""
    squeezed = re.sub(r"\s+", "", text).upper()
    if not POSTCODE.match(squeezed):
        return None
    return f"{squeezed[:-3]} {squeezed[-3:]}"


@cache
def _lookup() -> dict[str, str]:
    # Read on first use: the table of Essex postcodes takes about a second to load.
    from bakehouse.geography import load_postcodes

    table = load_postcodes()
    return dict(
        zip(
            table.column("postcode").to_pylist(),
            table.column("lsoa11cd").to_pylist(),
            strict=True,
        )
    )


def lsoa_for(postcode: str) -> str | None:
    """The LSOA of a normalised postcode; None when it is not a live postcode we know."""
    return _lookup().get(postcode)
