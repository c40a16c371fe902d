"""British National Grid (OSGB36) eastings and northings to and from WGS84 latitude and longitude.

Postcodes come with grid references; Open Referral UK locations with latitude and longitude.
The Ordnance Survey's published method (A guide to coordinate systems in Great Britain,
annexes B and C): the transverse Mercator projection on the Airy 1830 ellipsoid, and a
seven-parameter Helmert transformation between the datums, which is good to a few metres:
enough to place a service at its postcode or measure how far away it is.
"""

from __future__ import annotations

import math

# Airy 1830 (OSGB36) and GRS80 (WGS84) ellipsoids: semi-major and semi-minor axes, metres.
AIRY = (6377563.396, 6356256.909)
GRS80 = (6378137.0, 6356752.3141)
# The National Grid's true origin and its scale there.
SCALE = 0.9996012717
LATITUDE_0 = math.radians(49.0)
LONGITUDE_0 = math.radians(-2.0)
EASTING_0, NORTHING_0 = 400_000.0, -100_000.0
# WGS84 to OSGB36: translations (m), scale (ppm), rotations (arc seconds).
TO_OSGB36 = (-446.448, 125.157, -542.060, 20.4894, -0.1502, -0.2470, -0.8421)


def _meridional_arc(latitude: float, a: float, b: float) -> float:
    n = (a - b) / (a + b)
    difference, total = latitude - LATITUDE_0, latitude + LATITUDE_0
    return (
        b
        * SCALE
        * (
            (1 + n + 1.25 * n**2 + 1.25 * n**3) * difference
            - (3 * n + 3 * n**2 + 21 / 8 * n**3) * math.sin(difference) * math.cos(total)
            + (15 / 8 * n**2 + 15 / 8 * n**3) * math.sin(2 * difference) * math.cos(2 * total)
            - 35 / 24 * n**3 * math.sin(3 * difference) * math.cos(3 * total)
        )
    )


def _radii(latitude: float, a: float, b: float) -> tuple[float, float, float]:
    """nu, rho and eta squared at ``latitude`` on the projection's scaled ellipsoid."""
    e2 = 1 - b**2 / a**2
    sin2 = math.sin(latitude) ** 2
    nu = a * SCALE / math.sqrt(1 - e2 * sin2)
    rho = a * SCALE * (1 - e2) / (1 - e2 * sin2) ** 1.5
    return nu, rho, nu / rho - 1


def _project(latitude: float, longitude: float) -> tuple[float, float]:
    a, b = AIRY
    nu, rho, eta2 = _radii(latitude, a, b)
    sin, cos, tan = math.sin(latitude), math.cos(latitude), math.tan(latitude)
    i = _meridional_arc(latitude, a, b) + NORTHING_0
    ii = nu / 2 * sin * cos
    iii = nu / 24 * sin * cos**3 * (5 - tan**2 + 9 * eta2)
    iiia = nu / 720 * sin * cos**5 * (61 - 58 * tan**2 + tan**4)
    iv = nu * cos
    v = nu / 6 * cos**3 * (nu / rho - tan**2)
    vi = nu / 120 * cos**5 * (5 - 18 * tan**2 + tan**4 + 14 * eta2 - 58 * tan**2 * eta2)
    d = longitude - LONGITUDE_0
    northing = i + ii * d**2 + iii * d**4 + iiia * d**6
    easting = EASTING_0 + iv * d + v * d**3 + vi * d**5
    return easting, northing


def _unproject(easting: float, northing: float) -> tuple[float, float]:
    a, b = AIRY
    latitude = (northing - NORTHING_0) / (a * SCALE) + LATITUDE_0
    arc = _meridional_arc(latitude, a, b)
    while abs(northing - NORTHING_0 - arc) >= 1e-5:
        latitude += (northing - NORTHING_0 - arc) / (a * SCALE)
        arc = _meridional_arc(latitude, a, b)
    nu, rho, eta2 = _radii(latitude, a, b)
    tan, sec = math.tan(latitude), 1 / math.cos(latitude)
    vii = tan / (2 * rho * nu)
    viii = tan / (24 * rho * nu**3) * (5 + 3 * tan**2 + eta2 - 9 * tan**2 * eta2)
    ix = tan / (720 * rho * nu**5) * (61 + 90 * tan**2 + 45 * tan**4)
    x = sec / nu
    xi = sec / (6 * nu**3) * (nu / rho + 2 * tan**2)
    xii = sec / (120 * nu**5) * (5 + 28 * tan**2 + 24 * tan**4)
    xiia = sec / (5040 * nu**7) * (61 + 662 * tan**2 + 1320 * tan**4 + 720 * tan**6)
    e = easting - EASTING_0
    return (
        latitude - vii * e**2 + viii * e**4 - ix * e**6,
        LONGITUDE_0 + x * e - xi * e**3 + xii * e**5 - xiia * e**7,
    )


def _shift_datum(
    latitude: float,
    longitude: float,
    source: tuple[float, float],
    target: tuple[float, float],
    sign: float,
) -> tuple[float, float]:
    """Helmert transformation, WGS84 to OSGB36 with ``sign`` 1, back with -1 (heights 0)."""
    a, b = source
    e2 = 1 - b**2 / a**2
    nu = a / math.sqrt(1 - e2 * math.sin(latitude) ** 2)
    x = nu * math.cos(latitude) * math.cos(longitude)
    y = nu * math.cos(latitude) * math.sin(longitude)
    z = (1 - e2) * nu * math.sin(latitude)
    tx, ty, tz, ppm, *seconds = (sign * value for value in TO_OSGB36)
    rx, ry, rz = (math.radians(value / 3600) for value in seconds)
    s = 1 + ppm * 1e-6
    x, y, z = (
        tx + s * x - rz * y + ry * z,
        ty + rz * x + s * y - rx * z,
        tz - ry * x + rx * y + s * z,
    )
    a, b = target
    e2 = 1 - b**2 / a**2
    p = math.hypot(x, y)
    latitude = math.atan2(z, p * (1 - e2))
    for _ in range(10):
        nu = a / math.sqrt(1 - e2 * math.sin(latitude) ** 2)
        latitude = math.atan2(z + e2 * nu * math.sin(latitude), p)
    return latitude, math.atan2(y, x)


def to_grid(latitude: float, longitude: float) -> tuple[float, float]:
    """WGS84 degrees to National Grid (easting, northing) in metres."""
    osgb = _shift_datum(math.radians(latitude), math.radians(longitude), GRS80, AIRY, 1.0)
    return _project(*osgb)


def to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """National Grid metres to WGS84 (latitude, longitude) in degrees."""
    latitude, longitude = _shift_datum(*_unproject(easting, northing), AIRY, GRS80, -1.0)
    return math.degrees(latitude), math.degrees(longitude)
