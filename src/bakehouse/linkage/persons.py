"""Person linkage with Splink: train without labels, score candidate pairs, cluster into persons.

Training, in order:

1. **Prior** (the chance two random identities are the same person) from deterministic rules that
   admit almost no false links, divided by the share of true links they are thought to find.
2. **u probabilities** (chance agreement) from random pairs with a fixed seed; for NHS number,
   UPN and NINO, whose agreement by chance random sampling almost never sees, one over the number
   of distinct values.
3. **m probabilities** by expectation maximisation, one session per training block chosen from
   the identifiers the records hold (:mod:`.plan`), each on a fresh model so that a session's
   estimates are its own (Splink would otherwise average sessions). Each session keeps the
   comparisons it is trusted to estimate; a comparison no session could train is left out of
   the model, with a warning.

Then every candidate pair from the blocking rules is scored and pairs at or above the threshold
are joined into persons (connected components).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
from splink import Linker
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.exceptions import SplinkException

from bakehouse.errors import BakehouseError, ConfigError
from bakehouse.ingest.progress import Reporter
from bakehouse.linkage.config import LinkageSettings, Rule, Training
from bakehouse.linkage.engine import Backend
from bakehouse.linkage.model import COLUMN_OF, rule, splink_settings
from bakehouse.linkage.plan import ModelPlan, Session, identifier_shares, plan_model

IDENTIFIER_COMPARISONS = ("nhs_number", "upn", "nino", "reference")


@dataclass
class PersonModel:
    """What training and scoring found, for the report and the next steps."""

    model: dict[str, Any]
    clusters: pa.Table  # unique_id, cluster
    pairs: pa.Table  # unique_id_l, unique_id_r, match_weight, match_probability
    prior: float
    deterministic_matches: int
    training: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    identifier_shares: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@contextlib.contextmanager
def _quiet_splink() -> Iterator[None]:
    """Splink logs its progress at INFO; the command line shows its own progress bars."""
    logger = logging.getLogger("splink")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _distinct_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = ", ".join(f"count(DISTINCT {name})" for name in IDENTIFIER_COMPARISONS)
    row = con.execute(f"SELECT {counts} FROM lk_link_input").fetchall()[0]  # noqa: S608
    return dict(zip(IDENTIFIER_COMPARISONS, (int(v) for v in row), strict=True))


def _set_identifier_u(model: dict[str, Any], distinct: dict[str, int]) -> None:
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        if name not in distinct:
            continue
        for level in comparison["comparison_levels"]:
            # The exact-match level, in either backend's quoting ("x_l" or `x_l`).
            condition = level.get("sql_condition", "").replace('"', "").replace("`", "")
            if condition.startswith(f"{name}_l = {name}_r"):
                level["u_probability"] = 1.0 / max(distinct[name], 1)


def _prior(
    linker: Linker, settings: LinkageSettings, plan: ModelPlan, identities: int
) -> tuple[float, int]:
    training = settings.persons.training
    rules: list[str | BlockingRuleCreator] = [rule(r) for r in plan.deterministic_rules]
    if not rules:
        return 1.0 / max(identities, 2), 0
    # Splink refuses when the rules find more than the recall allows: the fallback below holds.
    with contextlib.suppress(ValueError):
        linker.training.estimate_probability_two_random_records_match(
            rules, recall=training.deterministic_recall
        )
    prior = float(linker.misc.save_model_to_json()["probability_two_random_records_match"])
    counted = linker.blocking_analysis.count_comparisons_from_blocking_rules(
        rules, record_sample_proportion=1.0
    )
    found = int(counted[-1]["cumulative_comparison_count"]) if counted else 0
    if not (0 < prior < 1):
        prior = 1.0 / max(identities, 2)
    return prior, found


def _train_step(
    frame: Any,
    base: dict[str, Any],
    block: Any,
) -> dict[str, dict[str, Any]] | None:
    """One EM session on a fresh model; the trained comparisons by name, or None when the block
    produced no pairs to learn from."""
    linker = Linker(frame, copy.deepcopy(base), log_level=None, validate_settings=False)
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block, estimate_without_term_frequencies=True
        )
    except (SplinkException, ValueError, ZeroDivisionError):
        return None
    trained = linker.misc.save_model_to_json()
    return {c["output_column_name"]: c for c in trained["comparisons"]}


def _apply_m(
    final: dict[str, Any], trained: dict[str, dict[str, Any]], names: tuple[str, ...], floor: float
) -> None:
    for comparison in final["comparisons"]:
        name = comparison["output_column_name"]
        if name not in names:
            continue
        levels = trained[name]["comparison_levels"]
        for level, learnt in zip(comparison["comparison_levels"], levels, strict=True):
            if level.get("is_null_level"):
                continue
            m = learnt.get("m_probability")
            level["m_probability"] = max(m, floor) if isinstance(m, float) else floor


def _fill_untrained(final: dict[str, Any], m_floor: float, u_unseen: float) -> None:
    """Levels no session trained get the m floor; levels random sampling never saw get a u of
    half a pair in the sample (rarer than anything it did see)."""
    for comparison in final["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            if not isinstance(level.get("m_probability"), float):
                level["m_probability"] = m_floor
            if not isinstance(level.get("u_probability"), float):
                level["u_probability"] = u_unseen


@dataclass
class _Trained:
    model: dict[str, Any]
    prior: float
    found: int
    log: list[dict[str, Any]]


def _session_frame(
    backend: Backend,
    con: duckdb.DuckDBPyConnection,
    table: pa.Table,
    column: str,
    training: Training,
    number: int,
) -> tuple[Any, float]:
    """The identities one EM session trains on: all of them (None) in an area below
    ``em_max_identities``; otherwise those whose ``column`` value hashes into one bucket of
    enough buckets, so whole blocks are kept and the pairs shrink with the share."""
    buckets = math.ceil(table.num_rows / training.em_max_identities)
    if buckets <= 1:
        return None, 1.0
    con.register("lk_session_source", table)
    try:
        sample = con.sql(
            f'SELECT * FROM lk_session_source WHERE "{column}" IS NOT NULL '  # noqa: S608
            f'AND hash("{column}") % {buckets} = 0'
        ).to_arrow_table()
    finally:
        con.unregister("lk_session_source")
    return backend.register(sample, f"identities_session_{number}"), 1 / buckets


def _train(
    backend: Backend,
    frame: Any,
    table: pa.Table,
    con: duckdb.DuckDBPyConnection,
    settings: LinkageSettings,
    plan: ModelPlan,
    reporter: Reporter,
) -> _Trained:
    """Prior, u and m (see the module docstring): the final model as a Splink settings dict,
    holding only the comparisons some session trained."""
    training = settings.persons.training
    identities = table.num_rows
    linker = Linker(
        frame, splink_settings(settings, plan.comparisons, plan.blocking), log_level=None
    )
    prior, found = _prior(linker, settings, plan, identities)
    reporter.advance(1)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=training.u_max_pairs, seed=training.seed, num_chunks=1
    )
    reporter.advance(1)
    base = linker.misc.save_model_to_json()
    base["probability_two_random_records_match"] = prior
    _set_identifier_u(base, _distinct_counts(con))
    final = copy.deepcopy(base)
    log: list[dict[str, Any]] = []
    pending = list(plan.sessions)
    tried: dict[str, set[Rule]] = {name: set() for name in plan.comparisons}
    trained_names: set[str] = set()
    while pending:
        session = pending.pop(0)
        column = COLUMN_OF[session.block[0]]
        frame_of_session, share = _session_frame(backend, con, table, column, training, len(log))
        trained = _train_step(frame_of_session or frame, base, rule(session.block))
        names = tuple(session.estimates)
        if trained is not None:
            _apply_m(final, trained, names, training.m_floor)
            trained_names.update(names)
        for name in names:
            tried[name].add(session.block)
        if trained is None:
            _hand_on(pending, plan, names, tried)
        log.append(
            {
                "block": list(session.block),
                "estimates": list(names),
                "trained": trained is not None,
                "share_of_block_values": round(share, 4),
            }
        )
        reporter.advance(1)
    untrained = [name for name in plan.comparisons if name not in trained_names]
    for name in (name for name in untrained if tried[name]):
        blocks = "; ".join(", ".join(block) for block in sorted(tried[name]))
        plan.warnings.append(
            f"Comparison '{name}' left out of the model: no training session found pairs to "
            f"estimate it from (blocks tried: {blocks})."
        )
    final["comparisons"] = [
        c for c in final["comparisons"] if c["output_column_name"] not in untrained
    ]
    if not final["comparisons"]:
        raise BakehouseError(
            "No comparison could be trained: no training session found pairs of records to "
            "learn from",
            fix="Link more records at once, or give training steps on identifiers the records "
            "share (persons.training.steps in the linkage settings)",
        )
    _fill_untrained(final, training.m_floor, 0.5 / training.u_max_pairs)
    return _Trained(final, prior, found, log)


def _hand_on(
    pending: list[Session], plan: ModelPlan, names: tuple[str, ...], tried: dict[str, set[Rule]]
) -> None:
    """Give the comparisons of a session that found no pairs to their next candidate block,
    joining a pending session on that block when there is one."""
    for name in names:
        blocks = plan.candidates(name, tried[name])
        if not blocks:
            continue
        session = next((s for s in pending if s.block == blocks[0]), None)
        if session is None:
            pending.append(Session(blocks[0], [name]))
        elif name not in session.estimates:
            session.estimates.append(name)


def link_persons(
    backend: Backend,
    con: duckdb.DuckDBPyConnection,
    settings: LinkageSettings,
    reporter: Reporter,
) -> PersonModel:
    """Train, score and cluster the identities in ``lk_link_input`` (a TEMP table on ``con``)."""
    seconds: dict[str, float] = {}
    plan = plan_model(settings, identifier_shares(con))
    if not plan.blocking:
        raise ConfigError(
            "No blocking rule names identifiers these records hold, so no pairs can be compared",
            field="persons.blocking",
            fix="Add blocking rules on the identifiers the sources hold (names, date of birth, "
            "postcode)",
        )
    reporter.start("persons: training the model", 2 + len(plan.sessions))
    started = time.perf_counter()
    table = con.sql("SELECT * FROM lk_link_input").to_arrow_table()
    with _quiet_splink():
        frame = backend.register(table, "identities")
        trained = _train(backend, frame, table, con, settings, plan, reporter)
        seconds["training"] = time.perf_counter() - started
        reporter.finish()
        for warning in plan.warnings:
            reporter.note(f"Warning: {warning}")

        reporter.start("persons: scoring pairs and clustering", 2)
        scored_at = time.perf_counter()
        linker = Linker(frame, trained.model, log_level=None)
        predictions = linker.inference.predict(
            threshold_match_weight=settings.persons.keep_pairs_above_weight,
            warning_mode="never",
        )
        reporter.advance(1)
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=settings.persons.threshold
        )
        pairs = backend.to_arrow(predictions).select(
            ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
        )
        clusters = backend.to_arrow(clustered).select(["unique_id", "cluster_id"])
        seconds["scoring_and_clustering"] = time.perf_counter() - scored_at
        reporter.finish()
    return PersonModel(
        model=trained.model,
        clusters=clusters.rename_columns(["unique_id", "cluster"]),
        pairs=pairs,
        prior=trained.prior,
        deterministic_matches=trained.found,
        training=trained.log,
        seconds=seconds,
        identifier_shares=plan.shares,
        warnings=plan.warnings,
    )


def match_weight(probability: float) -> float:
    """The match weight (log2 odds) of a probability."""
    return math.log2(probability / (1 - probability))
