"""Small districts for the disclosure tests, and the checker's kind of interval attack on what
they publish, written apart from it: each count is an interval, and every published sum narrows
its parts and its total until nothing moves."""

from __future__ import annotations

from bakehouse.release.disclosure import CountTree, Node

DISTRICT: Node = ("district", "D")
UNBOUNDED = 10**12
Cells = dict[tuple[str, str], tuple[int, int]]  # (LSOA, cohort) -> (population, events)
Sums = list[tuple[str, list[str]]]


def district(cells: Cells) -> CountTree:
    """One district of LSOAs, each with its cohorts' cells."""
    parent: dict[Node, Node | None] = {DISTRICT: None}
    for lsoa, cohort in cells:
        parent[("lsoa", lsoa)] = DISTRICT
        parent[("cell", lsoa, cohort)] = ("lsoa", lsoa)
    population = dict.fromkeys(parent, 0)
    events = dict.fromkeys(parent, 0)
    for (lsoa, cohort), (units, with_outcome) in cells.items():
        for node in (("cell", lsoa, cohort), ("lsoa", lsoa), DISTRICT):
            population[node] += units
            events[node] += with_outcome
    return CountTree(parent, population, events)


def narrow(boxes: dict[str, list[int]], sums: Sums) -> None:
    """Narrow ``boxes`` (name -> [low, high], changed in place) by ``sums`` (total, parts)."""
    moved = True
    while moved:
        moved = False
        for total, parts in sums:
            low_sum = sum(boxes[p][0] for p in parts)
            high_sum = sum(boxes[p][1] for p in parts)
            t = boxes[total]
            if low_sum > t[0] or high_sum < t[1]:
                t[0], t[1], moved = max(t[0], low_sum), min(t[1], high_sum), True
            for p in parts:
                b = boxes[p]
                low, high = t[0] - (high_sum - b[1]), t[1] - (low_sum - b[0])
                if low > b[0] or high < b[1]:
                    b[0], b[1], moved = max(b[0], low), min(b[1], high), True
