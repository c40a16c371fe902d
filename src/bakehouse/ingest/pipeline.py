"""``ingest``: from agency extracts to the two zones, governed, checked and all-or-nothing.

The steps are the same for every source: check the agreement, read the file into text batches,
type and check every row in SQL, withhold opted-out and erased people, quarantine rows that fail,
standardise identifiers into the custodian zone and send attributes under a token to the analysis
zone, then reconcile and report. Everything is built in a staging folder and swapped in at once.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from bakehouse import __version__
from bakehouse.custody import identifiers
from bakehouse.custody.audit import AuditEvent, AuditLog
from bakehouse.custody.keys import CustodianKey, load_key
from bakehouse.custody.registers import Registers
from bakehouse.custody.workspace import ANALYSIS, CUSTODIAN, MANIFEST, Staging, Workspace
from bakehouse.custody.zones import (
    create_analysis_tables,
    create_custodian_tables,
    source_table,
)
from bakehouse.errors import BakehouseError, ConfigError, ExtractError, SchemaError
from bakehouse.ingest.agreement import Agreement, agreement_for, load_agreements
from bakehouse.ingest.geography import load_lookup, lookup_fingerprint
from bakehouse.ingest.progress import Reporter, SilentReporter
from bakehouse.ingest.quality import SourceQuality, write_reports
from bakehouse.ingest.readers import open_extract
from bakehouse.ingest.shortfall import (
    Baseline,
    Shortfall,
    baseline,
    manifest_entries,
    missing,
    next_baseline,
    refuse_unaccepted,
    shrunk,
)
from bakehouse.ingest.spec import SourceSpec, load_specs
from bakehouse.ingest.sqlplan import Params, SourcePlan, trimmed

if TYPE_CHECKING:
    from bakehouse.recipes.schema import Recipe

DATA_SUFFIXES = {".csv", ".tsv", ".psv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet"}


@dataclass(frozen=True)
class IngestOptions:
    sources: Path
    workspace: Path
    purpose: str
    specs: Path | None = None
    agreements: Path | None = None
    key_file: Path | None = None
    only: tuple[str, ...] = ()
    force: bool = False
    postcodes: Path | None = None
    accept: tuple[str, ...] = ()  # sources the run may take in missing, empty or short
    today: date | None = None
    # The date the extracts were taken: any date after it is in the future (default: today).
    as_at: date | None = None
    # The recipe whose declared sources are ``only`` and whose id is ``purpose`` (set by
    # ``for_recipe``), so a refusal and the report speak of the recipe.
    recipe: str | None = None

    def for_recipe(self, recipe: Recipe) -> IngestOptions:
        """These options for taking in the sources ``recipe`` declares, whatever else the folder
        holds, for its id as the purpose: ``bakehouse run`` and ``bakehouse ingest --recipe``."""
        return replace(self, purpose=recipe.id, only=tuple(recipe.sources), recipe=recipe.id)


@dataclass(frozen=True)
class FileCount:
    source: str
    file: str
    sha256: str
    rows_in: int
    accepted: int
    quarantined: int
    withheld_optout: int
    withheld_erasure: int

    @property
    def reconciled(self) -> bool:
        out = self.accepted + self.quarantined + self.withheld_optout + self.withheld_erasure
        return self.rows_in == out


@dataclass
class IngestResult:
    run_id: str
    unchanged: bool
    files: list[FileCount]
    seconds: float
    workspace: Path
    report_json: Path
    report_html: Path
    # Sources whose extracts are in the folder but were left out (``only``).
    not_taken: tuple[str, ...] = ()

    @property
    def rows_in(self) -> int:
        return sum(count.rows_in for count in self.files)


@dataclass
class PlannedSource:
    spec: SourceSpec
    agreement: Agreement
    files: list[Path]
    hashes: list[str] = field(default_factory=list)


@dataclass
class Plan:
    sources: list[PlannedSource]
    not_taken: tuple[str, ...]  # sources with extracts in the folder that ``only`` leaves out


def extracts_folder(sources: Path) -> Path:
    """A world folder holds its extracts in ``extracts/``; the pipeline reads nothing else."""
    inner = sources / "extracts"
    return inner if inner.is_dir() else sources


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def plan_sources(options: IngestOptions, today: date, expected: Baseline | None = None) -> Plan:
    """Everything checked before any data is read: specifications, agreements (coverage,
    dates, purpose, permitted fields, conditions), files and their headers, and no source of
    ``expected`` (the last ingest's) missing unless the run accepts it (then it is planned with
    no files, as an empty source)."""
    folder = extracts_folder(options.sources)
    if not folder.is_dir():
        raise ConfigError(
            "No sources folder",
            file=options.sources,
            fix="Point --sources at the folder of extracts (or a world folder)",
        )
    specs = load_specs(options.specs)
    agreements = load_agreements(options.agreements)
    scope = "--recipe" if options.recipe is not None else "--only"
    for option, names in ((scope, options.only), ("--accept", options.accept)):
        unknown = [name for name in names if name not in specs]
        if unknown:
            raise ConfigError(f"No specification for source(s) {', '.join(unknown)}", field=option)
    claimed: dict[Path, str] = {}
    plans = []
    not_taken = []
    for source in sorted(specs):
        spec = specs[source]
        files = sorted(folder.glob(spec.file))
        for path in files:
            if not path.is_file():
                raise ExtractError(
                    f"A folder where the '{source}' extract should be a file",
                    file=path,
                    fix="Replace it with the extract file, or move it out of the sources folder",
                )
            if path in claimed:
                raise ConfigError(
                    f"The file matches the patterns of both '{claimed[path]}' and '{source}'",
                    file=path,
                    fix="Make the specifications' file patterns distinct",
                )
            claimed[path] = source
        if options.only and source not in options.only:
            if files:
                not_taken.append(source)
            continue
        if files:
            plans.append(PlannedSource(spec, agreement_for(agreements, spec), files))
    wanted = {
        source: entry
        for source, entry in (expected or {}).items()
        if source in specs and (not options.only or source in options.only)
    }
    # A recipe declares the sources it reads: one with no extract is missing on a first run too.
    declared = options.only if options.recipe is not None else ()
    absent = missing(wanted, [plan.spec.source for plan in plans], declared)
    refuse_unaccepted(absent, options.accept)
    for item in absent:
        spec = specs[item.source]
        plans.append(PlannedSource(spec, agreement_for(agreements, spec), []))
    plans.sort(key=lambda plan: plan.spec.source)
    if not options.only:
        strays = [
            path
            for path in sorted(folder.iterdir())
            if path.suffix.lower() in DATA_SUFFIXES and path not in claimed
        ]
        if strays:
            raise SchemaError(
                "A file in the sources folder matches no source specification, so no agreement "
                "covers it",
                file=strays[0],
                fix="Remove it, or add its specification and data sharing agreement",
            )
    if not any(plan.files for plan in plans):
        raise ConfigError(
            "No extract matches any source specification",
            file=folder,
            fix="Check --sources and the specifications' file patterns",
        )
    # Looked up only when a purpose refusal is coming, to offer --recipe in its message.
    recipe_known = (
        options.recipe is None
        and any(options.purpose not in plan.agreement.purpose_ids() for plan in plans)
        and _is_recipe_id(options.purpose, options.workspace)
    )
    for plan in plans:
        plan.agreement.check(
            plan.spec,
            options.purpose,
            today,
            recipe_run=options.recipe is not None,
            recipe_known=recipe_known,
        )
        for path in plan.files:
            open_extract(plan.spec, path).header()
    return Plan(plans, tuple(not_taken))


def _is_recipe_id(purpose: str, workspace: Path) -> bool:
    # Imported here: recipes sit above ingestion, which only asks whether a purpose names one.
    from bakehouse.recipes.loader import is_recipe_id

    return is_recipe_id(purpose, workspace)


def _fingerprint(
    plans: list[PlannedSource],
    options: IngestOptions,
    key: CustodianKey,
    registers: Registers,
    geography: str,
) -> str:
    document = {
        "code": __version__,
        "purpose": options.purpose,
        "key": key.key_id,
        "token_key": key.token_key.key_id,
        "registers": registers.fingerprint(),
        "geography": geography,
        "as_at": None if options.as_at is None else options.as_at.isoformat(),
        "sources": [
            {
                "spec": plan.spec.model_dump(mode="json", by_alias=True),
                "agreement": plan.agreement.model_dump(mode="json"),
                "files": [
                    [path.name, digest]
                    for path, digest in zip(plan.files, plan.hashes, strict=True)
                ],
            }
            for plan in plans
        ],
    }
    text = json.dumps(document, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ingest(options: IngestOptions, reporter: Reporter | None = None) -> IngestResult:
    """Ingest every extract found into the workspace's two zones; see the module docstring.
    Refusals (no agreement, a field not permitted, a purpose not listed, an expired agreement,
    a bad header or unreadable file) raise before anything is written, and are audited."""
    reporter = reporter or SilentReporter()
    today = options.today or date.today()
    workspace = Workspace(options.workspace)
    started = time.perf_counter()
    with workspace.locked():
        try:
            key = load_key(options.key_file, guarded=[workspace.root]).for_purpose(options.purpose)
            workspace.use_key(key, rebuilding=True)
            registers = Registers(workspace.registers)
            registers.check_key(key)
            expected = baseline(workspace.manifest())
            planned = plan_sources(options, today, expected)
            plans = planned.sources
            lookup = load_lookup(options.postcodes)
            for plan in plans:
                plan.hashes = [_sha256(path) for path in plan.files]
            fingerprint = _fingerprint(plans, options, key, registers, lookup_fingerprint(lookup))
        except BakehouseError as error:
            workspace.audit.append(
                AuditEvent(
                    action="ingest.refused",
                    outcome="refused",
                    details={
                        "error": type(error).__name__,
                        "what": error.what,
                        "file": error.file,
                        "row": error.row,
                        "field": error.field,
                        "purpose": options.purpose,
                    },
                )
            )
            raise
        previous = workspace.manifest()
        if (
            not options.force
            and previous is not None
            and previous.get("fingerprint") == fingerprint
            and workspace.custodian_db.exists()
            and workspace.analysis_db.exists()
        ):
            workspace.audit.append(
                AuditEvent(
                    action="ingest.run",
                    outcome="unchanged",
                    details={"run_id": previous["run_id"], "purpose": options.purpose},
                )
            )
            reporter.note("Inputs unchanged since the last run: nothing to do.")
            return IngestResult(
                previous["run_id"],
                True,
                [FileCount(**item) for item in previous["files"]],
                time.perf_counter() - started,
                workspace.root,
                workspace.reports / "quality.json",
                workspace.reports / "quality.html",
                planned.not_taken,
            )
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
        with workspace.change(run_id) as staging:
            counts, quality = _build(
                staging,
                plans,
                options,
                key,
                lookup,
                registers.as_table(),
                today,
                run_id,
                fingerprint,
                reporter,
            )
            found = _shortfalls(plans, counts, expected, options, workspace.audit)
            rows = _rows_by_source(plans, counts)
            lacking = manifest_entries(found, next_baseline(expected, rows, found, run_id))
            head = workspace.audit.verify().head if workspace.audit.path.exists() else None
            manifest = {
                "run_id": run_id,
                "fingerprint": fingerprint,
                "purpose": options.purpose,
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "key_id": key.key_id,
                "token_key_id": key.token_key.key_id,
                "code_version": __version__,
                "audit_head_before": head,
                "agreements": {plan.spec.source: plan.agreement.id for plan in plans},
                "files": [asdict(count) for count in counts],
                **lacking,
            }
            staging.path(MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
            write_reports(staging, run_id, options.purpose, counts, quality)
            _record_events(staging, plans, counts, options.purpose)
            _record_accepted(staging, found)
    return IngestResult(
        run_id,
        False,
        counts,
        time.perf_counter() - started,
        workspace.root,
        workspace.reports / "quality.json",
        workspace.reports / "quality.html",
        planned.not_taken,
    )


def _record_events(
    staging: Staging, plans: list[PlannedSource], counts: list[FileCount], purpose: str
) -> None:
    """The run's audit events, committed with it."""
    run_id = staging.run_id
    for plan in plans:
        mine = [count for count in counts if count.source == plan.spec.source]
        staging.record(
            AuditEvent(
                action="ingest.source",
                source=plan.spec.source,
                agreement=plan.agreement.id,
                counts=_totals(mine),
                details={
                    "run_id": run_id,
                    "purpose": purpose,
                    "files": [count.file for count in mine],
                },
            )
        )
    staging.record(
        AuditEvent(
            action="ingest.run",
            outcome="committed",
            counts=_totals(counts),
            details={
                "run_id": run_id,
                "purpose": purpose,
                "sources": [plan.spec.source for plan in plans],
            },
        )
    )


