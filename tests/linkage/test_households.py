"""Households over time, on hand-made custodian zones: a family that moves keeps its household,
a young adult who leaves home starts their own, the next family at an address is another
household, and a baby known only by postcode joins the family at that postcode."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import duckdb
import pytest

from bakehouse.linkage import LinkOptions, link

from .conftest import Person, Zone, person_links

FORENAMES = [
    "Alice", "Bryony", "Cara", "Delia", "Elspeth", "Fenella", "Greta", "Hester", "Ines", "Juno",
    "Kit", "Lorcan", "Milo", "Nico", "Otto", "Piers", "Quentin", "Rufus", "Silas", "Tobin",
]  # fmt: skip
SURNAMES = [
    "Ashby", "Bramley", "Colley", "Dunmow", "Eastwood", "Fairley", "Goring", "Hadley", "Ingram",
    "Jessop", "Kettle", "Lumley", "Mercer", "Nutley", "Oakes", "Pettit", "Quarrie", "Rigby",
    "Stoner", "Tulley", "Upton", "Varley", "Wakely", "Yardley", "Zeal", "Abbott", "Birtles",
    "Cotton", "Dimmock", "Elphick",
]  # fmt: skip


def background(zone: Zone, families: int = 60, seed: int = 7) -> None:
    """Families who stay put: a parent on a yearly benefit claim, children in a yearly school
    census and health records (with NHS numbers), enough for the model to learn from."""
    rng = random.Random(seed)
    for f in range(families):
        surname = SURNAMES[f % len(SURNAMES)] + ("" if f < len(SURNAMES) else "e")
        address, postcode = f"{10 + f} Orchard Road", f"SS{14 + f % 3} {1 + f % 9}A{'BDEF'[f % 4]}"
        parent = Person(rng.choice(FORENAMES), surname, date(1980 + f % 10, 1 + f % 12, 3 + f % 20))
        children = [
            Person(
                rng.choice(FORENAMES),
                surname,
                date(2010 + (f + k) % 6, 1 + (f * 3 + k) % 12, 1 + (f + 7 * k) % 27),
                sex=rng.choice("FM"),
                nhs_number=f"9{f:04d}{k:05d}",
            )
            for k in range(1 + f % 3)
        ]
        for year in range(2015, 2022):
            zone.record("benefits", parent, address, postcode, date(year, 4, 1))
            for child in children:
                zone.record("school", child, address, postcode, date(year, 1, 18))
                zone.record("health", child, None, postcode, date(year, 6, 2))


def _link(zone: Zone, tmp_path: Path, key_file: Path) -> dict[str, tuple[str, str]]:
    workspace = zone.build(tmp_path / "ws")
    link(LinkOptions(workspace=workspace, key_file=key_file))
    return person_links(workspace)


@pytest.fixture
def crowd(zone: Zone) -> Zone:
    background(zone)
    return zone


def test_family_that_moves_keeps_one_household_with_its_history(
    crowd: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    mother = Person("Dana", "Quillfeather", date(1985, 5, 17))
    son = Person("Ezra", "Quillfeather", date(2012, 9, 2), sex="M", nhs_number="4010000001")
    before = [
        crowd.record(source, who, "1 Alpha Road", "SS14 1AA", date(year, 3, 1))
        for year in (2015, 2016, 2017)
        for source, who in (("benefits", mother), ("school", son))
    ]
    after = [
        crowd.record(source, who, "9 Beta Close", "SS15 2BB", date(year, 3, 1))
        for year in (2018, 2019, 2020)
        for source, who in (("benefits", mother), ("school", son))
    ]
    links = _link(crowd, tmp_path, linkage_key)

    households = {links[token][1] for token in before + after}
    assert len(households) == 1
    assert len({links[token][0] for token in before + after}) == 2  # two people


def test_young_adult_who_leaves_home_starts_a_new_household(
    crowd: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    father = Person("Fergus", "Wrenhollow", date(1970, 2, 11))
    daughter = Person("Gwendolen", "Wrenhollow", date(2000, 7, 23), sex="F")
    at_home = [
        crowd.record(source, who, "3 Gamma Way", "SS13 3GG", date(year, 2, 1))
        for year in (2015, 2016, 2017, 2018)
        for source, who in (("benefits", father), ("school", daughter))
    ]
    father_later = [
        crowd.record("benefits", father, "3 Gamma Way", "SS13 3GG", date(year, 2, 1))
        for year in (2019, 2020, 2021)
    ]
    on_her_own = [
        crowd.record("benefits", daughter, "7 Delta Lane", "SS16 7DD", date(year, 5, 1))
        for year in (2019, 2020, 2021)
    ]
    links = _link(crowd, tmp_path, linkage_key)

    family = {links[token][1] for token in at_home + father_later}
    hers = {links[token][1] for token in on_her_own}
    assert len(family) == 1
    assert len(hers) == 1
    assert family != hers


def test_next_family_at_an_address_is_another_household(
    crowd: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    first = Person("Hilda", "Marchbank", date(1975, 3, 9))
    second = Person("Ivor", "Pennycook", date(1982, 11, 30))
    earlier = [
        crowd.record("benefits", first, "5 Echo Street", "CM11 5EE", date(year, 1, 10))
        for year in (2014, 2015, 2016)
    ]
    later = [
        crowd.record("benefits", second, "5 Echo Street", "CM11 5EE", date(year, 9, 10))
        for year in (2017, 2018, 2019)
    ]
    links = _link(crowd, tmp_path, linkage_key)

    assert {links[t][1] for t in earlier}.isdisjoint({links[t][1] for t in later})


def test_baby_known_only_by_postcode_joins_the_family_with_its_surname(
    crowd: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    mother = Person("Juniper", "Oxleigh", date(1990, 8, 8))
    sister = Person("Kestrel", "Oxleigh", date(2016, 4, 4), sex="F", nhs_number="4010000002")
    baby = Person("Linnet", "Oxleigh", date(2021, 1, 15), sex="F", nhs_number="4010000003")
    family = [
        crowd.record(source, who, "12 Foxtrot Gardens", "SS12 9FF", date(year, 3, 3))
        for year in (2019, 2020, 2021, 2022)
        for source, who in (("benefits", mother), ("school", sister))
    ]
    visits = [
        crowd.record("health", baby, None, "SS12 9FF", day)
        for day in (date(2021, 1, 25), date(2021, 3, 10), date(2022, 1, 20))
    ]
    links = _link(crowd, tmp_path, linkage_key)

    assert {links[t][1] for t in visits} == {links[family[0]][1]}


def test_family_members_seen_months_apart_at_one_address_are_one_household(
    crowd: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    # She is seen in the spring, he in the autumn: their stays there do not overlap.
    mother = Person("Marigold", "Thistlewood", date(1984, 6, 14))
    partner = Person("Nathaniel", "Thistlewood", date(1982, 1, 27), sex="M")
    hers = [
        crowd.record("police", mother, "4 Golf Terrace", "SS14 4GT", day)
        for day in (date(2018, 2, 10), date(2018, 3, 1))
    ]
    his = [
        crowd.record("benefits", partner, "4 Golf Terrace", "SS14 4GT", day)
        for day in (date(2018, 9, 20), date(2018, 10, 15))
    ]
    links = _link(crowd, tmp_path, linkage_key)

    assert len({links[token][1] for token in hers + his}) == 1


def test_someone_of_another_surname_soon_after_a_family_left_is_another_household(
    crowd: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    leaving = Person("Oriel", "Brackenbury", date(1979, 10, 5))
    arriving = Person("Perpetua", "Saltonstall", date(1991, 12, 19))
    earlier = [
        crowd.record("benefits", leaving, "6 Hotel Row", "CM12 6HR", date(year, 1, 10))
        for year in (2016, 2017, 2018)
    ]
    later = [  # six months after the last record of the family before
        crowd.record("benefits", arriving, "6 Hotel Row", "CM12 6HR", date(year, 7, 10))
        for year in (2018, 2019, 2020)
    ]
    links = _link(crowd, tmp_path, linkage_key)

    assert {links[t][1] for t in earlier}.isdisjoint({links[t][1] for t in later})


def test_return_home_after_one_record_at_another_address_is_not_a_stale_address(
    crowd: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    # The school's census of 2018 carries an address the boy never lived at (an old one, or a
    # mistyped one); he is at home before and after, and his return is only two records long.
    mother = Person("Quenby", "Harrowgate", date(1983, 4, 21))
    son = Person("Rowan", "Harrowgate", date(2011, 6, 9), sex="M", nhs_number="4010000004")
    hers = [
        crowd.record("benefits", mother, "2 India Place", "SS14 2IP", date(year, 4, 1))
        for year in range(2015, 2022)
    ]
    home_before = [
        crowd.record("school", son, "2 India Place", "SS14 2IP", date(year, 1, 18))
        for year in (2015, 2016, 2017)
    ]
    detour = crowd.record("school", son, "30 Juliet Avenue", "SS16 3JA", date(2018, 1, 18))
    home_after = [
        crowd.record("school", son, "2 India Place", "SS14 2IP", date(year, 1, 18))
        for year in (2019, 2020)
    ]
    links = _link(crowd, tmp_path, linkage_key)

    family = {links[token][1] for token in hers}
    assert len(family) == 1
    assert {links[token][1] for token in home_before + home_after} == family
    # Until he is seen at home again, the 2018 record is all there is: it stays where it says.
    assert links[detour][1] not in family


def test_detour_of_someone_living_alone_stays_in_their_household(
    crowd: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    # A woman living alone; one referral carries her old address, then she is seen at home
    # again. Her return is not someone staying behind: her household went with her, and the
    # referral stays in it (at the address it carries).
    tenant = Person("Verity", "Kellaway", date(1979, 10, 3), sex="F")
    at_home = [
        crowd.record("benefits", tenant, "6 Oscar Row", "SS14 6OR", day)
        for day in (date(2016, 4, 1), date(2017, 4, 1), date(2018, 4, 1))
    ]
    detour = crowd.record("police", tenant, "22 Papa Court", "SS16 2PC", date(2018, 9, 12))
    back = crowd.record("benefits", tenant, "6 Oscar Row", "SS14 6OR", date(2019, 4, 1))
    links = _link(crowd, tmp_path, linkage_key)
    con = duckdb.connect(str(tmp_path / "ws" / "analysis.duckdb"), read_only=True)
    addresses = con.execute(
        "SELECT count(DISTINCT address_id) FROM household_episodes WHERE person_id = $p",
        {"p": links[detour][0]},
    ).fetchone()
    con.close()

    assert {links[token][1] for token in [*at_home, detour, back]} == {links[back][1]}
    assert addresses == (2,)


def test_two_records_at_another_address_between_runs_at_home_are_a_stay_there(
    crowd: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    # Two incidents in one spring at another address, between runs at home: as often a real
    # stay somewhere else as an agency's wrong address, and kept as a stay (ADR 0047).
    father = Person("Sorrel", "Ivesdale", date(1972, 8, 30), sex="M")
    daughter = Person("Tamsin", "Ivesdale", date(1999, 2, 14), sex="F")
    his = [
        crowd.record("benefits", father, "8 Kilo Mews", "CM12 8KM", date(year, 5, 1))
        for year in range(2015, 2022)
    ]
    at_home = [
        crowd.record("police", daughter, "8 Kilo Mews", "CM12 8KM", day)
        for day in (date(2016, 3, 2), date(2017, 3, 9), date(2019, 8, 1), date(2020, 8, 5))
    ]
    away = [
        crowd.record("police", daughter, "41 Lima Parade", "SS13 4LP", day)
        for day in (date(2018, 3, 12), date(2018, 5, 20))
    ]
    links = _link(crowd, tmp_path, linkage_key)
    con = duckdb.connect(str(tmp_path / "ws" / "analysis.duckdb"), read_only=True)
    addresses = con.execute(
        "SELECT count(DISTINCT address_id) FROM household_episodes WHERE person_id = $p",
        {"p": links[away[0]][0]},
    ).fetchone()
    con.close()

    family = links[his[0]][1]
    assert {links[token][1] for token in his + at_home[:2]} == {family}
    assert len({links[token][1] for token in away}) == 1
    assert links[away[0]][1] != family
    assert addresses == (2,)


def test_moving_away_with_the_old_address_recorded_once_after_is_still_a_move(
    crowd: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    # A new address twice, the old one once (an agency not caught up), then the new one on: the
    # old address between the runs at the new one is the detour, not the new home.
    mother = Person("Ursula", "Jethrow", date(1986, 12, 1))
    old_home = [
        crowd.record("benefits", mother, "5 Mike Street", "SS15 5MS", date(year, 6, 1))
        for year in (2015, 2016, 2017)
    ]
    new_home = [
        crowd.record("benefits", mother, "17 November Way", "SS12 1NW", day)
        for day in (date(2018, 6, 1), date(2018, 11, 1), date(2019, 11, 1), date(2020, 6, 1))
    ]
    stale = crowd.record("police", mother, "5 Mike Street", "SS15 5MS", date(2019, 2, 1))
    links = _link(crowd, tmp_path, linkage_key)
    con = duckdb.connect(str(tmp_path / "ws" / "analysis.duckdb"), read_only=True)
    latest = con.execute(
        "SELECT arg_max(address_id, start_date), count(DISTINCT address_id) "
        "FROM household_episodes WHERE person_id = $p",
        {"p": links[stale][0]},
    ).fetchone()
    first_new = con.execute(
        "SELECT address_id FROM household_episodes WHERE person_id = $p AND start_date <= $d "
        "AND end_date >= $d",
        {"p": links[stale][0], "d": date(2018, 7, 1)},
    ).fetchall()
    con.close()

    assert len({links[token][1] for token in old_home + new_home + [stale]}) == 1
    assert latest is not None and latest[1] == 2
    assert first_new == [(latest[0],)]
