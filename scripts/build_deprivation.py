"""Build the committed IoD 2019 extract for the Essex LSOAs from the official files.

Source: MHCLG, "English indices of deprivation 2019", File 2 (ranks and deciles of the IMD and its
seven domains) and File 6 (population denominators, mid-2015), Open Government Licence v3.0;
attribution in ``src/bakehouse/geography/data/NOTICE.md``.

The extract keeps the official files' header and the rows of the LSOAs in ``lsoas.csv`` byte for
byte, in the official order, so the same reader reads both and gives the same figures::

    uv run python scripts/build_deprivation.py --iod ../shared/data/iod2019

The output is deterministic: running it twice gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "bakehouse" / "geography" / "data"
FILES = (
    "File_2_-_IoD2019_Domains_of_Deprivation.csv",
    "File_6_-_IoD2019_Population_Denominators.csv",
)


def _official(folder: Path, stem: str) -> list[str]:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.exists():
            raw = candidate.read_bytes()
            if candidate.suffix == ".gz":
                raw = gzip.decompress(raw)
            return raw.decode("utf-8-sig").splitlines(keepends=True)
    raise SystemExit(f"{folder / stem}: not found (give --iod the folder of the official files)")


def build(iod: Path, out: Path = DATA / "iod2019") -> list[Path]:
    with (DATA / "lsoas.csv").open(encoding="utf-8", newline="") as handle:
        codes = {row["lsoa11cd"] for row in csv.DictReader(handle)}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stem in FILES:
        header, *rows = _official(iod, stem)
        kept = [line for line in rows if line.split(",", 1)[0] in codes]
        found = {line.split(",", 1)[0] for line in kept}
        if found != codes:
            missing = sorted(codes - found)
            raise SystemExit(f"{stem}: {len(missing)} Essex LSOAs missing (first: {missing[0]})")
        text = "\ufeff" + header + "".join(kept)
        target = out / f"{stem}.gz"
        # mtime 0 and no file name in the header: the same input gives the same bytes.
        with (
            target.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
        ):
            gz.write(text.encode("utf-8"))
        written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iod", type=Path, required=True, help="folder of the official files")
    for path in build(parser.parse_args().iod):
        print(f"{path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