def _rows_by_source(plans: list[PlannedSource], counts: list[FileCount]) -> dict[str, int]:
    """Data rows received per source that arrived (a source accepted missing has none)."""
    rows = {plan.spec.source: 0 for plan in plans if plan.files}
    for count in counts:
        rows[count.source] += count.rows_in
    return rows


def _shortfalls(
    plans: list[PlannedSource],
    counts: list[FileCount],
    expected: Baseline,
    options: IngestOptions,
    audit: AuditLog,
) -> list[Shortfall]:
    """Missing sources (accepted at planning), and empty or shrunken ones: refused, audited,
    unless the run accepts them. Called before the change commits, so a refusal writes
    nothing."""
    shares = {plan.spec.source: plan.spec.min_share_of_last for plan in plans}
    empty = [plan.spec.source for plan in plans if not plan.files]
    absent = missing(
        {source: expected[source] for source in empty if source in expected}, [], declared=empty
    )
    files = {plan.spec.source: str(plan.files[0]) for plan in plans if plan.files}
    found = absent + shrunk(_rows_by_source(plans, counts), expected, shares, files)
    try:
        refuse_unaccepted(found, options.accept)
    except BakehouseError as error:
        audit.append(
            AuditEvent(
                action="ingest.refused",
                outcome="refused",
                source=error.field,
                details={"error": type(error).__name__, "what": error.what, "file": error.file},
            )
        )
        raise
    return found


