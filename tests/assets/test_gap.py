"""The gap between expected need and the services within reach of each area."""

from __future__ import annotations

import numpy as np
import pytest

from bakehouse.areas.intervals import exact_poisson
from bakehouse.assets import (
    AreaNeed,
    AssetGapError,
    ServiceSite,
    Term,
    matching_services,
    need_against_assets,
    services_from_feed,
)
from bakehouse.assets.places import CONFIDENTIAL_LOCATION_TERM
from bakehouse.recipes.schema import AssetsSpec, ReachBand

SPEC = AssetsSpec(
    description="Early years services",
    terms=["Nursery", "term-playgroup"],
    reach=[ReachBand(metres=800, words="a walk"), ReachBand(metres=2000, words="a bus ride")],
    per=1000,
)
NURSERY = (Term("t1", "nursery"),)
# About 111 km per degree of latitude: 0.005 degrees is about 556 m, 0.01 about 1,112 m.
CENTROIDS = {"E01000001": (51.5, 0.4), "E01000002": (51.6, 0.4)}


def area(code: str, expected: float = 10.0, population: int = 100) -> AreaNeed:
    return AreaNeed(code, expected, expected * 0.5, expected * 1.5, population)


def test_services_fall_in_the_nearest_band_that_holds_them() -> None:
    services = [
        ServiceSite("near", NURSERY, points=((51.505, 0.4),)),
        ServiceSite("farther", NURSERY, points=((51.51, 0.4),)),
        ServiceSite("far away", NURSERY, points=((52.5, 0.4),)),
    ]
    table = need_against_assets([area("E01000001")], services, CENTROIDS, SPEC)
    found = table.areas[0]
    assert found.services == (1, 2)
    assert [(n.service_id, n.band_metres) for n in found.nearby] == [
        ("near", 800),
        ("farther", 2000),
    ]


def test_a_service_counts_at_its_nearest_place_once() -> None:
    two_places = ServiceSite("hub", NURSERY, points=((51.51, 0.4), (51.5, 0.4)))
    table = need_against_assets([area("E01000001")], [two_places], CENTROIDS, SPEC)
    assert table.areas[0].services == (1, 1)
    assert table.areas[0].nearby[0].metres == pytest.approx(0.0)


def test_terms_match_by_id_or_by_name_ignoring_case() -> None:
    services = [
        ServiceSite("by name", (Term("x", "NURSERY "),)),
        ServiceSite("by id", (Term("term-playgroup", "Stay and play"),)),
        ServiceSite("other", (Term("y", "Food bank"),)),
        ServiceSite("id is not a name", (Term("nursery", "Library"),)),
    ]
    assert [s.id for s in matching_services(services, SPEC.terms)] == ["by name", "by id"]


def test_an_area_with_no_services_keeps_its_whole_expected_rate_as_its_gap() -> None:
    table = need_against_assets([area("E01000001", expected=12.0)], [], CENTROIDS, SPEC)
    found = table.areas[0]
    assert found.services == (0, 0)
    # 12 of 100 expected: 120 per 1,000, interval 60 to 180.
    assert (found.gap, found.gap_low, found.gap_high) == pytest.approx((120.0, 60.0, 180.0))
    assert found.provision == 0.0
    assert found.provision_high == pytest.approx(exact_poisson(0, 0.95)[1] * 10)
    assert found.rank == 1


def test_the_gap_falls_with_each_service_within_the_gap_band() -> None:
    services = [ServiceSite(f"s{i}", NURSERY, points=((51.5, 0.4),)) for i in range(3)]
    table = need_against_assets(
        [area("E01000001", 12.0), area("E01000002", 12.0)], services, CENTROIDS, SPEC
    )
    served, unserved = table.areas
    assert served.gap == pytest.approx(30.0)
    assert unserved.gap == pytest.approx(120.0)
    assert [a.code for a in table.ranked()] == ["E01000002", "E01000001"]


def test_provision_interval_is_the_garwood_interval_per_thousand() -> None:
    services = [ServiceSite(f"s{i}", NURSERY, points=((51.5, 0.4),)) for i in range(4)]
    found = need_against_assets([area("E01000001", population=200)], services, CENTROIDS, SPEC)
    row = found.areas[0]
    assert row.provision == pytest.approx(20.0)
    # The exact 95% interval of a count of 4 is 1.090 to 10.242.
    assert row.provision_low == pytest.approx(1.0899 * 5, abs=0.01)
    assert row.provision_high == pytest.approx(10.2416 * 5, abs=0.01)


def test_a_confidential_place_counts_everywhere_in_the_widest_band_and_is_never_listed() -> None:
    refuge = ServiceSite("refuge", NURSERY, confidential=True)
    table = need_against_assets([area("E01000001"), area("E01000002")], [refuge], CENTROIDS, SPEC)
    for row in table.areas:
        assert row.services == (0, 1)
        assert row.nearby == ()
    assert table.area_wide == 1


def test_a_service_with_a_confidential_and_a_public_place_lists_only_the_public_one() -> None:
    feed = [
        {
            "id": "svc",
            "status": "active",
            "attributes": [{"taxonomy_term": {"id": "t1", "name": "Nursery"}}],
            "service_at_locations": [
                {
                    "location": {
                        "latitude": 51.6,
                        "longitude": 0.4,
                        "attributes": [{"taxonomy_term": {"id": CONFIDENTIAL_LOCATION_TERM}}],
                    }
                },
                {"location": {"latitude": 51.5, "longitude": 0.4}},
            ],
        }
    ]
    (service,) = services_from_feed(feed)
    assert service.points == ((51.5, 0.4),)
    assert service.confidential
    table = need_against_assets([area("E01000002")], [service], CENTROIDS, SPEC)
    # The public place is over 11 km from the second area: the hidden one beside it counts not.
    assert table.areas[0].services == (0, 0)


