"""The areas Bakehouse knows: Essex and each of its 12 districts, from the committed extract."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from bakehouse.errors import GeographyError

DATA = files("bakehouse.geography") / "data"

# Area name -> district codes it covers.
DISTRICTS = {
    "basildon": "E07000066",
    "braintree": "E07000067",
    "brentwood": "E07000068",
    "castle-point": "E07000069",
    "chelmsford": "E07000070",
    "colchester": "E07000071",
    "epping-forest": "E07000072",
    "harlow": "E07000073",
    "maldon": "E07000074",
    "rochford": "E07000075",
    "tendring": "E07000076",
    "uttlesford": "E07000077",
}
AREAS: dict[str, tuple[str, ...]] = {name: (code,) for name, code in DISTRICTS.items()}
AREAS["essex"] = tuple(DISTRICTS.values())


@dataclass(frozen=True)
class Area:
    """An area's LSOAs and live postcodes (both sorted by code)."""

    name: str
    district_codes: tuple[str, ...]
    lsoas: pa.Table  # lsoa11cd, lsoa11nm, msoa11cd, msoa11nm, lad_code, lad_name, bng_e, ...
    postcodes: pa.Table  # postcode, lsoa11cd, ward_code, easting, northing

    @property
    def lsoa_codes(self) -> list[str]:
        return [str(code) for code in self.lsoas.column("lsoa11cd").to_pylist()]

    @property
    def centroids(self) -> np.ndarray:
        """Each LSOA's centre as the ONS boundary file gives it (BNG_E, BNG_N): (easting,
        northing) in metres on the British National Grid, in the order of ``lsoa_codes``."""
        return np.column_stack(
            [self.lsoas.column("bng_e").to_numpy(), self.lsoas.column("bng_n").to_numpy()]
        ).astype(float)

    def boundaries(self) -> dict[str, Any]:
        """The area's LSOA boundaries as a GeoJSON FeatureCollection (CRS84)."""
        wanted = set(self.lsoa_codes)
        collection = _all_boundaries()
        return {
            "type": "FeatureCollection",
            "features": [
                feature
                for feature in collection["features"]
                if feature["properties"]["lsoa11cd"] in wanted
            ],
        }


def load_area(name: str) -> Area:
    """Load an area by name: ``essex`` or one of its districts (``basildon``, ``maldon``...)."""
    key = name.strip().lower().replace(" ", "-")
    if key not in AREAS:
        known = ", ".join(sorted(AREAS))
        raise GeographyError(f"Unknown area '{name}'", field="area", fix=f"Choose one of: {known}")
    codes = AREAS[key]
    lsoas = _all_lsoas()
    lsoas = lsoas.filter(pc.is_in(lsoas.column("lad_code"), pa.array(codes)))
    postcodes = load_postcodes()
    postcodes = postcodes.filter(pc.is_in(postcodes.column("lsoa11cd"), lsoas.column("lsoa11cd")))
    return Area(name=key, district_codes=codes, lsoas=lsoas, postcodes=postcodes)


def area_holding(lsoa_codes: list[str]) -> str | None:
    """The district (by its name for ``--area``) that holds most of ``lsoa_codes`` (one code per
    unit, repeats counted), or None when none of them is in Essex."""
    lsoas = _all_lsoas()
    districts = dict(
        zip(lsoas.column("lsoa11cd").to_pylist(), lsoas.column("lad_code").to_pylist(), strict=True)
    )
    found = [districts[code] for code in lsoa_codes if code in districts]
    if not found:
        return None
    values, counts = np.unique(np.array(found), return_counts=True)
    code = str(values[int(np.argmax(counts))])
    return next(name for name, district in DISTRICTS.items() if district == code)


@cache
def _all_lsoas() -> pa.Table:
    with (DATA / "lsoas.csv").open("rb") as handle:
        return pacsv.read_csv(
            handle,
            convert_options=pacsv.ConvertOptions(
                column_types={"bng_e": pa.int32(), "bng_n": pa.int32()}
            ),
        )


@cache
def load_postcodes() -> pa.Table:
    """Every live postcode of Essex: postcode ("SS14 1AA"), lsoa11cd, ward, easting, northing."""
    with (DATA / "postcodes.csv.gz").open("rb") as handle:
        data = gzip.decompress(handle.read())
    return pacsv.read_csv(
        pa.BufferReader(data),
        convert_options=pacsv.ConvertOptions(
            column_types={"easting": pa.int32(), "northing": pa.int32()}
        ),
    )


@cache
def _all_boundaries() -> dict[str, Any]:
    with (DATA / "lsoa_boundaries.geojson.gz").open("rb") as handle:
        collection: dict[str, Any] = json.loads(gzip.decompress(handle.read()))
    return collection