def _record_accepted(staging: Staging, found: list[Shortfall]) -> None:
    """Each missing, empty or short source the run accepted, committed with it."""
    for item in found:
        staging.record(
            AuditEvent(
                action="ingest.shortfall_accepted",
                source=item.source,
                counts={"rows": item.rows, "rows_last": item.rows_last or 0},
                details={
                    "run_id": staging.run_id,
                    "kind": item.kind,
                    "last_run_id": item.last_run_id,
                },
            )
        )


def _totals(counts: list[FileCount]) -> dict[str, int]:
    keys = ("rows_in", "accepted", "quarantined", "withheld_optout", "withheld_erasure")
    return {key: sum(getattr(count, key) for count in counts) for key in keys}


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _build(
    staging: Staging,
    plans: list[PlannedSource],
    options: IngestOptions,
    key: CustodianKey,
    lookup: pa.Table,
    register: pa.Table,
    today: date,
    run_id: str,
    fingerprint: str,
    reporter: Reporter,
) -> tuple[list[FileCount], list[SourceQuality]]:
    custodian_path = staging.path(CUSTODIAN)
    analysis_path = staging.path(ANALYSIS)
    con = duckdb.connect(str(custodian_path))
    try:
        # A path is not a value DuckDB can bind in ATTACH; it is our own staging path, quoted.
        con.execute(f"ATTACH {_sql_string(str(analysis_path))} AS analysis")
        identifiers.install(con, key)
        create_custodian_tables(con)
        create_analysis_tables(con, "analysis")
        con.register("geo_lookup", lookup)
        con.execute(
            "CREATE TEMP TABLE geo AS SELECT postcode, min(lsoa11cd) AS lsoa11cd "
            "FROM geo_lookup GROUP BY postcode"
        )
        con.register("register_keys", register)
        counts: list[FileCount] = []
        quality: list[SourceQuality] = []
        for plan in plans:
            found, measured = _ingest_source(
                con, plan, options, today, register.num_rows > 0, reporter
            )
            counts += found
            quality.append(measured)
        _record_run(con, plans, counts, options, key, run_id, fingerprint)
        con.execute("DETACH analysis")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    custodian_path.chmod(0o600)
    return counts, quality


