"""What the model is built from, chosen from the identifiers the records actually hold.

A partnership without NHS numbers, UPNs or NINOs (or with a reference number ours lacks) must not
get comparisons, rules and training sessions written for another partnership's data. Before
training, the share of identities holding each identifier is measured, and:

- a comparison exists only for identifiers held by at least ``min_identifier_share`` of the
  identities (names, date of birth and place are always compared when held);
- blocking rules and deterministic rules naming an identifier not held are left out;
- with ``training.steps: auto``, each comparison is trained in the first session of its list of
  candidates (below) whose block the records hold; comparisons sharing a block share a session.
  A session that finds no pairs hands its comparisons to their next candidate. Given steps are
  used as written, less what the records do not hold.

Whatever is left untrained, or left out, is said in a warning that names the comparison or rule
and why; the command line prints the warnings and the report shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from bakehouse.linkage.config import COMPARISONS, RULE_FIELDS, LinkageSettings, Rule

# The identifiers each comparison reads (a comparison exists when all are held).
COMPARISON_NEEDS: dict[str, tuple[str, ...]] = {
    "forename": ("forename",),
    "surname_and_place": ("surname",),
    "dob": ("dob",),
    "sex": ("sex",),
    "nhs_number": ("nhs_number",),
    "upn": ("upn",),
    "nino": ("nino",),
    "reference": ("reference",),
}

# Training blocks per comparison, best first. A block must not name what the comparison reads
# (Splink cannot estimate a comparison from pairs that agree on its own columns by design), and
# must keep families apart: relatives share a surname and an address but not a date of birth,
# so names are trained on pairs born the same day; date of birth on pairs sharing a national
# number, else on pairs with the same first forename, surname and year of birth, blocked on
# columns of their own (``full_name``, ``birth_year``) so that the comparisons of names, place
# and date of birth still take part. Relatives who share a name (a mother and daughter both
# Millie, brothers both Dawid) are born in different years: blocked on name alone they fill the
# match class, and EM learns that a different date of birth says little.
_CANDIDATES: dict[str, tuple[Rule, ...]] = {
    "forename": (("dob",), ("nhs_number",), ("upn",), ("nino",), ("reference",)),
    "surname_and_place": (("dob",), ("nhs_number",), ("upn",), ("nino",), ("reference",)),
    "dob": (
        ("nhs_number",),
        ("upn",),
        ("nino",),
        ("reference",),
        ("full_name", "birth_year"),
        ("full_name",),
    ),
    "sex": (("forename_first", "surname", "dob"), ("forename", "surname", "postcode")),
    "nhs_number": (("forename_first", "surname", "dob"),),
    "upn": (("forename_first", "surname", "dob"),),
    "nino": (("forename_first", "surname", "dob"),),
    "reference": (("forename_first", "surname", "dob"),),
}

# The identifier a rule field stands on (derived fields stand on what they are derived from).
_FIELD_NEEDS = {
    "forename_first": "forename",
    "dob_any_order": "dob",
    "initials": "surname",
    "full_name": "surname",
    "birth_year": "dob",
    "postcode_sector": "postcode",
}


@dataclass
class Session:
    """One EM session: its block, and the comparisons it is to estimate in the order tried."""

    block: Rule
    estimates: list[str]


@dataclass
class ModelPlan:
    shares: dict[str, float]
    min_share: float
    comparisons: list[str]
    blocking: list[Rule]
    deterministic_rules: list[Rule]
    automatic: bool
    sessions: list[Session]
    warnings: list[str] = field(default_factory=list)

    def candidates(self, comparison: str, tried: set[Rule]) -> list[Rule]:
        """Blocks not yet tried that could still train ``comparison`` (automatic plans only)."""
        if not self.automatic:
            return []
        return [
            block
            for block in _CANDIDATES[comparison]
            if block not in tried and self.holds_rule(block)
        ]

    def holds(self, name: str) -> bool:
        return self.shares.get(_FIELD_NEEDS.get(name, name), 0.0) >= self.min_share

    def holds_rule(self, rule: Rule) -> bool:
        return all(self.holds(name) for name in rule)


def identifier_shares(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """The share of identities in ``lk_link_input`` holding each identifier."""
    names = [name for name in RULE_FIELDS if name not in _FIELD_NEEDS]
    counts = ", ".join(f'count("{name}")' for name in names)
    row = con.execute(f"SELECT count(*), {counts} FROM lk_link_input").fetchall()[0]  # noqa: S608
    total = max(int(row[0]), 1)
    return {name: round(int(value) / total, 5) for name, value in zip(names, row[1:], strict=True)}


def plan_model(settings: LinkageSettings, shares: dict[str, float]) -> ModelPlan:
    """The comparisons, rules and sessions for records holding identifiers in ``shares``."""
    persons = settings.persons
    training = persons.training
    plan = ModelPlan(
        shares=shares,
        min_share=persons.min_identifier_share,
        comparisons=[],
        blocking=[],
        deterministic_rules=[],
        automatic=training.steps == "auto",
        sessions=[],
    )
    minimum = f"{persons.min_identifier_share:.0%}"
    for name in COMPARISONS:
        missing = [need for need in COMPARISON_NEEDS[name] if not plan.holds(need)]
        if not missing:
            plan.comparisons.append(name)
        elif any(shares.get(need, 0.0) > 0 for need in missing):
            plan.warnings.append(
                f"Comparison '{name}' left out: {', '.join(missing)} held by "
                f"{_share_text(shares, missing)} of identities, below the minimum {minimum}."
            )
    plan.blocking = [rule for rule in persons.blocking if plan.holds_rule(rule)]
    plan.deterministic_rules = [
        rule for rule in training.deterministic_rules if plan.holds_rule(rule)
    ]
    if not plan.deterministic_rules:
        plan.warnings.append(
            "No deterministic rule applies to these identifiers: the prior is one over the "
            "number of identities."
        )
    if plan.automatic:
        plan.sessions = _automatic_sessions(plan)
    else:
        plan.sessions = _given_sessions(plan, settings)
    planned = {name for session in plan.sessions for name in session.estimates}
    for name in plan.comparisons:
        if name not in planned:
            why = (
                "no training block it can learn from is held by these records"
                if plan.automatic
                else "no training step that can run estimates it"
            )
            plan.warnings.append(f"Comparison '{name}' left out of the model: {why}.")
    return plan


def _share_text(shares: dict[str, float], names: list[str]) -> str:
    return ", ".join(f"{shares.get(name, 0.0):.2%}" for name in names)


def _automatic_sessions(plan: ModelPlan) -> list[Session]:
    sessions: dict[Rule, Session] = {}
    for name in plan.comparisons:
        blocks = plan.candidates(name, set())
        if not blocks:
            continue
        session = sessions.setdefault(blocks[0], Session(blocks[0], []))
        session.estimates.append(name)
    return list(sessions.values())


def _given_sessions(plan: ModelPlan, settings: LinkageSettings) -> list[Session]:
    steps = settings.persons.training.steps
    assert steps != "auto"
    sessions = []
    for step in steps:
        estimates = [name for name in step.estimates if name in plan.comparisons]
        if not estimates:
            continue
        if not plan.holds_rule(step.block):
            plan.warnings.append(
                f"Training step on {', '.join(step.block)} skipped: the records do not hold "
                f"{', '.join(name for name in step.block if not plan.holds(name))}."
            )
            continue
        sessions.append(Session(step.block, estimates))
    return sessions
