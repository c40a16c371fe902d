"""The suppressor: statistical disclosure control for counts on a hierarchy.

Counts sit on a tree (LSOA and cohort -> LSOA -> district -> county); each parent is the sum of
its children. A tree carries a denominator (the population) and optionally a numerator (of
them, the events: units with the outcome); the complement (those without) is implied by the two.

The rules, in the order applied (threshold T and rounding base B come from the agreements):

1. **Primary suppression.** A denominator of 1..T is withheld. A numerator is withheld when it is
   1..T, when its complement is 0..T in a group that is not empty (a rate of 95% of 20 units
   reveals the few without the outcome; 100%, as in 9 of 9, says of every unit in the group that
   they did not), or when its denominator is withheld. A numerator of 0 is published: it says
   only that nobody in the group has the outcome.
2. **Secondary suppression.** In every group of siblings whose parent is published, the withheld
   members must be none, or at least two whose combined count (and combined complement) exceeds
   T (a combined complement of 0, all withheld members having the outcome, is as telling as a
   small one); otherwise the smallest published sibling is withheld too, or the parent if none
   is left. A sibling the published figures already pin is never chosen: a zero whose own
   counts are all published (an empty LSOA), or the events of a published empty group.
   This stops subtraction from a published total, and keeps anything derived from the withheld
   cells together (an expected number, say) from resting on fewer than T + 1 units.
3. **Audit.** An attacker who knows the rules (and, at worst, which withheld counts are the small
   ones) bounds every withheld count from every published total, by propagating intervals through
   all the sums and through denominator = numerator + complement until nothing changes. Every
   small withheld count must stay uncertain across at least ``protection`` values; where one does
   not, another count is withheld and the audit runs again: one of the published counts it is
   the sum of, when those alone pin it (a withheld total over published zeros), else a sibling,
   its own population, or its parent, going up the tree.
4. **Rounding.** Every published count is rounded to the nearest B (halves up); zero stays zero.

Earlier releases of the same area (:mod:`bakehouse.release.differencing`) add two things: a count
describing the same units as one an earlier release published is withheld unless it shows the
same value or differs from it by more than T at the ends of both rounding intervals
(``differencing``); and the audit holds every earlier release's cells and totals beside the new
ones. An earlier release's withheld cell stays a target when it is the same unknown as this
release's cell; if this release would publish that cell and so narrow it, the cell is withheld
here (``differencing``). Last, the attack an attacker can run on the published values of this
release and each earlier one (:class:`_Beside`: a cohort cell is one unknown in both, measure by
measure, when the published values agree or either is withheld) must narrow no withheld count of
either below ``protection`` values further than the earlier release alone; what it narrows is
withheld here too, and where nothing can be, the release is refused naming the earlier release.

The output checker (:mod:`bakehouse.release.checker`) verifies the result independently; it
shares no code with this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bakehouse.errors import DisclosureError

if TYPE_CHECKING:
    from bakehouse.release.differencing import Earlier, Published

Node = tuple[str, ...]
UNBOUNDED = 10**15
DENOMINATOR, NUMERATOR, COMPLEMENT = 0, 1, 2


@dataclass(frozen=True)
class DisclosureRules:
    """The rules of the strictest agreement among the sources a release draws on."""

    threshold: int = 7
    rounding: int = 5
    protection: int = 3  # a withheld small count must stay uncertain across this many values

    def __post_init__(self) -> None:
        if self.threshold < 0 or self.rounding < 1 or self.protection < 2:
            raise DisclosureError(
                "Disclosure rules need threshold >= 0, rounding >= 1 and protection >= 2",
                field="disclosure",
            )

    @property
    def rule(self) -> str:
        return f"suppress 1-{self.threshold}, round others to {self.rounding}"

    @property
    def lowest_shown(self) -> int:
        """The smallest count published above zero: the first multiple of the base above the
        threshold (10 under the default rule; 15 when counts 1-10 are suppressed)."""
        return self.rounding * (self.threshold // self.rounding + 1)

    def round(self, value: int) -> int:
        """A count as published: the nearest multiple of the base, halves up. A count above the
        threshold is never shown at or below it (under "suppress 1-10, round to 5", 11 would
        show as 10): it shows as the lowest published count instead."""
        nearest = self.rounding * ((value + self.rounding // 2) // self.rounding)
        return max(nearest, self.lowest_shown) if value > self.threshold else nearest

    def possible(self, shown: int) -> tuple[int, int]:
        """The counts above the threshold that are published as ``shown`` (not 0)."""
        low = self.threshold + 1 if shown == self.lowest_shown else shown - self.rounding // 2
        return max(low, self.threshold + 1), shown + (self.rounding - 1) // 2


@dataclass
class CountTree:
    """Counts on a hierarchy: ``parent`` maps every node to its parent (None for a root)."""

    parent: dict[Node, Node | None]
    denominator: dict[Node, int]
    numerator: dict[Node, int] | None = None


@dataclass(frozen=True)
class Protected:
    """Published counts (rounded; None where withheld) and, for internal use only, why each
    withheld count was withheld: ``primary``, ``complement``, ``follows`` or ``secondary``."""

    denominator: dict[Node, int | None]
    numerator: dict[Node, int | None] | None
    reasons: dict[tuple[str, Node], str] = field(default_factory=dict)


def protect(tree: CountTree, rules: DisclosureRules, earlier: Sequence[Earlier] = ()) -> Protected:
    """Apply primary and secondary suppression, audit (with every earlier release of the same
    area beside this one), and round.

    A count withheld because it moved since an earlier release is first protected strictly:
    the other figures must not show that it moved at all. Where that cannot be met (records
    changed throughout the area, so that every figure around it moved too), the weaker guarantee
    holds instead: they must not pin how far it moved into 1..T.

    Refused (DisclosureError) where nothing can be withheld to protect a count; when only the
    earlier releases beside it make that so, the refusal names them and says what to do."""
    try:
        return _protect(_State(tree, rules, earlier, strict=True))
    except DisclosureError:
        if not earlier:
            raise
    try:
        return _protect(_State(tree, rules, earlier, strict=False))
    except _RefusedBeside:
        raise
    except DisclosureError as refusal:
        _protect(_State(tree, rules))  # refused alone too: that refusal says what to do
        named = ", ".join(release.release_id for release in earlier)
        raise _RefusedBeside(
            f"{refusal.what}, beside the earlier releases in the output folder ({named}); "
            "on its own the release could be protected",
            field="disclosure",
            fix=_FIX_BESIDE.format(named=named),
        ) from refusal


class _RefusedBeside(DisclosureError):
    """Refused because of the earlier releases beside this one: alone it could be protected."""


_FIX_BESIDE = (
    "Publish into a fresh output folder, retire {named} from this one (move it out), or publish "
    "again when more records have arrived"
)


def _protect(state: _State) -> Protected:
    state.primary()
    state.differencing()
    state.baseline = _Bounds(state, reveal=False).propagate()
    for _ in range(10_000):
        state.secondary()
        exposed = state.audit()
        if not exposed:
            beside = state.audit_beside()
            if not beside:
                break
            if not any([state.protect_beside(*target) for target in beside]):
                raise _unprotectable(beside, state.rules)
            continue
        if not any([state.protect_more(measure, node) for measure, node in exposed]):
            raise DisclosureError(
                "Small counts cannot be protected: every count around them is already "
                f"withheld ({_described(exposed, state.earlier_of)})",
                field="disclosure",
                fix="Publish at a coarser level, or lower the protection setting",
            )
    else:
        raise DisclosureError("Secondary suppression did not settle", field="disclosure")
    return state.published()


def _unprotectable(beside: list[tuple[int, Node, str]], rules: DisclosureRules) -> _RefusedBeside:
    """The refusal when no more withholding protects a count against the releases beside."""
    measure, node, _ = beside[0]
    releases = sorted({r for m, n, r in beside if (m, n) == (measure, node)})
    named = ", ".join(releases)
    return _RefusedBeside(
        f"The {_MEASURES[measure]} of {'/'.join(node[1:])} cannot be protected beside the "
        f"earlier release{'s' if len(releases) > 1 else ''} {named} in the output folder: read "
        f"side by side, the published figures narrow it (in this release or in the earlier "
        f"one) to fewer than {rules.protection} possible values whatever else is withheld",
        field="disclosure",
        fix=_FIX_BESIDE.format(named=named),
    )


_MEASURES = {
    DENOMINATOR: "population",
    NUMERATOR: "events",
    COMPLEMENT: "population without the outcome",
}


def _described(exposed: list[tuple[int, Node]], earlier_of: dict[Node, str]) -> str:
    """The exposed counts by measure and place (never their values), at most five."""
    named: list[str] = []
    for measure, node in exposed:
        text = f"{_MEASURES[measure]} of {'/'.join(node[1:])}"
        if node in earlier_of:
            text += f" (earlier release {earlier_of[node]})"
        if text not in named:
            named.append(text)
    return "; ".join(named[:5]) + ("; ..." if len(named) > 5 else "")


class _State:
    def __init__(
        self,
        tree: CountTree,
        rules: DisclosureRules,
        earlier: Sequence[Earlier] = (),
        strict: bool = True,
    ) -> None:
        self.rules = rules
        self.earlier = list(earlier)
        self.strict = strict
        # Audit targets that are an earlier release's cells: the release they come from.
        self.earlier_of: dict[Node, str] = {}
        # Each earlier release's totals with the parts they are the sums of.
        self.nested: dict[str, list[tuple[Node, list[Node]]]] = {}
        # Counts withheld because they moved since an earlier release, with what it published:
        # the other figures must not show that they moved (strict), or at least not pin how far
        # into 1..T.
        self.moved: list[tuple[int, Node, tuple[int, int]]] = []
        self.parent = tree.parent
        self.den = tree.denominator
        self.num = tree.numerator
        self.nodes = sorted(self.parent)
        self.children: dict[Node, list[Node]] = {node: [] for node in self.nodes}
        for node, parent in self.parent.items():
            if parent is not None:
                self.children[parent].append(node)
        for kids in self.children.values():
            kids.sort()
        self._check()
        self.withheld_den: dict[Node, str] = {}
        self.withheld_num: dict[Node, str] = {}
        self.baseline: _Bounds  # what the attacker's side knowledge alone gives

    def _check(self) -> None:
        for node in self.nodes:
            kids = self.children[node]
            if self.den[node] < 0 or (kids and sum(self.den[k] for k in kids) != self.den[node]):
                raise DisclosureError(f"Denominators do not add up at {'/'.join(node)}")
            if self.num is None:
                continue
            if not 0 <= self.num[node] <= self.den[node]:
                raise DisclosureError(f"Numerator outside 0..denominator at {'/'.join(node)}")
            if kids and sum(self.num[k] for k in kids) != self.num[node]:
                raise DisclosureError(f"Numerators do not add up at {'/'.join(node)}")

    def small(self, value: int) -> bool:
        return 1 <= value <= self.rules.threshold

    def complement(self, node: Node) -> int:
        assert self.num is not None
        return self.den[node] - self.num[node]

    def telling_complement(self, node: Node) -> bool:
        """The complement says too much: 1..T of the group lack the outcome, or none of a
        group that is not empty (every member has it)."""
        return self.den[node] > 0 and self.complement(node) <= self.rules.threshold

    # 1. primary
    def primary(self) -> None:
        for node in self.nodes:
            if self.small(self.den[node]):
                self.withheld_den[node] = "primary"
            if self.num is None:
                continue
            if self.small(self.num[node]) and self.small(self.complement(node)):
                # Both sides small: the denominator (at most 2T) would pin each of them.
                self.withheld_den.setdefault(node, "primary")
            if self.small(self.num[node]):
                self.withheld_num[node] = "primary"
            elif self.telling_complement(node):
                self.withheld_num[node] = "complement"
            elif node in self.withheld_den:
                self.withheld_num[node] = "follows"

    # 1b. differencing against earlier releases
    def differencing(self) -> None:
        """Withhold a count whose published value would differ from an earlier release's value
        for the same units by T or less (at the ends of both rounding intervals)."""
        cohorts = tuple(sorted({int(node[2]) for node in self.nodes if node[0] == "cell"}))
        for release in self.earlier:
            same = dict(release.cells)
            if release.cohorts == cohorts:
                same.update({node: value for node, value, _ in release.totals})
            for node, (population, events) in same.items():
                if node not in self.parent:
                    continue
                if self._moved(self.den[node], population):
                    self.withheld_den.setdefault(node, "differencing")
                    self.moved.append((DENOMINATOR, node, _published_box(population, self.rules)))
                if self.num is not None and self._moved(self.num[node], events):
                    self.withheld_num.setdefault(node, "differencing")
                    self.moved.append((NUMERATOR, node, _published_box(events, self.rules)))

    def _moved(self, value: int, before: int | None) -> bool:
        if before is None or self.small(value):
            return False  # nothing to compare, or withheld anyway
        shown = self.rules.round(value)
        if shown == before:
            return False
        low, high = _interval(shown, self.rules)
        was_low, was_high = _interval(before, self.rules)
        gap = max(low - was_high, was_low - high)
        return gap <= self.rules.threshold

    # 2. secondary
    def secondary(self) -> None:
        changed = True
        while changed:
            changed = False
            if self.num is not None:
                for node in self.withheld_den:
                    if node not in self.withheld_num:
                        self.withheld_num[node] = "follows"
                        changed = True
            for parent in self.nodes:
                kids = self.children[parent]
                if kids and parent not in self.withheld_den and self._den_group_open(kids):
                    self._withhold_den(self._smallest(kids, self.withheld_den, self.den), parent)
                    changed = True
                if (
                    self.num is not None
                    and kids
                    and parent not in self.withheld_num
                    and self._num_group_open(kids)
                ):
                    self._withhold_num(self._smallest(kids, self.withheld_num, self.num), parent)
                    changed = True

    def _den_group_open(self, kids: list[Node]) -> bool:
        hidden = [k for k in kids if k in self.withheld_den]
        total = sum(self.den[k] for k in hidden)
        return len(hidden) == 1 or self.small(total)

    def _num_group_open(self, kids: list[Node]) -> bool:
        assert self.num is not None
        hidden = [k for k in kids if k in self.withheld_num]
        events = sum(self.num[k] for k in hidden)
        others = sum(self.complement(k) for k in hidden)
        population = sum(self.den[k] for k in hidden)
        telling = population > 0 and others <= self.rules.threshold
        return len(hidden) == 1 or self.small(events) or telling

    def _smallest(
        self, kids: list[Node], withheld: dict[Node, str], values: dict[Node, int]
    ) -> Node | None:
        """The published sibling to withhold: the smallest non-zero one (a zero hides little),
        never one that hides nothing."""
        published = [
            k for k in kids if k not in withheld and not self.given_away(k, withheld, values)
        ]
        return min(published, key=lambda k: (values[k] == 0, values[k], k)) if published else None

    def given_away(self, node: Node, withheld: dict[Node, str], values: dict[Node, int]) -> bool:
        """A zero the other published figures pin whether it is withheld or not: every count
        under it is published (each then 0), or, for events, its published population is 0.
        Withheld as a partner it hides nothing, and the audit could then never protect it (an
        empty LSOA's figures are pinned at 0 by its empty cohorts, which no sibling changes)."""
        if values[node] != 0:
            return False
        kids = self.children[node]
        if kids and not any(k in withheld for k in kids):
            return True
        return values is self.num and node not in self.withheld_den and self.den[node] == 0

    def _withhold_den(self, node: Node | None, parent: Node) -> None:
        target = node if node is not None else parent
        self.withheld_den.setdefault(target, "secondary")

    def _withhold_num(self, node: Node | None, parent: Node) -> None:
        target = node if node is not None else parent
        self.withheld_num.setdefault(target, "secondary")

    # 3. audit
    def audit(self) -> list[tuple[int, Node]]:
        """The small withheld counts an attacker can narrow to fewer than ``protection``
        values: (measure, node) pairs."""
        bounds, alone = self._joint_bounds()
        needed = min(self.rules.protection, self.rules.threshold)
        # What the attacker knows without this release: side knowledge and the earlier ones.
        known = alone if self.earlier else self.baseline
        exposed = [
            (measure, node)
            for measure, node in bounds.targets
            if bounds.width(measure, node) < min(needed, known.width(measure, node))
        ]
        threshold = self.rules.threshold
        for measure, node, (was_low, was_high) in self.moved:
            v = bounds.var(measure, node)
            # The change since the earlier release, as the attacker can bound it.
            fell, rose = was_low - bounds.hi[v], bounds.lo[v] - was_high
            if self.strict:
                # Certainly moved, and possibly by 1..T.
                if 1 <= fell <= threshold or 1 <= rose <= threshold:
                    exposed.append((measure, node))
                continue
            most_fell, most_rose = was_high - bounds.lo[v], bounds.hi[v] - was_low
            if (fell >= 1 and most_fell <= threshold) or (rose >= 1 and most_rose <= threshold):
                exposed.append((measure, node))
        for measure, node, release_id in bounds.earlier_targets:
            key = (release_id, measure, node)
            before = alone.width_of(alone.extra[key]) if key in alone.extra else UNBOUNDED
            if bounds.width_of(bounds.extra[key]) < min(needed, before):
                self.earlier_of[node] = release_id
                exposed.append((measure, node))
        return exposed

    def _joint_bounds(self) -> tuple[_Bounds, _Bounds]:
        """The attacker's bounds with every earlier release beside this one. Where an earlier
        release's figures contradict this one's under the attacker's assumption that nothing
        changed (records arrived or were erased), the attacker learns that much and cannot
        combine the two; that release is left out. Also: the bounds from the earlier releases
        without this one's figures, as an earlier cell is exposed only if this release narrows
        it further."""
        usable = list(self.earlier)
        while True:
            try:
                joint = _Bounds(self, reveal=True, earlier=usable).propagate()
                alone = _Bounds(self, reveal=False, earlier=usable).propagate()
                return joint, alone
            except DisclosureError:
                if not usable:
                    raise
                usable.pop(0)

    def audit_beside(self) -> list[tuple[int, Node, str]]:
        """The withheld counts of this release or an earlier one that an attacker reading the
        two side by side, from their published values alone, narrows below ``protection``
        values (and further than the earlier release alone): (measure, node, release id)."""
        if not self.earlier:
            return []
        published = self.published()
        exposed: list[tuple[int, Node, str]] = []
        for release in self.earlier:
            if release.release_id not in self.nested:
                self.nested[release.release_id] = _nested(release.totals)
            nested = self.nested[release.release_id]
            for measure, node in _exposed_beside(self, published, release, nested):
                exposed.append((measure, node, release.release_id))
        return exposed

    def protect_beside(self, measure: int, node: Node, release_id: str) -> bool:
        """Withhold one more count of this release against the attack side by side: the
        exposed count itself where this release publishes it, else the smallest published cell
        it is made of, else as for any exposed count."""
        withheld = self.withheld_den if measure == DENOMINATOR else self.withheld_num
        values = self.den if measure == DENOMINATOR else self.num
        assert values is not None
        if node not in self.parent:
            self.earlier_of[node] = release_id
            return self._protect_earlier(measure, node, withheld, values)
        if node in withheld or measure == COMPLEMENT:
            cells = [
                cell
                for cell in self._cells_under(node)
                if cell not in withheld and not self.given_away(cell, withheld, values)
            ]
            if cells:
                withheld[min(cells, key=lambda c: (values[c] == 0, values[c], c))] = "differencing"
                return True
        return self.protect_more(measure, node)

    def _cells_under(self, node: Node) -> list[Node]:
        kids = self.children[node]
        if not kids:
            return [node]
        return [cell for kid in kids for cell in self._cells_under(kid)]

    def protect_more(self, measure: int, node: Node) -> bool:
        """Withhold one more count near ``node``: its smallest published sibling, else its parent,
        going up the tree. False if there is nothing left to withhold."""
        withheld = self.withheld_den if measure == DENOMINATOR else self.withheld_num
        values = self.den if measure == DENOMINATOR else self.num
        assert values is not None
        if node not in self.parent:
            return self._protect_earlier(measure, node, withheld, values)
        if node not in withheld:
            # An earlier release's withheld cell that this release publishes, narrowing it:
            # only withholding it here leaves it as uncertain as before.
            withheld[node] = "differencing"
            return True
        kids = self.children[node]
        if kids and not any(k in withheld for k in kids):
            # Pinned from below, by the published counts it is the sum of: nothing above it
            # helps, so withhold one of those.
            candidate = self._smallest(kids, withheld, values)
            if candidate is not None:
                withheld[candidate] = "secondary"
                return True
        current: Node | None = node
        while current is not None:
            parent = self.parent[current]
            siblings = self.children[parent] if parent is not None else []
            candidate = self._smallest([k for k in siblings if k != current], withheld, values)
            if candidate is not None:
                withheld[candidate] = "secondary"
                return True
            if (
                measure != DENOMINATOR
                and current not in self.withheld_den
                and not self.given_away(current, self.withheld_den, self.den)
            ):
                # The count's own denominator = numerator + complement can pin it.
                self.withheld_den[current] = "secondary"
                return True
            if parent is not None and parent not in withheld:
                withheld[parent] = "secondary"
                return True
            current = parent
        return False

    def _protect_earlier(
        self, measure: int, node: Node, withheld: dict[Node, str], values: dict[Node, int]
    ) -> bool:
        """An earlier release's withheld cell (of a cohort this release does not hold) is
        narrowed by what this release shows of the same LSOA: withhold the smallest published
        cell of that LSOA, then the LSOA's total."""
        lsoa: Node = ("lsoa", node[1])
        if lsoa not in self.parent:
            return False
        candidate = self._smallest(self.children[lsoa], withheld, values)
        target = candidate if candidate is not None else lsoa
        if target in withheld:
            return False
        withheld[target] = "secondary"
        return True

    # 4. rounding
    def published(self) -> Protected:
        den = {
            n: None if n in self.withheld_den else self.rules.round(self.den[n]) for n in self.nodes
        }
        num = (
            None
            if self.num is None
            else {
                n: None if n in self.withheld_num else self.rules.round(self.num[n])
                for n in self.nodes
            }
        )
        reasons = {("denominator", n): why for n, why in self.withheld_den.items()}
        reasons.update({("numerator", n): why for n, why in self.withheld_num.items()})
        return Protected(den, num, reasons)


class _Bounds:
    """The attacker's intervals for every count, narrowed by every sum until nothing changes.

    The attacker is told which withheld counts are small (1..T): the worst case. Side knowledge
    alone can narrow a count (seven small cells under a small total hold at most 1 or 2 each);
    that is not a leak from the release, so ``reveal=False`` gives the intervals with nothing
    published, and a count is exposed only if the release narrows it further, below protection.
    """

    def __init__(self, state: _State, reveal: bool, earlier: Sequence[Earlier] = ()) -> None:
        self.reveal = reveal
        self.state = state
        self.extra: dict[tuple[str, int, Node], int] = {}
        self.earlier_targets: list[tuple[int, Node, str]] = []
        rules = state.rules
        self.index = {node: i for i, node in enumerate(state.nodes)}
        measures = 3 if state.num is not None else 1
        size = len(state.nodes)
        self.lo = [0] * (size * measures)
        self.hi = [UNBOUNDED] * (size * measures)
        self.targets: list[tuple[int, Node]] = []
        self.constraints: list[tuple[int, list[int]]] = []
        for node in state.nodes:
            self._know(DENOMINATOR, node, state.den[node], node in state.withheld_den)
            if state.num is not None:
                self._know(NUMERATOR, node, state.num[node], node in state.withheld_num)
                hidden = node in state.withheld_num or not reveal
                if hidden and state.telling_complement(node):
                    low = 1 if state.complement(node) else 0
                    self._box(COMPLEMENT, node, low, rules.threshold)
                    self.targets.append((COMPLEMENT, node))
        for parent in state.nodes:
            kids = state.children[parent]
            if kids:
                for measure in range(measures):
                    self.constraints.append(
                        (self.var(measure, parent), [self.var(measure, k) for k in kids])
                    )
        if state.num is not None:
            for node in state.nodes:
                self.constraints.append(
                    (
                        self.var(DENOMINATOR, node),
                        [self.var(NUMERATOR, node), self.var(COMPLEMENT, node)],
                    )
                )
        for release in earlier:
            self._add_earlier(release)

    def _add_earlier(self, release: Earlier) -> None:
        """An earlier release's cells and totals: a cell is this release's variable when this
        release's counts are consistent with it (the attacker assumes nothing changed),
        otherwise a variable of its own; every total is the sum of its cells."""
        state = self.state
        measures = (DENOMINATOR, NUMERATOR) if state.num is not None else (DENOMINATOR,)
        cell_var: dict[tuple[int, Node], int] = {}
        for node, published in release.cells.items():
            boxes = [_published_box(published[m], state.rules) for m in measures]
            linked = node in self.index and all(
                low <= self._exact(m, node) <= high
                for m, (low, high) in zip(measures, boxes, strict=True)
            )
            for m, (low, high) in zip(measures, boxes, strict=True):
                if linked:
                    v = self.var(m, node)
                    self._box(m, node, low, high)
                    # Withheld there, it is the same unknown here: what this release shows of
                    # the cell (a published 0, say) tells the earlier release's withheld count.
                    self.extra[(release.release_id, m, node)] = v
                else:
                    v = self._new_var(release.release_id, m, node, low, high)
                cell_var[(m, node)] = v
                if published[m] is None:
                    self.earlier_targets.append((m, node, release.release_id))
            if not linked and state.num is not None:
                complement = self._new_var(release.release_id, COMPLEMENT, node, 0, UNBOUNDED)
                self.constraints.append(
                    (cell_var[(DENOMINATOR, node)], [cell_var[(NUMERATOR, node)], complement])
                )
        for total, published, members in release.totals:
            for m in measures:
                low, high = _published_box(published[m], state.rules)
                v = self._new_var(release.release_id, m, ("total", *total), low, high)
                parts = [cell_var[(m, cell)] for cell in members if (m, cell) in cell_var]
                if parts:
                    self.constraints.append((v, parts))

    def _exact(self, measure: int, node: Node) -> int:
        values = self.state.den if measure == DENOMINATOR else self.state.num
        assert values is not None
        return values[node]

    def _new_var(self, release_id: str, measure: int, node: Node, lo: int, hi: int) -> int:
        self.lo.append(lo)
        self.hi.append(hi)
        self.extra[(release_id, measure, node)] = len(self.lo) - 1
        return len(self.lo) - 1

    def width_of(self, v: int) -> int:
        return self.hi[v] - self.lo[v] + 1

    def var(self, measure: int, node: Node) -> int:
        return measure * len(self.index) + self.index[node]

    def _box(self, measure: int, node: Node, lo: int, hi: int) -> None:
        v = self.var(measure, node)
        self.lo[v], self.hi[v] = max(self.lo[v], lo), min(self.hi[v], hi)

    def _know(self, measure: int, node: Node, value: int, withheld: bool) -> None:
        threshold = self.state.rules.threshold
        if withheld or not self.reveal:
            # A withheld zero needs protecting too: pinned at 0 it tells that none of a few
            # units had the outcome. The attacker is given it as "0 to T".
            if self.state.small(value) or (withheld and value == 0):
                self._box(measure, node, 1 if value else 0, threshold)
                self.targets.append((measure, node))
            return
        shown = self.state.rules.round(value)
        if shown == 0:
            self._box(measure, node, 0, 0)
        else:
            self._box(measure, node, *self.state.rules.possible(shown))

    def width(self, measure: int, node: Node) -> int:
        v = self.var(measure, node)
        return self.hi[v] - self.lo[v] + 1

    def propagate(self, sweeps: int = 500) -> _Bounds:
        lo, hi = self.lo, self.hi
        for _ in range(sweeps):
            changed = False
            for total, parts in self.constraints:
                changed |= _narrow(lo, hi, total, parts)
            if not changed:
                break
        return self


class _Beside:
    """The interval attack on this release and one earlier release side by side, from their
    published values alone, as anyone holding the two sets of files can run it.

    The attacker knows nothing of which withheld counts are small. A cohort cell of an LSOA is
    one unknown in both releases, for each measure on its own, when the two published values
    agree or either is withheld (the attacker takes the same units to have the same count);
    otherwise each release's cell is an unknown of its own. Each release adds its sums: cells to
    LSOA, LSOA to district, district to county, and population = events + the rest of every
    count. ``joint=False`` leaves out this release's figures and sums: what the earlier release
    alone gives away, which this release is not answerable for."""

    def __init__(
        self,
        state: _State,
        published: Protected,
        release: Earlier,
        nested: list[tuple[Node, list[Node]]],
        joint: bool = True,
    ) -> None:
        self.state = state
        self.rules = state.rules
        self.joint = joint
        self.lo: list[int] = []
        self.hi: list[int] = []
        self.sums: list[tuple[int, list[int]]] = []
        # Every withheld count, by its own name in this release where it has one.
        self.targets: dict[int, tuple[int, Node]] = {}
        self.own: dict[tuple[int, Node], int] = {}
        self.theirs: dict[tuple[int, Node], int] = {}
        assert published.numerator is not None
        self.ours = {DENOMINATOR: published.denominator, NUMERATOR: published.numerator}
        self._add_own()
        self._add_theirs(release, nested)

    def _var(self, shown: int | None, target: bool, measure: int, node: Node) -> int:
        low, high = _published_box(shown, self.rules)
        self.lo.append(low)
        self.hi.append(high)
        v = len(self.lo) - 1
        if target:
            self.targets.setdefault(v, (measure, node))
        return v

    def _add_own(self) -> None:
        state, joint = self.state, self.joint
        for node in state.nodes:
            for measure, shown in self.ours.items():
                withheld = shown[node] is None
                self.own[(measure, node)] = self._var(
                    shown[node] if joint else None, joint and withheld, measure, node
                )
            rest = joint and self.ours[NUMERATOR][node] is None
            self.own[(COMPLEMENT, node)] = self._var(None, rest, COMPLEMENT, node)
        if not joint:
            return
        for node in state.nodes:
            self.sums.append(
                (
                    self.own[(DENOMINATOR, node)],
                    [self.own[(NUMERATOR, node)], self.own[(COMPLEMENT, node)]],
                )
            )
            kids = state.children[node]
            if kids:
                for measure in (DENOMINATOR, NUMERATOR, COMPLEMENT):
                    self.sums.append(
                        (self.own[(measure, node)], [self.own[(measure, k)] for k in kids])
                    )

    def _add_theirs(self, release: Earlier, nested: list[tuple[Node, list[Node]]]) -> None:
        for node, values in release.cells.items():
            for measure, shown in zip((DENOMINATOR, NUMERATOR), values, strict=True):
                here = self.ours[measure].get(node, UNBOUNDED)
                shared = node in self.state.parent and (None in (here, shown) or here == shown)
                if shared:
                    v = self.own[(measure, node)]
                    low, high = _published_box(shown, self.rules)
                    self.lo[v], self.hi[v] = max(self.lo[v], low), min(self.hi[v], high)
                    if shown is None:
                        self.targets.setdefault(v, (measure, node))
                else:
                    v = self._var(shown, shown is None, measure, node)
                self.theirs[(measure, node)] = v
        for node, values, _ in release.totals:
            for measure, shown in zip((DENOMINATOR, NUMERATOR), values, strict=True):
                self.theirs[(measure, node)] = self._var(shown, shown is None, measure, node)
        for node, values in [*release.cells.items(), *((n, v) for n, v, _ in release.totals)]:
            rest = self._var(None, values[1] is None, COMPLEMENT, node)
            self.sums.append(
                (self.theirs[(DENOMINATOR, node)], [self.theirs[(NUMERATOR, node)], rest])
            )
        for node, parts in nested:
            for measure in (DENOMINATOR, NUMERATOR):
                self.sums.append(
                    (self.theirs[(measure, node)], [self.theirs[(measure, p)] for p in parts])
                )

    def propagate(self) -> bool:
        """Narrow every count by every sum until nothing moves; False if the two releases
        contradict each other (records changed between them)."""
        for _ in range(1_000):
            try:
                if not any([_narrow(self.lo, self.hi, t, parts) for t, parts in self.sums]):
                    return True
            except DisclosureError:
                return False
        return True


def _exposed_beside(
    state: _State, published: Protected, release: Earlier, nested: list[tuple[Node, list[Node]]]
) -> list[tuple[int, Node]]:
    """The withheld counts of this release or ``release`` that the two read side by side narrow
    below ``protection`` values, and further than ``release`` alone does."""
    joint = _Beside(state, published, release, nested)
    if not joint.propagate():
        return []
    alone = _Beside(state, published, release, nested, joint=False)
    alone.propagate()
    needed = state.rules.protection
    exposed = []
    for v, target in joint.targets.items():
        before = alone.hi[v] - alone.lo[v] + 1 if v in alone.targets else UNBOUNDED
        if joint.hi[v] - joint.lo[v] + 1 < min(needed, before):
            exposed.append(target)
    return exposed


def _nested(totals: list[tuple[Node, Published, list[Node]]]) -> list[tuple[Node, list[Node]]]:
    """Each total of an earlier release with the parts it is the sum of: the largest totals
    inside it (LSOAs in a district, districts in the county) and the cells no such total holds."""
    sets = [(node, frozenset(members)) for node, _, members in totals if members]
    nested: list[tuple[Node, list[Node]]] = []
    for node, cells in sets:
        inner = [(n, c) for n, c in sets if c < cells]
        largest = [(n, c) for n, c in inner if not any(c < other for _, other in inner)]
        covered = frozenset().union(*(c for _, c in largest))
        nested.append((node, [n for n, _ in largest] + sorted(cells - covered)))
    return nested


def _interval(shown: int, rules: DisclosureRules) -> tuple[int, int]:
    return (0, 0) if shown == 0 else rules.possible(shown)


def _published_box(shown: int | None, rules: DisclosureRules) -> tuple[int, int]:
    """What a published value (None: withheld) tells an attacker."""
    return (0, UNBOUNDED) if shown is None else _interval(shown, rules)


def _narrow(lo: list[int], hi: list[int], total: int, parts: Iterable[int]) -> bool:
    """Bounds consistency for total = sum(parts); True if any bound moved."""
    parts = list(parts)
    sum_lo = sum(lo[p] for p in parts)
    sum_hi = sum(hi[p] for p in parts)
    changed = False
    if sum_lo > lo[total]:
        lo[total], changed = sum_lo, True
    if sum_hi < hi[total]:
        hi[total], changed = sum_hi, True
    for p in parts:
        floor = lo[total] - (sum_hi - hi[p])
        ceiling = hi[total] - (sum_lo - lo[p])
        if floor > lo[p]:
            lo[p], changed = floor, True
        if ceiling < hi[p]:
            hi[p], changed = ceiling, True
    if any(lo[p] > hi[p] for p in [total, *parts]):
        raise DisclosureError("The published counts contradict each other", field="disclosure")
    return changed


@dataclass(frozen=True)
class Rate:
    """A rate a document publishes: ``numerator`` of ``denominator``; ``rest`` names the
    complement (denominator minus numerator), published or not."""

    numerator: str
    denominator: str
    rest: str


def protect_rates(
    counts: dict[str, int],
    rates: list[Rate],
    rules: DisclosureRules,
    also: frozenset[str] = frozenset(),
) -> dict[str, int | None]:
    """Protect the counts behind a document's rates, with every sum the rates imply.

    Each rate gives a sum, denominator = numerator + rest. A count of 1..T is withheld; a
    numerator whose rest is 0..T (and whose denominator is not empty), or whose denominator is
    withheld, is withheld; and under a published denominator the withheld parts are none or
    both, so that one cannot be had by subtraction. Counts named in ``counts`` are published
    (rounded) unless withheld; a rest not in ``counts`` is never published; ``also`` names counts
    to withhold for reasons outside these sums (a partner across groups). With sums of two
    parts this leaves an attacker every withheld count between 0 and its published denominator.
    """
    withheld = {name for name, value in counts.items() if 1 <= value <= rules.threshold}
    withheld |= also & set(counts)
    changed = True
    while changed:
        changed = False
        for rate in rates:
            total = counts[rate.denominator]
            rest = total - counts[rate.numerator]
            hide = rate.denominator in withheld or (total > 0 and rest <= rules.threshold)
            parts = (rate.numerator, rate.rest)
            lone = rate.denominator not in withheld and any(p in withheld for p in parts)
            for part in parts:
                needed = lone or (hide and part == rate.numerator)
                if needed and part in counts and part not in withheld:
                    withheld.add(part)
                    changed = True
    return {name: None if name in withheld else rules.round(v) for name, v in counts.items()}