def _ingest_source(
    con: duckdb.DuckDBPyConnection,
    planned: PlannedSource,
    options: IngestOptions,
    today: date,
    has_register: bool,
    reporter: Reporter,
) -> tuple[list[FileCount], SourceQuality]:
    spec = planned.spec
    as_at = options.as_at or today
    period = planned.agreement.data_period
    plan = SourcePlan(spec, as_at, period.start, period.end)
    width = len(spec.columns)
    columns = ", ".join(f"c_{i} VARCHAR" for i in range(width))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE raw_rows (_file VARCHAR, _fileidx BIGINT, "
        f"{columns}, _row BIGINT, _problem VARCHAR, _raw VARCHAR, _cells VARCHAR[])"
    )
    read: dict[str, int] = {}
    no_final_newline: list[str] = []
    for index, path in enumerate(planned.files):
        extract = open_extract(spec, path)
        reporter.start(f"{spec.source}: reading {path.name}", extract.size() or None)
        rows = 0
        for batch in extract.batches(reporter.advance):
            con.register("incoming", pa.Table.from_batches([batch]))
            con.execute(
                "INSERT INTO raw_rows SELECT $file, $index, * FROM incoming",
                {"file": path.name, "index": index},
            )
            con.unregister("incoming")
            rows += batch.num_rows
        reporter.finish()
        read[path.name] = rows
        if not extract.ended_with_newline:
            no_final_newline.append(path.name)
    reporter.start(f"{spec.source}: checking, standardising, splitting", 6)
    for name, build in (("parsed", plan.parsed_select), ("checked", plan.checked_select)):
        p = Params()
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {build(p)}", p.values)
        reporter.advance(1)
    _persons(con, plan)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE row_lsoa AS SELECT c.token, g.lsoa11cd, c.pc, c.given "  # noqa: S608
        f"FROM (SELECT token, {plan.lsoa_postcode()} AS pc, {plan.lsoa_given()} AS given "
        f"FROM checked) c LEFT JOIN geo g ON g.postcode = c.pc"
    )
    _withheld(con, spec.source, has_register)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE outcome AS SELECT c.*, l.lsoa11cd, l.pc AS _postcode, "
        "l.given AS _postcode_given, "
        "CASE WHEN w.kind IS NOT NULL THEN 'withheld_' || w.kind "
        "WHEN len(c.reasons) > 0 THEN 'quarantined' ELSE 'accepted' END AS status "
        "FROM checked c LEFT JOIN row_lsoa l USING (token) LEFT JOIN withheld w USING (token)"
    )
    reporter.advance(1)
    _write_custodian(con, plan)
    reporter.advance(1)
    p = Params()
    con.execute(
        f"CREATE TABLE analysis.main.{source_table(spec.source)} AS SELECT "  # noqa: S608
        f"{plan.analysis_select(p)} FROM outcome WHERE status = 'accepted' "
        f"ORDER BY _fileidx, _row",
        p.values,
    )
    reporter.advance(1)
    counts = _reconcile(con, planned, read)
    measured = _measure(con, plan, counts, no_final_newline)
    reporter.advance(1)
    reporter.finish()
    for table in ("raw_rows", "parsed", "checked", "persons", "row_lsoa", "withheld", "outcome"):
        con.execute(f"DROP TABLE IF EXISTS temp.main.{table}")
    return counts, measured


