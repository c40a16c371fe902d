"""Deprivation and population per LSOA: from the IoD 2019 files, else simulated.

The official files (MHCLG, English indices of deprivation 2019, OGL v3.0) are read as published:
CSV, UTF-8 with a byte order mark, thousands separators in some numbers. A folder given (``--iod``)
is read first; without one, the extract shipped in ``data/iod2019`` (the official rows of the Essex
LSOAs, built by ``scripts/build_deprivation.py``) serves every area it covers. Only an area it does
not cover, with no folder given, has simulated deprivation.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from bakehouse.errors import GeographyError

FILE_DOMAINS = "File_2_-_IoD2019_Domains_of_Deprivation.csv"
FILE_POPULATION = "File_6_-_IoD2019_Population_Denominators.csv"
LSOAS_IN_ENGLAND = 32844

# Averages for England's LSOAs (mid-2015 denominators): used to simulate around the real mean.
MEAN_RESIDENTS = 1680
MEAN_CHILDREN_SHARE = 0.19


@dataclass(frozen=True)
class Deprivation:
    """Per LSOA (in the order asked): IMD and income ranks (1 = most deprived), population."""

    lsoa11cd: list[str]
    imd_rank: np.ndarray
    income_rank: np.ndarray
    population: np.ndarray
    children: np.ndarray
    simulated: bool

    @property
    def imd_decile(self) -> np.ndarray:
        return np.minimum(10, 1 + (self.imd_rank - 1) * 10 // LSOAS_IN_ENGLAND)

    @property
    def imd_score(self) -> np.ndarray:
        """Deprivation on a standard normal scale: positive is more deprived than the median."""
        from statistics import NormalDist

        quantile = 1 - (self.imd_rank - 0.5) / LSOAS_IN_ENGLAND
        return np.array([NormalDist().inv_cdf(q) for q in quantile])


SHIPPED = Path(__file__).parent / "data" / "iod2019"


def iod_folder(codes: Sequence[str], given: Path | None) -> Path | None:
    """The IoD 2019 files to read for ``codes``: the folder given, else the shipped extract when
    it holds every one of them, else None (no real deprivation for this area)."""
    if given is not None:
        return given
    return SHIPPED if set(codes) <= _shipped_codes() else None


@cache
def _shipped_codes() -> frozenset[str]:
    return frozenset(_read(_find(SHIPPED, FILE_DOMAINS)))


def official_deprivation(codes: Sequence[str], given: Path | None) -> Deprivation | None:
    """The real deprivation of ``codes`` (see :func:`iod_folder`), or None when there is none."""
    folder = iod_folder(codes, given)
    if folder is None:
        return None
    return load_deprivation(codes, folder, np.random.default_rng(0))


def _find(directory: Path, stem: str) -> Path:
    for candidate in (directory / stem, directory / f"{stem}.gz"):
        if candidate.exists():
            return candidate
    raise GeographyError(
        "IoD 2019 file not found",
        file=directory / stem,
        fix="Give --iod the folder holding the official IoD 2019 CSV files (File 2 and File 6)",
    )


def _read(path: Path) -> dict[str, dict[str, str]]:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    return {row["LSOA code (2011)"]: row for row in reader}


def _number(value: str, path: Path, row: int, field: str) -> int:
    try:
        return int(value.replace(",", ""))
    except ValueError:
        raise GeographyError(
            "Not a whole number",
            file=path,
            row=row,
            field=field,
            fix="Use the official IoD 2019 files unchanged",
        ) from None


def load_deprivation(
    codes: Sequence[str],
    iod_dir: Path | None,
    rng: np.random.Generator,
    centroids: np.ndarray | None = None,
) -> Deprivation:
    """Deprivation for ``codes``, read from ``iod_dir`` (or the shipped extract when it covers
    them all), else simulated."""
    iod_dir = iod_folder(codes, iod_dir)
    if iod_dir is None:
        return _simulate(codes, rng, centroids)
    domains_path = _find(iod_dir, FILE_DOMAINS)
    population_path = _find(iod_dir, FILE_POPULATION)
    domains, population = _read(domains_path), _read(population_path)
    missing = [code for code in codes if code not in domains or code not in population]
    if missing:
        raise GeographyError(
            f"{len(missing)} LSOAs are not in the IoD files (first: {missing[0]})",
            file=domains_path,
            fix="Use the IoD 2019 files, which cover every 2011 LSOA",
        )
    imd_field = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
    income_field = "Income Rank (where 1 is most deprived)"
    total_field = "Total population: mid 2015 (excluding prisoners)"
    child_field = "Dependent Children aged 0-15: mid 2015 (excluding prisoners)"
    rows = {code: i + 2 for i, code in enumerate(domains)}
    return Deprivation(
        lsoa11cd=list(codes),
        imd_rank=np.array(
            [_number(domains[c][imd_field], domains_path, rows[c], imd_field) for c in codes]
        ),
        income_rank=np.array(
            [_number(domains[c][income_field], domains_path, rows[c], income_field) for c in codes]
        ),
        population=np.array(
            [
                _number(population[c][total_field], population_path, rows[c], total_field)
                for c in codes
            ]
        ),
        children=np.array(
            [
                _number(population[c][child_field], population_path, rows[c], child_field)
                for c in codes
            ]
        ),
        simulated=False,
    )


def _simulate(
    codes: Sequence[str], rng: np.random.Generator, centroids: np.ndarray | None
) -> Deprivation:
    """Spatially smooth deprivation with England's spread, and population around the real mean."""
    n = len(codes)
    noise = rng.standard_normal(n)
    if centroids is not None and n > 1:
        # Neighbouring LSOAs share deprivation: smooth white noise with a 1.5 km Gaussian kernel.
        distance = np.linalg.norm(centroids[:, None, :] - centroids[None, :, :], axis=2)
        weights = np.exp(-((distance / 1500.0) ** 2))
        smooth = weights @ noise / weights.sum(axis=1)
        score = 0.6 * smooth / smooth.std() + 0.4 * noise
    else:
        score = noise
    score = score / score.std()
    from statistics import NormalDist

    quantile = np.array([NormalDist().cdf(-s) for s in score])
    imd_rank = np.clip(np.round(quantile * LSOAS_IN_ENGLAND), 1, LSOAS_IN_ENGLAND).astype(int)
    income_score = 0.9 * score + np.sqrt(1 - 0.81) * rng.standard_normal(n)
    income_quantile = np.array([NormalDist().cdf(-s) for s in income_score])
    income_rank = np.clip(np.round(income_quantile * LSOAS_IN_ENGLAND), 1, LSOAS_IN_ENGLAND).astype(
        int
    )
    population = np.maximum(800, rng.normal(MEAN_RESIDENTS, 250, n)).round().astype(int)
    child_share = np.clip(MEAN_CHILDREN_SHARE + 0.025 * score + rng.normal(0, 0.02, n), 0.08, 0.32)
    return Deprivation(
        lsoa11cd=list(codes),
        imd_rank=imd_rank,
        income_rank=income_rank,
        population=population,
        children=np.round(population * child_share).astype(int),
        simulated=True,
    )