@pytest.mark.parametrize(
    "mark",
    [
        {"taxonomy_term": {"id": CONFIDENTIAL_LOCATION_TERM, "name": "Confidential location"}},
        {"link_id": "refuge", "taxonomy_term_id": CONFIDENTIAL_LOCATION_TERM},
    ],
)
def test_a_service_the_feed_marks_confidential_itself_counts_everywhere(
    mark: dict[str, object],
) -> None:
    feed = [
        {
            "id": "refuge",
            "status": "active",
            "attributes": [{"taxonomy_term": {"id": "t1", "name": "Nursery"}}, mark],
        }
    ]
    (service,) = services_from_feed(feed)
    assert service.confidential and service.points == ()
    assert [term.id for term in service.terms] == ["t1"]
    table = need_against_assets([area("E01000001"), area("E01000002")], [service], CENTROIDS, SPEC)
    assert (table.area_wide, table.unplaced) == (1, 0)
    assert [row.services for row in table.areas] == [(0, 1), (0, 1)]


def test_a_feed_with_service_areas_but_no_places_counts_for_the_areas_it_names() -> None:
    feed = [
        {
            "id": "outreach",
            "attributes": [{"taxonomy_term": {"id": "t1", "name": "Nursery"}}],
            "service_areas": [
                {"extent": "E01000002", "extent_type": "text"},
                {"uri": "http://statistics.data.gov.uk/id/statistical-geography/E01000001/"},
                {"extent": '{"type": "Polygon"}', "extent_type": "geojson"},
            ],
        }
    ]
    services = services_from_feed(feed)
    assert services[0].service_areas == ("E01000002", "E01000001")
    table = need_against_assets([area("E01000001"), area("E01000002")], services, CENTROIDS, SPEC)
    assert [row.services for row in table.areas] == [(1, 1), (1, 1)]
    assert [n.metres for n in table.areas[0].nearby] == [None]


def test_a_service_with_no_place_and_no_area_is_counted_as_unplaced_only() -> None:
    lost = ServiceSite("lost", NURSERY)
    table = need_against_assets([area("E01000001")], [lost], CENTROIDS, SPEC)
    assert table.unplaced == 1
    assert table.areas[0].services == (0, 0)


def test_a_withheld_area_has_services_but_no_gap_or_rank() -> None:
    withheld = AreaNeed("E01000001", None, None, None, None)
    service = ServiceSite("s", NURSERY, points=((51.5, 0.4),))
    table = need_against_assets([withheld, area("E01000002")], [service], CENTROIDS, SPEC)
    assert table.areas[0].services == (1, 1)
    assert (table.areas[0].gap, table.areas[0].rank, table.areas[0].provision) == (None, None, None)
    assert table.ranked()[-1].code == "E01000001"


def test_an_area_without_a_centroid_is_an_error_naming_the_field() -> None:
    with pytest.raises(AssetGapError, match="E01000009") as error:
        need_against_assets([area("E01000009")], [], CENTROIDS, SPEC)
    assert error.value.field == "lsoa11cd"


def test_capacity_is_summed_over_the_services_that_state_one() -> None:
    services = [
        ServiceSite("a", NURSERY, points=((51.5, 0.4),), capacity=30),
        ServiceSite("b", NURSERY, points=((51.5, 0.4),)),
    ]
    row = need_against_assets([area("E01000001")], services, CENTROIDS, SPEC).areas[0]
    assert row.capacity == (30.0, 30.0)
    assert row.capacity_known == (1, 1)


def test_a_county_of_areas_and_services_gives_every_area_its_row() -> None:
    # The time this takes is measured by bench/asset_gap.py (median of 5), not here.
    rng = np.random.default_rng(1)
    codes = [f"E0{i:07d}" for i in range(1000)]
    centroids = {code: (51.5 + rng.uniform(0, 0.6), 0.0 + rng.uniform(0, 1.2)) for code in codes}
    services = [
        ServiceSite(f"s{i}", NURSERY, points=((51.5 + rng.uniform(0, 0.6), rng.uniform(0, 1.2)),))
        for i in range(5000)
    ]
    table = need_against_assets([area(code) for code in codes], services, centroids, SPEC)
    assert sorted(row.code for row in table.areas) == codes


def test_the_same_expected_rate_and_services_give_the_same_gap_whatever_the_population() -> None:
    small = AreaNeed("E01000001", 6.0, 3.0, 9.0, 50)
    large = AreaNeed("E01000002", 24.0, 12.0, 36.0, 200)
    table = need_against_assets([small, large], [], CENTROIDS, SPEC)
    assert table.areas[0].gap == pytest.approx(table.areas[1].gap)


def test_an_area_without_a_population_has_no_gap() -> None:
    table = need_against_assets([AreaNeed("E01000001", 5.0, 2.0, 8.0, 0)], [], CENTROIDS, SPEC)
    assert (table.areas[0].gap, table.areas[0].rank, table.areas[0].provision) == (None,) * 3
