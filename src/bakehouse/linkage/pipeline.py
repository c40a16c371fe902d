"""``link``: from the custodian zone's identifiers to pseudonymous person and household ids in the
analysis zone, with a quality report; built aside and swapped in at once.

Steps: standardise (SQL on DuckDB), link persons (Splink, on DuckDB or Spark), assign addresses,
place people in households over time, derive keyed pseudonymous ids, write the analysis tables and
the reports. The custodian zone is only read. The analysis zone gets tokens and pseudonymous ids,
never an identifier.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from bakehouse.custody import identifiers
from bakehouse.custody.audit import AuditEvent
from bakehouse.custody.keys import CustodianKey, load_key
from bakehouse.custody.workspace import ANALYSIS, Staging, Workspace
from bakehouse.errors import BakehouseError, ConfigError
from bakehouse.fingerprint import code_version
from bakehouse.ingest.progress import Reporter, SilentReporter
from bakehouse.linkage import report
from bakehouse.linkage.addresses import assign_addresses
from bakehouse.linkage.config import LinkageSettings, load_settings
from bakehouse.linkage.engine import (
    CONNECTIONS,
    check_backend,
    configure,
    connection_memory,
    open_backend,
)
from bakehouse.linkage.households import link_households
from bakehouse.linkage.measure import measure
from bakehouse.linkage.persons import PersonModel, link_persons, match_weight
from bakehouse.linkage.pseudonyms import assign_pseudonyms
from bakehouse.linkage.review import PAIRS_FILE, write_candidate_pairs
from bakehouse.linkage.standardise import prepare

REPORT_JSON = "reports/linkage.json"
REPORT_HTML = "reports/linkage.html"
OUTPUT_TABLES = ("person_links", "household_episodes", "linkage_runs")


@dataclass(frozen=True)
class LinkOptions:
    workspace: Path
    settings: Path | LinkageSettings | None = None  # a file, or a recipe's settings as loaded
    threshold: float | None = None
    backend: str | None = None
    truth: Path | None = None
    key_file: Path | None = None
    # Keep the workspace's linkage when it was built from the same ingest run, with the same
    # settings, key and code (and with or without truth alike), instead of linking again.
    reuse: bool = False


@dataclass
class LinkResult:
    run_id: str
    counts: dict[str, int]
    seconds: dict[str, float]
    report_json: Path
    report_html: Path
    measured: dict[str, Any] | None = None
    settings_fingerprint: str = ""
    reused: bool = False


def _settings(options: LinkOptions) -> LinkageSettings:
    if isinstance(options.settings, LinkageSettings):
        settings = options.settings
        if options.threshold is not None:
            persons = type(settings.persons).model_validate(
                {**settings.persons.model_dump(), "threshold": options.threshold}
            )
            settings = settings.model_copy(update={"persons": persons})
    else:
        settings = load_settings(options.settings, threshold=options.threshold)
    if options.backend is not None:
        if options.backend not in ("duckdb", "spark"):
            raise ConfigError(
                f"Unknown backend '{options.backend}'", field="--backend", fix="Use duckdb or spark"
            )
        engine = settings.engine.model_copy(update={"backend": options.backend})
        settings = settings.model_copy(update={"engine": engine})
    check_backend(settings.engine)
    return settings


def _write_outputs(con: duckdb.DuckDBPyConnection, run: dict[str, Any]) -> None:
    for table in OUTPUT_TABLES:
        con.execute(f"DROP TABLE IF EXISTS a.main.{table}")
    con.execute(
        """CREATE TABLE a.main.person_links AS
        SELECT r.token, r.source, r.person_role, i.person_id, hi.household_id
        FROM lk_records r JOIN lk_record_person p USING (rid)
        JOIN lk_person_ids i ON i.person = p.person
        JOIN lk_record_household h USING (rid)
        JOIN lk_household_ids hi ON hi.household = h.household
        ORDER BY r.source, r.token, r.person_role"""
    )
    con.execute(
        """CREATE TABLE a.main.household_episodes AS
        WITH lsoa AS (SELECT address, arg_max(lsoa11cd, (n, lsoa11cd)) AS lsoa11cd
                      FROM (SELECT ra.address, r.lsoa11cd, count(*) AS n
                            FROM lk_record_address ra JOIN lk_records r USING (rid)
                            WHERE r.lsoa11cd IS NOT NULL GROUP BY ALL)
                      GROUP BY 1),
        with_address AS (
          SELECT i.person_id, hi.household_id, ai.address_id, l.lsoa11cd,
                 m.start_date, m.end_date, CAST(m.n AS BIGINT) AS records
          FROM lk_memberships m JOIN lk_person_ids i ON i.person = m.person
          JOIN lk_household_ids hi ON hi.household = m.household
          LEFT JOIN lk_address_ids ai ON ai.address = m.address
          LEFT JOIN lsoa l ON l.address = m.address),
        alone AS (
          SELECT i.person_id, hi.household_id, NULL::VARCHAR AS address_id,
                 arg_max(r.lsoa11cd, (r.event_date, r.lsoa11cd)) AS lsoa11cd,
                 min(r.event_date) AS start_date,
                 max(r.event_date) AS end_date, count(*) AS records
          FROM lk_record_household h JOIN lk_record_person p USING (rid)
          JOIN lk_records r USING (rid) JOIN lk_person_ids i ON i.person = p.person
          JOIN lk_household_ids hi ON hi.household = h.household
          WHERE h.household LIKE 'person:%' GROUP BY 1, 2)
        SELECT * FROM with_address UNION ALL SELECT * FROM alone
        ORDER BY household_id, start_date, person_id"""
    )
    con.execute(
        "CREATE TABLE a.main.linkage_runs (run_id VARCHAR, ingest_run_id VARCHAR, "
        "settings_fingerprint VARCHAR, backend VARCHAR, threshold DOUBLE, key_id VARCHAR, "
        "code_version VARCHAR, records BIGINT, persons BIGINT, households BIGINT, "
        "built_at TIMESTAMP)"
    )
    con.execute(
        "INSERT INTO a.main.linkage_runs VALUES ($run_id, $ingest_run_id, "
        "$settings_fingerprint, $backend, $threshold, $key_id, $code_version, $records, "
        "$persons, $households, now())",
        run,
    )


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    row = con.execute(
        """SELECT (SELECT count(*) FROM a.main.person_links),
                  (SELECT count(DISTINCT person_id) FROM a.main.person_links),
                  (SELECT count(DISTINCT household_id) FROM a.main.person_links),
                  (SELECT count(*) FROM a.main.household_episodes)"""
    ).fetchall()[0]
    return {
        "person_rows": int(row[0]),
        "persons": int(row[1]),
        "households": int(row[2]),
        "household_episodes": int(row[3]),
    }


def _write_reports(staging: Staging, run_id: str, document: dict[str, Any]) -> None:
    text = json.dumps(document, indent=2, default=str)
    page = report.render_html(document)
    for folder in ("reports", f"reports/runs/{run_id}"):
        staging.path(f"{folder}/linkage.json").write_text(text, encoding="utf-8")
        staging.path(f"{folder}/linkage.html").write_text(page, encoding="utf-8")


def _run(
    con: duckdb.DuckDBPyConnection,
    settings: LinkageSettings,
    scratch: Path,
    reporter: Reporter,
    seconds: dict[str, float],
) -> tuple[dict[str, int], PersonModel]:
    mark = time.perf_counter()
    reporter.start("standardising identifiers", 1)
    counts = prepare(con, settings, "c.main.identifiers")
    reporter.finish()
    seconds["standardise"] = time.perf_counter() - mark
    if counts["identities"] < 2:
        raise BakehouseError(
            "There are fewer than two distinct identities in the custodian zone: nothing to link",
            file="custodian.duckdb",
            fix="Ingest the sources first with `bakehouse ingest`",
        )
    with open_backend(settings.engine, scratch) as backend:
        persons = link_persons(backend, con, settings, reporter)
    seconds.update(persons.seconds)
    mark = time.perf_counter()
    reporter.start("households: addresses, stays, episodes, moves", 3)
    con.register("lk_clusters_arrow", persons.clusters)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE lk_record_person AS SELECT ri.rid, c.cluster AS person "
        "FROM lk_record_identity ri JOIN lk_clusters_arrow c USING (unique_id)"
    )
    con.unregister("lk_clusters_arrow")
    counts.update(assign_addresses(con, settings))
    reporter.advance(1)
    counts.update(link_households(con, settings))
    reporter.advance(1)
    assign_pseudonyms(con)
    reporter.finish()
    seconds["households"] = time.perf_counter() - mark
    return counts, persons


def _build(
    staging: Staging,
    workspace: Workspace,
    options: LinkOptions,
    settings: LinkageSettings,
    key: CustodianKey,
    run: dict[str, Any],
    scratch: Path,
    reporter: Reporter,
) -> tuple[dict[str, int], dict[str, Any]]:
    """Everything that reads the zones and writes the staged analysis zone and reports."""
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    analysis = workspace.copy_into(staging, ANALYSIS)
    con = duckdb.connect()
    try:
        configure(con, settings.engine, scratch)
        con.execute("ATTACH $path AS c (READ_ONLY)", {"path": str(workspace.custodian_db)})
        identifiers.install(con, key)
        counts, persons = _run(con, settings, scratch, reporter, seconds)
        mark = time.perf_counter()
        counts["candidate_pairs"] = write_candidate_pairs(
            con, persons.pairs, run["run_id"], staging.path(PAIRS_FILE)
        )
        con.execute("ATTACH $path AS a", {"path": str(analysis)})
        _write_outputs(con, {**run, "records": counts["records"], "persons": 0, "households": 0})
        counts.update(_counts(con))
        con.execute(
            "UPDATE a.main.linkage_runs SET persons = $p, households = $h",
            {"p": counts["persons"], "h": counts["households"]},
        )
        seconds["outputs"] = time.perf_counter() - mark
        mark = time.perf_counter()
        document = _document(con, run, counts, persons, settings)
        if options.truth is not None:
            reporter.start("measuring against the truth", 1)
            document["measured"] = measure(con, options.truth)
            reporter.finish()
        seconds["report"] = time.perf_counter() - mark
        seconds["total"] = time.perf_counter() - started
        document["seconds"] = {k: round(v, 2) for k, v in seconds.items()}
        con.execute("DETACH a")
    finally:
        con.close()
    _write_reports(staging, run["run_id"], document)
    return counts, document


def link(options: LinkOptions, reporter: Reporter | None = None) -> LinkResult:
    """Link every person named in the custodian zone; see the module docstring. Settings are
    checked before anything is read; on any error the workspace is left as it was."""
    reporter = reporter or SilentReporter()
    settings = _settings(options)
    workspace = Workspace(options.workspace)
    workspace.require_zones()
    with workspace.locked():
        key = load_key(options.key_file, guarded=[workspace.root])
        workspace.use_key(key)
        manifest = workspace.manifest() or {}
        # person and household ids under the sub-key of the purpose the zones were built for
        key = key.for_purpose(manifest["purpose"]) if "purpose" in manifest else key
        if options.reuse:
            kept = _reusable(workspace, options, settings, key.key_id, manifest.get("run_id"))
            if kept is not None:
                reporter.note(f"Reusing linkage run {kept.run_id}: same extracts and settings.")
                return kept
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
        run: dict[str, Any] = {
            "run_id": run_id,
            "ingest_run_id": manifest.get("run_id"),
            "settings_fingerprint": settings.fingerprint(),
            "backend": settings.engine.backend,
            "threshold": settings.persons.threshold,
            "key_id": key.key_id,
            "code_version": code_version("linkage"),
        }
        details = {k: run[k] for k in ("run_id", "ingest_run_id", "backend", "threshold")}
        try:
            with workspace.scratch(run_id) as scratch, workspace.change(run_id) as staging:
                try:
                    counts, document = _build(
                        staging, workspace, options, settings, key, run, scratch, reporter
                    )
                except duckdb.OutOfMemoryException as error:
                    raise _too_little_memory(settings, error) from None
                staging.record(
                    AuditEvent(
                        action="link.run",
                        outcome="committed",
                        counts=counts,
                        details={**details, "measured_against_truth": options.truth is not None},
                    )
                )
        except BakehouseError as error:
            workspace.audit.append(
                AuditEvent(
                    action="link.run",
                    outcome="failed",
                    details={**details, "error": type(error).__name__, "what": error.what},
                )
            )
            raise
    return LinkResult(
        run_id=run_id,
        counts=counts,
        seconds=document["seconds"],
        report_json=workspace.root / REPORT_JSON,
        report_html=workspace.root / REPORT_HTML,
        measured=document.get("measured"),
        settings_fingerprint=run["settings_fingerprint"],
    )


def _too_little_memory(settings: LinkageSettings, error: Exception) -> ConfigError:
    """DuckDB's own message says only how much it held; say what to change."""
    budget = settings.engine.memory_limit or "half of this machine's memory"
    return ConfigError(
        f"Linkage ran out of memory within its budget ({budget}; each of its "
        f"{CONNECTIONS} database connections has {connection_memory(settings.engine)}): {error}",
        field="engine.memory_limit",
        fix="Raise engine.memory_limit in the linkage settings (or leave it out), or link on a "
        "machine with more memory",
    )


