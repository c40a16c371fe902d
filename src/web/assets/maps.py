"""The directory's map: the places of the services listed, and the postcode searched from, as
plain data the page carries for ``static/assets/js/directory-map.js`` (Leaflet, no tile
server, as the area maps). Built from the page's own entries, which hold public places only."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from bakehouse.geography.grid import to_wgs84
from web.assets.directory import Entry
from web.assets.search import postcode_point


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
