"""Deprivation per LSOA: Essex's IoD 2019 figures ship with Bakehouse, so a fresh clone shrinks
small areas towards real deprivation; elsewhere the official files are given, or it is simulated."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from bakehouse.areas.config import area_settings
from bakehouse.geography import AREAS, iod_folder, load_area, load_deprivation
from bakehouse.geography.deprivation import FILE_DOMAINS, FILE_POPULATION, SHIPPED
from bakehouse.ingest.progress import SilentReporter
from bakehouse.recipes import load_recipe
from bakehouse.recipes.areas_section import Prior

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL = ROOT.parent / "shared" / "data" / "iod2019"


def _build_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "build", ROOT / "scripts" / "build_deprivation.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_essex_district_has_real_deprivation_with_no_files_given() -> None:
    for name in AREAS:
        area = load_area(name)
        deprivation = load_deprivation(area.lsoa_codes, None, np.random.default_rng(1))
        assert not deprivation.simulated, name
        assert iod_folder(area.lsoa_codes, None) == SHIPPED
        assert ((deprivation.imd_rank >= 1) & (deprivation.imd_rank <= 32844)).all()
    basildon = load_deprivation(load_area("basildon").lsoa_codes, None, np.random.default_rng(1))
    # MHCLG's mid-2015 denominators: 181,951 residents of Basildon's 110 LSOAs.
    assert int(basildon.population.sum()) == 181_951
    assert set(basildon.imd_decile.tolist()) <= set(range(1, 11))
    assert basildon.imd_decile.min() == 1  # Basildon has LSOAs among England's most deprived 10%


def test_the_shipped_rows_are_the_official_files_rows(tmp_path: Path) -> None:
    """The extract is rebuilt from the official files when they are beside the repository, and
    must match byte for byte; without them, the committed extract is read as the official files
    are, through `--iod`."""
    basildon = load_area("basildon").lsoa_codes
    given = load_deprivation(basildon, SHIPPED, np.random.default_rng(1))
    assert not given.simulated and given.lsoa11cd == list(basildon)
    for stem in (FILE_DOMAINS, FILE_POPULATION):
        assert (SHIPPED / f"{stem}.gz").read_bytes()[:2] == b"\x1f\x8b"
    if OFFICIAL.exists():
        for path in _build_script().build(OFFICIAL, out=tmp_path):
            assert path.read_bytes() == (SHIPPED / path.name).read_bytes(), path.name


def test_an_area_the_extract_does_not_cover_is_simulated_and_the_prior_says_so() -> None:
    outside = ["E01000001", "E01000002"]  # City of London, not in Essex
    assert iod_folder(outside, None) is None
    assert load_deprivation(outside, None, np.random.default_rng(1)).simulated
    assert iod_folder(outside, OFFICIAL) == OFFICIAL  # a folder given is always read


def test_a_deprivation_prior_falls_back_to_the_district_only_without_real_figures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded = load_recipe("school-readiness")
    assert loaded.recipe.areas.prior is Prior.DEPRIVATION
    assert area_settings(loaded, "basildon", None).prior is Prior.DEPRIVATION

    notes: list[str] = []

    class Listening(SilentReporter):
        def note(self, message: str) -> None:
            notes.append(message)

    monkeypatch.setattr("bakehouse.areas.config.iod_folder", lambda codes, given: None)
    assert area_settings(loaded, "basildon", None, Listening()).prior is Prior.DISTRICT
    assert notes and "--iod" in notes[0]