def _persons(con: duckdb.DuckDBPyConnection, plan: SourcePlan) -> None:
    columns = ", ".join(
        f"{name} {kind}"
        for name, kind in identifiers.IDENTIFIER_COLUMNS
        if name not in ("token", "source", "lsoa11cd")
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE persons (token VARCHAR, _ord BIGINT, {columns})")
    for person in plan.spec.persons():
        p = Params()
        select = plan.person_select(person, p)
        if select is None:
            continue
        con.execute(
            f"INSERT INTO persons SELECT * FROM ({select}) WHERE COALESCE(forename, surname, "  # noqa: S608
            f"CAST(dob AS VARCHAR), nhs_number, upn, nino, reference_number) IS NOT NULL",
            p.values,
        )


def _withheld(con: duckdb.DuckDBPyConnection, source: str, has_register: bool) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE withheld (token VARCHAR, kind VARCHAR)")
    if not has_register:
        return
    # each register entry matched under the key version that made it, retired ones included
    con.execute(
        "INSERT INTO withheld SELECT m.token, CASE WHEN bool_or(r.kind = 'optout') THEN 'optout' "
        "ELSE 'erasure' END FROM (SELECT p.token, v.key_id, unnest(bh_match_keys_under(v.ik, "
        "v.ok, p.forename, p.surname, p.dob, p.nhs_number, p.upn, p.nino)) AS key "
        "FROM persons p, temp.main.bh_match_versions v "
        "WHERE v.key_id IN (SELECT key_id FROM register_keys)) m "
        "JOIN register_keys r ON r.key = m.key AND r.key_id = m.key_id "
        "AND (r.source IS NULL OR r.source = $source) GROUP BY m.token",
        {"source": source},
    )


def _write_custodian(con: duckdb.DuckDBPyConnection, plan: SourcePlan) -> None:
    source = {"source": plan.spec.source}
    con.execute(
        "INSERT INTO records SELECT token, $source, _file, _row, status FROM outcome "
        "WHERE status IN ('accepted', 'quarantined') ORDER BY _fileidx, _row",
        source,
    )
    for table, status in (("identifiers", "accepted"), ("quarantine_identifiers", "quarantined")):
        con.execute(
            f"INSERT INTO {table} SELECT p.token, $source, p.person_role, p.forename, p.surname, "  # noqa: S608
            "p.dob, p.sex, p.nhs_number, p.upn, p.nino, p.reference_number, p.reference_scope, "
            "p.address, p.house_number, p.postcode, o.lsoa11cd, "
            "p.event_date, p.raw FROM persons p JOIN outcome o USING (token) "
            f"WHERE o.status = '{status}' ORDER BY p._ord, p.person_role",
            source,
        )
    p = Params()
    record = plan.quarantine_record(p)
    con.execute(
        f"INSERT INTO quarantine SELECT token, {p(plan.spec.source)}, _file, _row, reasons, "  # noqa: S608
        f"{record}, _raw FROM outcome WHERE status = 'quarantined' ORDER BY _fileidx, _row",
        p.values,
    )


def _reconcile(
    con: duckdb.DuckDBPyConnection, planned: PlannedSource, read: dict[str, int]
) -> list[FileCount]:
    rows = con.execute(
        "SELECT _file, count(*), count_if(status = 'accepted'), count_if(status = 'quarantined'),"
        " count_if(status = 'withheld_optout'), count_if(status = 'withheld_erasure') "
        "FROM outcome GROUP BY _file"
    ).fetchall()
    by_file = {row[0]: row for row in rows}
    counts = []
    for path, digest in zip(planned.files, planned.hashes, strict=True):
        row = by_file.get(path.name, (path.name, 0, 0, 0, 0, 0))
        count = FileCount(
            planned.spec.source,
            path.name,
            digest,
            int(row[1]),
            int(row[2]),
            int(row[3]),
            int(row[4]),
            int(row[5]),
        )
        if count.rows_in != read[path.name] or not count.reconciled:
            raise BakehouseError(
                "Reconciliation failed: rows read do not equal rows accounted for; nothing was "
                "written",
                file=path,
                fix="Report this as a bug with the file's specification",
            )
        counts.append(count)
    return counts


def _measure(
    con: duckdb.DuckDBPyConnection,
    plan: SourcePlan,
    counts: list[FileCount],
    no_final_newline: list[str],
) -> SourceQuality:
    spec = plan.spec
    selects = []
    for name in spec.columns:
        i = plan.index[name]
        usable = f"s_{i}" if plan.standard_expr(name) is not None else f"v_{i}"
        selects.append(
            f"count({trimmed(i)}), count(CASE WHEN {trimmed(i)} IS NOT NULL THEN {usable} END)"
        )
    # count_if over no rows is NULL, not 0
    tallies = [
        f"coalesce(count_if({condition}), 0)"
        for condition in (
            f"status = 'accepted' AND {plan.late_condition() or 'false'}",
            "status = 'accepted'",
            "status = 'accepted' AND _postcode IS NOT NULL",
            "status = 'accepted' AND lsoa11cd IS NOT NULL",
            "status = 'accepted' AND _postcode_given",
        )
    ]
    row = con.execute(
        f"SELECT count(*), {', '.join(selects)}, {', '.join(tallies)} "  # noqa: S608
        f"FROM outcome WHERE status IN ('accepted', 'quarantined')"
    ).fetchone()
    assert row is not None
    reasons = con.execute(
        "SELECT r.code, r.field, count(*) FROM (SELECT unnest(reasons) AS r FROM outcome "
        "WHERE status = 'quarantined') GROUP BY ALL ORDER BY 3 DESC, 1, 2"
    ).fetchall()
    nulled = con.execute(
        "SELECT r.code, r.field, count(*) FROM (SELECT unnest(nulled) AS r FROM outcome "
        "WHERE status = 'accepted') GROUP BY ALL ORDER BY 3 DESC, 1, 2"
    ).fetchall()
    total = int(row[0])
    fields: list[dict[str, Any]] = []
    for offset, (name, column) in enumerate(spec.columns.items()):
        present, valid = int(row[1 + 2 * offset]), int(row[2 + 2 * offset])
        fields.append(
            {
                "field": name,
                "role": column.role,
                "identifier": column.identifier,
                "type": column.type,
                "required": column.required,
                "present": present,
                "valid": valid,
            }
        )
    tail = row[1 + 2 * len(spec.columns) :]
    return SourceQuality(
        source=spec.source,
        title=spec.title,
        rows=total,
        fields=fields,
        reasons=[
            {"code": code, "field": field_name, "rows": int(n)} for code, field_name, n in reasons
        ],
        late_rows=int(tail[0]),
        accepted=int(tail[1]),
        late_after_days=spec.late_after_days,
        has_recorded_date=spec.recorded_date is not None,
        postcodes=int(tail[2]),
        postcodes_matched=int(tail[3]),
        postcodes_given=int(tail[4]),
        postcode_field=plan.spec.lsoa_column(),
        nulled=[{"code": code, "field": name, "rows": int(n)} for code, name, n in nulled],
        no_final_newline=no_final_newline,
        files=counts,
    )


def _record_run(
    con: duckdb.DuckDBPyConnection,
    plans: list[PlannedSource],
    counts: list[FileCount],
    options: IngestOptions,
    key: CustodianKey,
    run_id: str,
    fingerprint: str,
) -> None:
    for schema in ("main", "analysis.main"):
        for count in counts:
            con.execute(
                f"INSERT INTO {schema}.reconciliation VALUES (?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
                [
                    count.source,
                    count.file,
                    count.sha256,
                    count.rows_in,
                    count.accepted,
                    count.quarantined,
                    count.withheld_optout,
                    count.withheld_erasure,
                ],
            )
        for plan in plans:
            agreement = plan.agreement
            con.execute(
                f"INSERT INTO {schema}.sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
                [
                    plan.spec.source,
                    plan.spec.title,
                    plan.spec.supplier,
                    agreement.id,
                    agreement.version,
                    agreement.purpose_ids(),
                    agreement.review_date,
                    agreement.retention.months,
                    agreement.individual_rights.erasure,
                    agreement.disclosure.threshold,
                    agreement.disclosure.rounding,
                ],
            )
        con.execute(
            f"INSERT INTO {schema}.runs VALUES (?, ?, ?, ?, ?, now())",  # noqa: S608
            [run_id, fingerprint, options.purpose, key.key_id, __version__],
        )
