"""The suppressor beside an earlier release of the same area.

An attacker reads every release of an area side by side and takes a cohort cell to be one
unknown in both when their published values agree or one of them is withheld. A cell the
earlier release withheld (a few units, none with the outcome) and the new one publishes (more
units arrived, still none with it: 0 events) is then pinned at 0 in the earlier release too.
The attack here is the output checker's own (its interval attack and its linking of cells),
run on what the suppressor publishes, so that a release the suppressor lets through is one the
checker passes.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bakehouse.errors import DisclosureError
from bakehouse.release.checker import DERIVED, _attack, _renamed
from bakehouse.release.differencing import Earlier
from bakehouse.release.disclosure import CountTree, DisclosureRules, Node, Protected, protect

from .attack import DISTRICT, Cells, district

RULES = DisclosureRules()


def _as_earlier(tree: CountTree, result: Protected, release_id: str) -> Earlier:
    """A protected release as the next one reads it from its published files."""
    assert result.numerator is not None
    cohorts = tuple(sorted({int(node[2]) for node in tree.parent if node[0] == "cell"}))
    cells = {
        node: (result.denominator[node], result.numerator[node])
        for node in tree.parent
        if node[0] == "cell"
    }
    totals = [
        (
            node,
            (result.denominator[node], result.numerator[node]),
            [cell for cell in cells if node == DISTRICT or cell[1] == node[1]],
        )
        for node in tree.parent
        if node[0] != "cell"
    ]
    return Earlier(release_id, cohorts, cells, totals)


Groups = list[tuple[str, Any, list[tuple[str, Any]]]]  # as the output checker reads a release


def _groups(tree: CountTree, result: Protected) -> tuple[Groups, dict[str, int | None]]:
    """What a protected district publishes, as the output checker reads it from the files:
    every sum (cells under an LSOA, LSOAs under the district, population = events + the
    others), and every cohort cell by the units it describes."""
    assert result.numerator is not None

    def ident(node: Node, key: str) -> str:
        if node[0] == "cell":
            return f"trend {node[1]} cohort {node[2]} observed:{key}"
        if node[0] == "lsoa":
            return f"areas {node[1]} observed:{key}"
        return f"{node[0]} {node[1]} observed:{key}"

    # A district's events are published only as a rate over its population.
    events = {
        node: None if node[0] == "district" and result.denominator[node] is None else value
        for node, value in result.numerator.items()
    }
    column = {"population": result.denominator, "events": events}
    groups: Groups = []
    for parent in tree.parent:
        kids = sorted(k for k, p in tree.parent.items() if p == parent)
        if kids:
            for key, values in column.items():
                groups.append(
                    (ident(parent, key), values[parent], [(ident(k, key), values[k]) for k in kids])
                )
    for node in tree.parent:
        others = None if events[node] is None else DERIVED
        groups.append(
            (
                ident(node, "population"),
                result.denominator[node],
                [(ident(node, "events"), events[node]), (ident(node, "others"), others)],
            )
        )
    same_units = {
        f"{node[1]} cohort {node[2]} {key}": values[node]
        for node in tree.parent
        if node[0] == "cell"
        for key, values in column.items()
    }
    return groups, same_units


def _exposed_beside(before: Cells, after: Cells, *, rules: DisclosureRules = RULES) -> list[str]:
    """Protect ``before``, then ``after`` beside it, and run the output checker's attack across
    the two releases on what they publish: the withheld counts of either that the two together
    narrow below ``protection`` values (and further than the earlier one alone)."""
    old_tree = district(before)
    old = protect(old_tree, rules)
    new_tree = district(after)
    new = protect(new_tree, rules, [_as_earlier(old_tree, old, "earlier")])
    own, own_units = _groups(new_tree, new)
    theirs, their_units = _groups(old_tree, old)
    renamed = _renamed(theirs, "earlier", own_units, their_units)
    alone = dict(_attack(renamed, rules.rounding, rules.threshold))
    joint = _attack(own + renamed, rules.rounding, rules.threshold)
    if any(width <= 0 for _, width in joint):
        return []  # the two contradict each other: records changed, and the sums do not combine
    return sorted(
        name for name, width in joint if width < min(rules.protection, alone.get(name, width + 1))
    )


# Shrunk from a domestic abuse release refused by the checker: one LSOA's cohort of 6, none with
# the outcome, withheld in the earlier release; two records arrived, and 8 with none (shown as
# 10 of which 0) would pin the earlier release's withheld events at 0.
BEFORE: Cells = {
    ("L", "2016"): (10, 0),
    ("L", "2018"): (12, 1),
    ("L", "2021"): (6, 0),
    ("M", "2021"): (12, 3),
}
AFTER: Cells = {**BEFORE, ("L", "2021"): (8, 0)}


def test_a_cell_withheld_before_is_not_pinned_by_what_the_new_release_shows_of_it() -> None:
    earlier_tree = district(BEFORE)
    earlier = protect(earlier_tree, RULES)
    assert earlier.numerator is not None
    assert earlier.numerator[("cell", "L", "2021")] is None

    assert _exposed_beside(BEFORE, AFTER) == []


def test_the_new_release_withholds_the_events_it_would_have_given_away() -> None:
    earlier_tree = district(BEFORE)
    earlier = _as_earlier(earlier_tree, protect(earlier_tree, RULES), "earlier")

    new = protect(district(AFTER), RULES, [earlier])

    assert new.numerator is not None
    assert new.numerator[("cell", "L", "2021")] is None
    assert new.reasons[("numerator", ("cell", "L", "2021"))] == "differencing"


def test_an_unchanged_release_beside_its_earlier_one_gives_nothing_away() -> None:
    assert _exposed_beside(BEFORE, BEFORE) == []


def test_a_count_the_earlier_release_pins_is_refused_naming_the_release_and_what_to_do() -> None:
    # The earlier release showed an empty cohort; three records arrived late. The new release
    # must withhold the 3, and an attacker who takes the cohort to be unchanged pins it at 0.
    before: Cells = {("L", "2016"): (0, 0)}
    earlier_tree = district(before)
    earlier = _as_earlier(earlier_tree, protect(earlier_tree, RULES), "release-2025")

    with pytest.raises(DisclosureError) as refused:
        protect(district({("L", "2016"): (3, 0)}), RULES, [earlier])

    assert "population of L/2016" in str(refused.value)
    assert "release-2025" in str(refused.value)
    assert "fresh output folder" in str(refused.value)


_COUNTS = st.integers(0, 14).flatmap(lambda units: st.tuples(st.just(units), st.integers(0, units)))


@st.composite
def _before_and_after(draw: st.DrawFn) -> tuple[Cells, Cells]:
    """A district of one to three LSOAs and cohorts, then the same district with some cells
    moved by records that arrived or were erased."""
    lsoas = "LMN"[: draw(st.integers(1, 3))]
    cohorts = [str(2016 + k) for k in range(draw(st.integers(1, 3)))]
    before: Cells = {(lsoa, cohort): draw(_COUNTS) for lsoa in lsoas for cohort in cohorts}
    after = dict(before)
    for key, (units, with_outcome) in before.items():
        if draw(st.booleans()):
            moved = max(0, units + draw(st.integers(-2, 3)))
            after[key] = (moved, min(moved, max(0, with_outcome + draw(st.integers(-1, 1)))))
    return before, after


@settings(max_examples=150, deadline=None)
@given(_before_and_after())
def test_the_checker_finds_nothing_across_releases_or_the_release_is_refused_saying_why(
    pair: tuple[Cells, Cells],
) -> None:
    before, after = pair
    earlier_tree = district(before)
    earlier = _as_earlier(earlier_tree, protect(earlier_tree, RULES), "release-2025")
    try:
        protect(district(after), RULES, [earlier])
    except DisclosureError as refused:
        assert "release-2025" in str(refused)
        assert "fresh output folder" in str(refused)
        return
    assert _exposed_beside(before, after) == []
