"""The suppressor's rules, one scenario each."""

from __future__ import annotations

import pytest

from bakehouse.errors import DisclosureError
from bakehouse.release.disclosure import CountTree, DisclosureRules, Node, protect

RULES = DisclosureRules()


def _tree(cells: dict[str, tuple[int, int]]) -> CountTree:
    """One LSOA with cohort cells (children, not reaching GLD) under it."""
    parent: dict[Node, Node | None] = {("lsoa", "A"): None}
    den: dict[Node, int] = {}
    num: dict[Node, int] = {}
    for cohort, (children, not_gld) in cells.items():
        node = ("cell", "A", cohort)
        parent[node] = ("lsoa", "A")
        den[node], num[node] = children, not_gld
    den[("lsoa", "A")] = sum(den.values())
    num[("lsoa", "A")] = sum(num.values())
    return CountTree(parent, den, num)


def test_counts_of_one_to_seven_are_withheld_others_rounded_and_zero_kept() -> None:
    result = protect(
        _tree({"2022": (40, 12), "2023": (38, 0), "2024": (41, 3), "2025": (39, 9)}), RULES
    )
    assert result.numerator is not None
    assert result.denominator[("cell", "A", "2022")] == 40
    assert result.numerator[("cell", "A", "2022")] == 10
    assert result.numerator[("cell", "A", "2023")] == 0
    assert result.numerator[("cell", "A", "2024")] is None
    assert result.reasons[("numerator", ("cell", "A", "2024"))] == "primary"
    assert result.numerator[("cell", "A", "2025")] is None  # its partner under the total
    assert result.numerator[("lsoa", "A")] == 25  # 24 rounds to 25


def test_a_numerator_whose_complement_is_small_is_withheld() -> None:
    result = protect(_tree({"2022": (20, 19), "2023": (30, 10), "2024": (30, 12)}), RULES)
    assert result.numerator is not None
    assert result.numerator[("cell", "A", "2022")] is None
    assert result.reasons[("numerator", ("cell", "A", "2022"))] == "complement"


def test_a_cell_where_every_child_has_the_outcome_is_withheld_with_a_partner() -> None:
    """9 of 9 would show as 10 of 10: a rate of 100% says of each of the nine children that
    they did not reach GLD."""
    result = protect(_tree({"2022": (9, 9), "2023": (30, 10), "2024": (30, 12)}), RULES)
    assert result.numerator is not None
    assert result.numerator[("cell", "A", "2022")] is None
    assert result.reasons[("numerator", ("cell", "A", "2022"))] == "complement"
    partners = [c for c in ("2023", "2024") if result.numerator[("cell", "A", c)] is None]
    assert partners, "subtraction from the LSOA total would give the cell back"


def test_a_cell_where_no_child_has_the_outcome_is_published_as_zero() -> None:
    result = protect(_tree({"2022": (20, 0), "2023": (30, 10), "2024": (30, 12)}), RULES)
    assert result.numerator is not None
    assert result.numerator[("cell", "A", "2022")] == 0
    assert result.denominator[("cell", "A", "2022")] == 20


def test_a_lone_withheld_cell_under_a_published_total_gets_a_partner() -> None:
    result = protect(_tree({"2022": (40, 5), "2023": (38, 14), "2024": (41, 20)}), RULES)
    assert result.numerator is not None
    assert result.numerator[("lsoa", "A")] == 40
    assert result.numerator[("cell", "A", "2023")] is None  # the smallest published sibling
    assert result.reasons[("numerator", ("cell", "A", "2023"))] == "secondary"
    assert result.numerator[("cell", "A", "2024")] == 20


def test_withheld_cells_that_add_up_to_a_small_count_get_another_partner() -> None:
    result = protect(
        _tree({"2022": (40, 1), "2023": (38, 2), "2024": (41, 20), "2025": (30, 10)}), RULES
    )
    assert result.numerator is not None
    hidden = [
        cell
        for cell in ("2022", "2023", "2024", "2025")
        if result.numerator[("cell", "A", cell)] is None
    ]
    assert hidden == ["2022", "2023", "2025"]


def test_a_withheld_denominator_takes_its_numerator_with_it() -> None:
    result = protect(_tree({"2022": (5, 0), "2023": (38, 12), "2024": (41, 20)}), RULES)
    assert result.numerator is not None
    assert result.denominator[("cell", "A", "2023")] is None  # partner of the small 2022
    assert all(
        result.numerator[node] is None
        for node, value in result.denominator.items()
        if value is None
    )


def test_withheld_zeros_under_a_published_zero_total_are_protected() -> None:
    # Every cohort is small and none had the outcome: publishing the area's 0 would pin each
    # withheld cohort at 0, telling that all of its few children reached GLD.
    result = protect(_tree({"2017": (3, 0), "2018": (3, 0), "2019": (3, 0), "2023": (2, 0)}), RULES)
    assert result.numerator is not None
    assert all(result.numerator[("cell", "A", c)] is None for c in ("2017", "2018", "2019"))
    assert result.numerator[("lsoa", "A")] is None


def test_counts_that_do_not_add_up_are_refused() -> None:
    tree = _tree({"2022": (40, 12), "2023": (38, 10)})
    tree.denominator[("lsoa", "A")] += 1
    with pytest.raises(DisclosureError, match="do not add up"):
        protect(tree, RULES)


def test_rounding_follows_the_agreement() -> None:
    rules = DisclosureRules(threshold=10, rounding=10)
    result = protect(_tree({"2022": (44, 15), "2023": (45, 25)}), rules)
    assert result.numerator is not None
    assert result.denominator[("cell", "A", "2022")] == 40
    assert result.denominator[("cell", "A", "2023")] == 50
    assert rules.rule == "suppress 1-10, round others to 10"


@pytest.mark.parametrize(("threshold", "rounding"), [(7, 5), (10, 5), (10, 10), (0, 5), (9, 3)])
def test_no_count_above_the_threshold_is_shown_at_or_below_it_and_each_shown_value_is_honest(
    threshold: int, rounding: int
) -> None:
    rules = DisclosureRules(threshold=threshold, rounding=rounding)
    for value in range(threshold + 1, threshold + 200):
        shown = rules.round(value)
        assert shown > threshold and shown % rounding == 0
        low, high = rules.possible(shown)
        assert low <= value <= high
        # The range is exact: every count in it shows as the same value.
        assert {rules.round(v) for v in range(low, high + 1)} == {shown}
    # The default rule rounds to the nearest 5, as the NHS rule asks.
    assert [DisclosureRules().round(v) for v in (8, 12, 13, 17, 18)] == [10, 10, 15, 15, 20]
