"""The data quality report of a run, as JSON (for machines) and self-contained HTML (for people).

It holds counts and shares only, never a value from a record: reconciliation per file,
completeness and validity per field, quarantine reasons, values nulled in kept rows (per field
and reason), duplicates, late records, postcodes matched to an LSOA, and warnings. It is an
internal report for the partnership's analysts and custodian, not a publication, so small counts
are shown as they are.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bakehouse.custody.workspace import Staging

if TYPE_CHECKING:
    from bakehouse.ingest.pipeline import FileCount


@dataclass
class SourceQuality:
    source: str
    title: str
    rows: int
    fields: list[dict[str, Any]]
    reasons: list[dict[str, Any]]
    late_rows: int
    accepted: int
    late_after_days: int
    has_recorded_date: bool
    postcodes: int
    postcodes_matched: int
    postcodes_given: int = 0
    postcode_field: str | None = None
    nulled: list[dict[str, Any]] = field(default_factory=list)
    no_final_newline: list[str] = field(default_factory=list)
    files: list[FileCount] = field(default_factory=list)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _postcode_warnings(item: SourceQuality) -> list[str]:
    """Rows left without an area, and why: what the report must never leave silent."""
    if item.postcode_field is None:
        return ["The source names no postcode column for its area: its accepted rows have no LSOA"]
    warnings = []
    unmatched = item.postcodes - item.postcodes_matched
    if unmatched:
        warnings.append(
            f"{unmatched} of {item.postcodes} valid postcodes in '{item.postcode_field}' "
            f"({_pct(_share(unmatched, item.postcodes))}) are not in the postcode lookup, so "
            "those rows have no LSOA: supply --postcodes with a lookup that covers the area, or "
            "check the extract's postcodes"
        )
    malformed = item.postcodes_given - item.postcodes
    if malformed:
        warnings.append(
            f"{malformed} of {item.postcodes_given} values in '{item.postcode_field}' "
            f"({_pct(_share(malformed, item.postcodes_given))}) hold no valid UK postcode, so "
            "those rows have no LSOA: check the extract"
        )
    return warnings


def report_document(
    run_id: str, purpose: str, counts: list[FileCount], quality: list[SourceQuality]
) -> dict[str, Any]:
    sources = []
    for item in quality:
        duplicates = sum(r["rows"] for r in item.reasons if r["code"] == "duplicate")
        out_of_period = sum(r["rows"] for r in item.reasons if r["code"] == "out_of_period")
        warnings = [
            f"{name} does not end with a line break: its last row may be truncated"
            for name in item.no_final_newline
        ] + _postcode_warnings(item)
        sources.append(
            {
                "source": item.source,
                "title": item.title,
                "files": [
                    {**asdict(count), "reconciled": count.reconciled} for count in item.files
                ],
                "rows_checked": item.rows,
                "fields": [
                    {
                        **f,
                        "completeness": _share(f["present"], item.rows),
                        "validity": _share(f["valid"], f["present"]),
                    }
                    for f in item.fields
                ],
                "quarantine_reasons": item.reasons,
                "nulled_values": item.nulled,
                "duplicates": duplicates,
                "out_of_period": out_of_period,
                "late_records": {
                    "measured": item.has_recorded_date,
                    "after_days": item.late_after_days,
                    "rows": item.late_rows,
                    "share_of_accepted": _share(item.late_rows, item.accepted),
                },
                "postcode_to_lsoa": {
                    "field": item.postcode_field,
                    "accepted_with_text": item.postcodes_given,
                    "accepted_with_postcode": item.postcodes,
                    "matched": item.postcodes_matched,
                    "share": _share(item.postcodes_matched, item.postcodes),
                },
                "warnings": warnings,
            }
        )
    totals = {
        key: sum(getattr(c, key) for c in counts)
        for key in ("rows_in", "accepted", "quarantined", "withheld_optout", "withheld_erasure")
    }
    return {
        "run_id": run_id,
        "purpose": purpose,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "reconciled": all(count.reconciled for count in counts),
        "totals": totals,
        "sources": sources,
    }


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _table(caption: str, headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return (
        f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def render_html(document: dict[str, Any]) -> str:
    parts = [
        f"<h1>Data quality report</h1><p>Run {html.escape(document['run_id'])}, purpose "
        f"{html.escape(document['purpose'])}, generated {html.escape(document['generated_at'])}."
        f" Reconciliation: <strong>{'exact' if document['reconciled'] else 'FAILED'}</strong>"
        " (rows in = accepted + quarantined + withheld).</p>"
    ]
    for source in document["sources"]:
        parts.append(f"<h2>{html.escape(source['source'])}: {html.escape(source['title'])}</h2>")
        parts.append(
            _table(
                "Reconciliation per file",
                [
                    "file",
                    "rows in",
                    "accepted",
                    "quarantined",
                    "withheld (opt-out)",
                    "withheld (erasure)",
                    "reconciled",
                ],
                [
                    [
                        f["file"],
                        f["rows_in"],
                        f["accepted"],
                        f["quarantined"],
                        f["withheld_optout"],
                        f["withheld_erasure"],
                        "yes" if f["reconciled"] else "NO",
                    ]
                    for f in source["files"]
                ],
            )
        )
        for warning in source["warnings"]:
            parts.append(f"<p><strong>Warning:</strong> {html.escape(warning)}</p>")
        parts.append(
            _table(
                "Completeness and validity per field",
                ["field", "role", "type", "required", "completeness", "validity"],
                [
                    [
                        f["field"],
                        f["role"] + (f" ({f['identifier']})" if f["identifier"] else ""),
                        f["type"],
                        "yes" if f["required"] else "no",
                        _pct(f["completeness"]),
                        _pct(f["validity"]),
                    ]
                    for f in source["fields"]
                ],
            )
        )
        parts.append(
            _table(
                "Quarantine reasons",
                ["reason", "field", "rows"],
                [
                    [r["code"], r["field"] or "(row)", r["rows"]]
                    for r in source["quarantine_reasons"]
                ]
                or [["none", "", 0]],
            )
        )
        parts.append(
            _table(
                "Values nulled in accepted rows (the row kept, the value not used)",
                ["reason", "field", "rows"],
                [[r["code"], r["field"], r["rows"]] for r in source["nulled_values"]]
                or [["none", "", 0]],
            )
        )
        late = source["late_records"]
        lsoa = source["postcode_to_lsoa"]
        late_text = (
            f"{late['rows']} accepted rows recorded more than {late['after_days']} days "
            f"after the event ({_pct(late['share_of_accepted'])})"
            if late["measured"]
            else "not measured: the source has no recorded date"
        )
        parts.append(
            f"<p>Duplicates: {source['duplicates']}. Out of period: {source['out_of_period']}. "
            f"Late records: {html.escape(late_text)}. Postcodes matched to an LSOA: "
            f"{lsoa['matched']} of {lsoa['accepted_with_postcode']} valid postcodes "
            f"({_pct(lsoa['share'])}), from {lsoa['accepted_with_text']} accepted rows with a "
            "value in the postcode field.</p>"
        )
    style = (
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#0b0c0c}"
        "table{border-collapse:collapse;margin:1rem 0}caption{text-align:left;"
        "font-weight:bold}th,td{border:1px solid #b1b4b6;padding:.3rem .6rem;"
        "text-align:left}"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Data quality report</title>"
        f"<style>{style}</style></head><body><main>{''.join(parts)}</main></body></html>\n"
    )


def write_reports(
    staging: Staging,
    run_id: str,
    purpose: str,
    counts: list[FileCount],
    quality: list[SourceQuality],
) -> None:
    document = report_document(run_id, purpose, counts, quality)
    text = json.dumps(document, indent=2)
    page = render_html(document)
    for folder in ("reports", f"reports/runs/{run_id}"):
        staging.path(f"{folder}/quality.json").write_text(text, encoding="utf-8")
        staging.path(f"{folder}/quality.html").write_text(page, encoding="utf-8")
