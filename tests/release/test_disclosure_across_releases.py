"""The suppressor beside an earlier release of the same area.

An attacker reads every release of an area side by side and takes a cohort cell to be one
unknown in both when their published values agree or one of them is withheld. A cell the
earlier release withheld (a few units, none with the outcome) and the new one publishes (more
units arrived, still none with it: 0 events) is then pinned at 0 in the earlier release too.
The attack here is the output checker's, written apart from the suppressor's audit.
"""

from __future__ import annotations

from bakehouse.release.differencing import Earlier
from bakehouse.release.disclosure import CountTree, DisclosureRules, Protected, protect

from .attack import DISTRICT, UNBOUNDED, Cells, district, narrow

RULES = DisclosureRules()
Named = dict[str, int | None]  # a count's name -> its published value (None: withheld)


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


def _published(tree: CountTree, result: Protected) -> tuple[Named, list[tuple[str, list[str]]]]:
    """Every count by name, and every sum, in the checker's terms (population = events + rest)."""
    assert result.numerator is not None
    values: Named = {}
    sums: list[tuple[str, list[str]]] = []
    for node in tree.parent:
        name = "/".join(node)
        values[f"population {name}"] = result.denominator[node]
        values[f"events {name}"] = result.numerator[node]
        sums.append((f"population {name}", [f"events {name}", f"rest {name}"]))
        kids = ["/".join(k) for k, p in tree.parent.items() if p == node]
        if kids:
            for measure in ("population", "events", "rest"):
                sums.append((f"{measure} {name}", [f"{measure} {k}" for k in kids]))
    return values, sums


def _widths(releases: list[tuple[Named, list[tuple[str, list[str]]]]]) -> dict[str, int]:
    """The number of values left to every withheld count after narrowing through all sums."""
    down, up = RULES.rounding // 2, (RULES.rounding - 1) // 2
    boxes: dict[str, list[int]] = {}
    hidden: set[str] = set()
    relations: list[tuple[str, list[str]]] = []
    for values, sums in releases:
        for name, shown in values.items():
            if shown is None:
                hidden.add(name)
                new = [0, UNBOUNDED]
            elif shown == 0:
                new = [0, 0]
            else:
                low = RULES.threshold + 1 if shown == RULES.lowest_shown else shown - down
                new = [low, shown + up]
            old = boxes.setdefault(name, new)
            old[0], old[1] = max(old[0], new[0]), min(old[1], new[1])
        for total, parts in sums:
            for name in (total, *parts):
                boxes.setdefault(name, [0, UNBOUNDED])
        relations += sums
    narrow(boxes, relations)
    return {name: boxes[name][1] - boxes[name][0] + 1 for name in hidden}


def _renamed(
    values: Named, sums: list[tuple[str, list[str]]], own: Named
) -> tuple[Named, list[tuple[str, list[str]]]]:
    """The earlier release under names of its own, but for the cohort cells whose published
    values agree with the new release's, or one of which is withheld: one unknown in both."""

    def name(count: str) -> str:
        shared = count in values and count in own and "/cell/" in f"/{count.split(' ')[1]}/"
        agree = shared and (
            values[count] is None or own[count] is None or values[count] == own[count]
        )
        return count if agree else f"earlier {count}"

    return (
        {name(count): shown for count, shown in values.items()},
        [(name(total), [name(p) for p in parts]) for total, parts in sums],
    )


def _exposed_beside(before: Cells, after: Cells) -> list[str]:
    """Protect ``before``, then ``after`` beside it; the withheld counts of either that the two
    together narrow below ``protection`` values (and further than the earlier one alone)."""
    old_tree = district(before)
    old = protect(old_tree, RULES)
    new_tree = district(after)
    new = protect(new_tree, RULES, [_as_earlier(old_tree, old, "earlier")])
    own = _published(new_tree, new)
    theirs = _renamed(*_published(old_tree, old), own[0])
    alone = _widths([theirs])
    joint = _widths([own, theirs])
    return sorted(
        name
        for name, width in joint.items()
        if width < min(RULES.protection, alone.get(name, width + 1))
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
