"""Small-area geography: LSOAs, postcodes, boundaries and deprivation for the default areas."""

from __future__ import annotations

from bakehouse.geography.areas import AREAS, Area, load_area, load_postcodes
from bakehouse.geography.deprivation import (
    Deprivation,
    iod_folder,
    load_deprivation,
    official_deprivation,
)

__all__ = [
    "AREAS",
    "Area",
    "Deprivation",
    "iod_folder",
    "load_area",
    "load_deprivation",
    "load_postcodes",
    "official_deprivation",
]
