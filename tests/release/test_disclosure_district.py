"""The suppressor on whole districts: LSOAs with cohort cells under one district total.

Every release must get past the output checker, which bounds every withheld count by interval
arithmetic over all the published sums (population = events + the rest in every cell and total)
and refuses any that keeps fewer than ``protection`` possible values. The attack here is written
apart from the suppressor's audit, in the checker's terms: a withheld count is anything from 0
up, a published one anything that rounds to it.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bakehouse.release.disclosure import CountTree, DisclosureRules, Node, Protected, protect

from .attack import DISTRICT, UNBOUNDED, Cells, district, narrow

RULES = DisclosureRules()


def _narrowest(tree: CountTree, result: Protected, rules: DisclosureRules) -> dict[str, int]:
    """Every withheld count (and the rest beside withheld events) with the number of values an
    attacker is left with after narrowing through every sum until nothing moves."""
    assert result.numerator is not None
    down, up = rules.rounding // 2, (rules.rounding - 1) // 2

    def box(shown: int | None) -> list[int]:
        if shown is None:
            return [0, UNBOUNDED]
        if shown == 0:
            return [0, 0]
        low = rules.threshold + 1 if shown == rules.lowest_shown else shown - down
        return [low, shown + up]

    boxes: dict[str, list[int]] = {}
    hidden: list[str] = []
    sums: list[tuple[str, list[str]]] = []
    for node in tree.parent:
        name = "/".join(node)
        boxes[f"population {name}"] = box(result.denominator[node])
        boxes[f"events {name}"] = box(result.numerator[node])
        boxes[f"rest {name}"] = box(None)
        if result.denominator[node] is None:
            hidden.append(f"population {name}")
        if result.numerator[node] is None:
            hidden += [f"events {name}", f"rest {name}"]
        sums.append((f"population {name}", [f"events {name}", f"rest {name}"]))
    for node in tree.parent:
        kids = ["/".join(k) for k, p in tree.parent.items() if p == node]
        if kids:
            for measure in ("population", "events", "rest"):
                sums.append((f"{measure} {'/'.join(node)}", [f"{measure} {k}" for k in kids]))
    narrow(boxes, sums)
    return {name: boxes[name][1] - boxes[name][0] + 1 for name in hidden}


def _exposed(cells: Cells, rules: DisclosureRules = RULES) -> dict[str, int]:
    tree = district(cells)
    result = protect(tree, rules)
    widths = _narrowest(tree, result, rules)
    return {name: width for name, width in widths.items() if width < rules.protection}


def test_a_district_with_an_empty_lsoa_is_protected_and_the_empty_lsoa_published_as_zero() -> None:
    # Smallest tree shrunk from a real draw of Basildon: LSOA L holds 8 units, none with the
    # outcome, in two small cohorts; LSOA E holds nobody. The published zeros of L and of the
    # district pinned L's withheld cohorts at 0, and the suppressor chose E's figures as their
    # partners: a count pinned at 0 by E's own empty cohort, which no sibling could protect.
    cells: Cells = {("E", "2025"): (0, 0), ("L", "2024"): (1, 0), ("L", "2025"): (7, 0)}
    tree = district(cells)
    result = protect(tree, RULES)
    assert result.numerator is not None
    empty: list[Node] = [("lsoa", "E"), ("cell", "E", "2025")]
    assert all(result.denominator[n] == 0 and result.numerator[n] == 0 for n in empty)
    assert result.numerator[("lsoa", "L")] is None and result.numerator[DISTRICT] is None
    assert _exposed(cells) == {}


def test_the_district_shrunk_from_basildon_is_protected() -> None:
    # The nine cohorts, over four LSOAs, that the full draw was shrunk to first.
    cells: Cells = {
        ("E01021246", "2025"): (0, 0),
        ("E01021343", "2017"): (1, 0),
        ("E01021343", "2022"): (2, 1),
        ("E01021343", "2024"): (2, 1),
        ("E01021343", "2025"): (1, 0),
        ("E01021344", "2018"): (1, 0),
        ("E01021344", "2024"): (2, 1),
        ("E01021345", "2019"): (1, 0),
        ("E01021345", "2025"): (1, 0),
    }
    assert _exposed(cells) == {}


def test_events_withheld_with_their_population_are_kept_from_their_published_zero_cohort() -> None:
    # LSOA S holds one unit, L eight, none with the outcome. S's population (1) takes L's as
    # its partner under the district, and L's events follow their population; but L's single
    # cohort publishes 0 events, which pins L's withheld events at 0 whatever is withheld above.
    cells: Cells = {("S", "2022"): (1, 0), ("L", "2022"): (8, 0)}
    result = protect(district(cells), RULES)
    assert result.numerator is not None
    assert result.numerator[("lsoa", "L")] is None
    assert result.numerator[("cell", "L", "2022")] is None
    assert _exposed(cells) == {}


_cell = st.tuples(st.integers(0, 14), st.floats(0, 1)).map(
    lambda pair: (pair[0], round(pair[0] * pair[1]))
)


@st.composite
def _districts(draw: st.DrawFn) -> Cells:
    cells: Cells = {}
    for lsoa in range(draw(st.integers(1, 5))):
        cohorts = draw(
            st.lists(
                st.sampled_from(["2022", "2023", "2024", "2025"]),
                min_size=1,
                max_size=4,
                unique=True,
            )
        )
        for cohort in cohorts:
            cells[(f"L{lsoa}", cohort)] = draw(_cell)
    return cells


@settings(max_examples=300, deadline=None)
@given(_districts())
def test_every_small_district_is_protected_so_the_checker_would_pass_it(cells: Cells) -> None:
    assert _exposed(cells) == {}


@settings(max_examples=100, deadline=None)
@given(_districts())
def test_every_small_district_is_protected_when_counts_1_to_10_are_suppressed(
    cells: Cells,
) -> None:
    assert _exposed(cells, DisclosureRules(threshold=10, rounding=5)) == {}
