"""The directory's map: the places of the services listed and the postcode searched from (data
the page carries), drawn by ``static/assets/js/directory-map.js`` over the small-area
boundaries of the districts the register serves (named in the page, so that the address
of the boundaries is the same for every page and browsers keep them), with Leaflet and no
tile server, as the area maps are drawn. Places come from the page's own entries, which
hold public places only."""

from __future__ import annotations

import json
from functools import cache, lru_cache
from typing import Any

from django.urls import reverse

from bakehouse.geography import load_area
from bakehouse.geography.areas import DISTRICTS
from bakehouse.geography.grid import to_wgs84
from web.areas.postcodes import lsoa_for, normalise
from web.assets.directory import Entry
from web.assets.export import public_records
from web.assets.search import postcode_point

KNOWN_DISTRICTS = frozenset(DISTRICTS.values())


def map_points(shown: list[Entry], postcode: str) -> dict[str, Any]:
    places = [
        {
            "service": entry.name,
            "place": place.name,
            "url": reverse("assets:service", kwargs={"service_id": entry.id}),
            "latitude": place.latitude,
            "longitude": place.longitude,
        }
        for entry in shown
        for place in entry.places
        if place.latitude is not None and place.longitude is not None
    ]
    centre = None
    if postcode:
        latitude, longitude = to_wgs84(*postcode_point(postcode))
        centre = {"postcode": postcode, "latitude": latitude, "longitude": longitude}
    return {"places": places, "centre": centre}


def served_districts() -> tuple[str, ...]:
    """Codes of the districts with a public place of the register, by its postcode."""
    postcodes = (
        public_records("address").exclude(postal_code="").values_list("postal_code", flat=True)
    )
    # Without the default order by id, each postcode comes once rather than once per address.
    found = {_district_of_postcode(text) for text in postcodes.order_by().distinct()}
    return tuple(sorted(code for code in found if code))


@lru_cache(maxsize=100_000)
def _district_of_postcode(text: str) -> str:
    # Asked on every page of the directory, for every postcode of the register.
    return _district_of_lsoa().get(lsoa_for(normalise(text) or "") or "") or ""


def boundaries(districts: tuple[str, ...]) -> bytes:
    """GeoJSON of the small areas (LSOAs) of ``districts``: the map's background."""
    return _boundaries(districts)


@cache
def _boundaries(districts: tuple[str, ...]) -> bytes:
    names = [name for name, code in DISTRICTS.items() if code in districts]
    features = [feature for name in names for feature in load_area(name).boundaries()["features"]]
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, separators=(",", ":")).encode()


@cache
def _district_of_lsoa() -> dict[str, str]:
    lsoas = load_area("essex").lsoas
    return dict(
        zip(
            lsoas.column("lsoa11cd").to_pylist(),
            lsoas.column("lad_code").to_pylist(),
            strict=True,
        )
    )
