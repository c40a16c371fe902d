"""The synthetic world's register: a valid ORUK feed the register imports whole, with its
refuge kept private and its gaps where the truth says."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bakehouse.geography import load_area, load_deprivation
from bakehouse.geography.areas import Area
from bakehouse.geography.deprivation import Deprivation
from bakehouse.world.assets import (
    CONFIDENTIAL_LOCATION_TERM,
    Register,
    build_register,
    write_register,
)
from web.assets import export
from web.assets.feeds import Feed, import_feed
from web.assets.models import Address, Location
from web.assets.records import CONFIDENTIAL_LOCATION_TERM as REGISTER_TERM
from web.assets.schemas import problems


@pytest.fixture(scope="module")
def basildon() -> tuple[Area, Deprivation]:
    area = load_area("basildon")
    deprivation = load_deprivation(area.lsoa_codes, None, np.random.default_rng(1), area.centroids)
    return area, deprivation


@pytest.fixture(scope="module")
def register(basildon: tuple[Area, Deprivation]) -> Register:
    return build_register(*basildon, seed=1)


def test_every_record_meets_the_oruk_schemas(register: Register) -> None:
    for name, kind in (("taxonomies.json", "taxonomy"), ("services.json", "service")):
        for index, record in enumerate(register.feeds[name]):
            assert not problems(kind, record, f"{name}[{index}]")
    services = register.feeds["services.json"]
    assert len(services) > 40
    assert all("Synthetic" in service["description"] for service in services)
    assert all("Synthetic" in service["organization"]["description"] for service in services)


def test_the_same_seed_gives_the_same_register(
    basildon: tuple[Area, Deprivation], register: Register, tmp_path: Path
) -> None:
    assert build_register(*basildon, seed=1) == register
    assert build_register(*basildon, seed=2).feeds != register.feeds
    (tmp_path / "truth").mkdir()
    write_register(*basildon, seed=1, world=tmp_path)
    assert json.loads((tmp_path / "assets" / "services.json").read_text()) == json.loads(
        json.dumps(register.feeds["services.json"])
    )
    assert json.loads((tmp_path / "truth" / "asset_gaps.json").read_text())["gap_areas"]


def test_gap_areas_have_no_early_years_service_left(register: Register) -> None:
    gaps = register.gaps
    assert len(gaps["gap_areas"]) == 4 and gaps["removed_services"]
    early_years = {f"{kind}" for kind in gaps["early_years_types"]}
    removed_postcodes = {service["postal_code"] for service in gaps["removed_services"]}
    left = json.dumps(register.feeds["services.json"])
    assert not any(postcode in left for postcode in removed_postcodes)
    assert {service["type"] for service in gaps["removed_services"]} <= early_years


@pytest.mark.django_db
def test_the_register_imports_whole_and_the_refuge_stays_private(register: Register) -> None:
    assert CONFIDENTIAL_LOCATION_TERM == REGISTER_TERM
    taxonomies = import_feed(Feed("taxonomies.json", "taxonomy", register.feeds["taxonomies.json"]))
    services = import_feed(Feed("services.json", "service", register.feeds["services.json"]))
    assert taxonomies.refused == services.refused == 0
    refuge = Location.objects.get(sensitive=True)
    refuge_postcode = Address.objects.get(location=refuge).postal_code
    published = json.dumps(export.register_feeds())
    assert refuge.pk not in published
    assert "Refuge site" not in published
    assert refuge_postcode not in published or published.count(refuge_postcode) == sum(
        1
        for address in Address.objects.exclude(location=refuge)
        if address.postal_code == refuge_postcode
    )
