"""National Grid references and latitude/longitude, as the Ordnance Survey converts them."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bakehouse.geography import grid


def test_the_ordnance_surveys_worked_example_projects_to_its_published_grid_reference() -> None:
    # A guide to coordinate systems in Great Britain, annex C: OSGB36 latitude and longitude.
    latitude = math.radians(52 + 39 / 60 + 27.2531 / 3600)
    longitude = math.radians(1 + 43 / 60 + 4.5177 / 3600)
    easting, northing = grid._project(latitude, longitude)
    assert easting == pytest.approx(651409.903, abs=0.01)
    assert northing == pytest.approx(313177.270, abs=0.01)


def test_a_basildon_postcode_lands_where_mapping_libraries_put_it() -> None:
    # SS14 1AE, grid reference 570646 188485; WGS84 from PROJ's same Helmert transformation.
    latitude, longitude = grid.to_wgs84(570646, 188485)
    assert latitude == pytest.approx(51.569413, abs=1e-5)
    assert longitude == pytest.approx(0.460871, abs=1e-5)


@given(
    easting=st.floats(min_value=100_000, max_value=700_000),
    northing=st.floats(min_value=0, max_value=1_200_000),
)
def test_a_grid_reference_survives_the_round_trip_within_a_centimetre(
    easting: float, northing: float
) -> None:
    back = grid.to_grid(*grid.to_wgs84(easting, northing))
    assert back == pytest.approx((easting, northing), abs=0.01)