def _reusable(
    workspace: Workspace,
    options: LinkOptions,
    settings: LinkageSettings,
    key_id: str,
    ingest_run_id: str | None,
) -> LinkResult | None:
    """The last linkage, if it was built from this ingest run with these settings, key and
    code, measured against truth exactly when truth is asked for now."""
    report_path = workspace.root / REPORT_JSON
    if ingest_run_id is None or not report_path.is_file():
        return None
    try:
        document = json.loads(report_path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    same = (
        document.get("ingest_run_id") == ingest_run_id
        and document.get("settings_fingerprint") == settings.fingerprint()
        and document.get("key_id") == key_id
        and document.get("code_version") == code_version("linkage")
        and (document.get("measured") is not None) == (options.truth is not None)
    )
    if not same:
        return None
    try:
        with duckdb.connect(str(workspace.analysis_db), read_only=True) as con:
            runs = con.execute("SELECT run_id FROM linkage_runs").fetchall()
    except duckdb.CatalogException:  # the analysis zone holds no linkage
        return None
    if [row[0] for row in runs] != [document.get("run_id")]:
        return None
    return LinkResult(
        run_id=document["run_id"],
        counts=document["counts"],
        seconds=document["seconds"],
        report_json=report_path,
        report_html=workspace.root / REPORT_HTML,
        measured=document.get("measured"),
        settings_fingerprint=document["settings_fingerprint"],
        reused=True,
    )


def _document(
    con: duckdb.DuckDBPyConnection,
    run: dict[str, Any],
    counts: dict[str, int],
    persons: PersonModel,
    settings: LinkageSettings,
) -> dict[str, Any]:
    threshold = settings.persons.threshold
    return {
        **run,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "threshold_match_weight": round(match_weight(threshold), 3),
        "counts": counts,
        "persons": report.summary(con, persons, threshold),
        "settings": settings.model_dump(mode="json"),
    }
