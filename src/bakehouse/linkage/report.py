"""The linkage quality report, as JSON (for machines) and self-contained HTML (for people).

It holds counts, shares and model parameters only, never a value from a record: the model's match
weights, the distribution of pair scores, the sizes of persons and households, how many persons
each pair of sources shares, precision and recall as the model itself estimates them and, when the
truth of a synthetic world is given, as measured against it (see :mod:`.measure`), with error rates
by group. It is for the custodian and the analysts, not a publication: small counts are shown.
"""

from __future__ import annotations

import html
import math
from typing import Any

import duckdb

from bakehouse.linkage.model import level_table
from bakehouse.linkage.persons import PersonModel, match_weight

WEIGHT_BINS = (-8, 30)


def _size_distribution(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, int]]:
    rows = con.execute(
        f"SELECT CASE WHEN n >= 20 THEN 20 ELSE n END AS size, count(*) FROM ({sql}) "  # noqa: S608
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return [{"size": int(size), "count": int(count)} for size, count in rows]


def estimated_quality(
    con: duckdb.DuckDBPyConnection, persons: PersonModel, threshold: float
) -> dict[str, Any]:
    """Precision and recall of pairwise links as the model estimates them: among the pairs it
    links, the mean match probability; of all the probability mass it scored, the share it
    links. They assume the model is right about itself and ignore pairs blocking never formed,
    so they are upper bounds to be read beside the measured figures when a truth is at hand."""
    con.register("lk_pairs_arrow", persons.pairs)
    row = con.execute(
        """SELECT count(*), coalesce(sum(match_probability), 0),
                  count_if(match_probability >= $t),
                  coalesce(sum(match_probability) FILTER (WHERE match_probability >= $t), 0)
           FROM lk_pairs_arrow""",
        {"t": threshold},
    ).fetchall()[0]
    histogram = con.execute(
        """SELECT CAST(floor(greatest(least(match_weight, $hi), $lo)) AS INTEGER) AS bin,
                  count(*) FROM lk_pairs_arrow GROUP BY 1 ORDER BY 1""",
        {"lo": WEIGHT_BINS[0], "hi": WEIGHT_BINS[1]},
    ).fetchall()
    con.unregister("lk_pairs_arrow")
    scored, mass, linked, linked_mass = int(row[0]), float(row[1]), int(row[2]), float(row[3])
    return {
        "pairs_scored": scored,
        "pairs_linked": linked,
        "expected_true_links": round(mass, 1),
        "precision": round(linked_mass / linked, 5) if linked else None,
        "recall": round(linked_mass / mass, 5) if mass else None,
        "match_weight_histogram": [{"bin": int(b), "pairs": int(n)} for b, n in histogram],
    }


def source_pairs(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """For each pair of sources, the persons found in both (a source with itself: persons with
    more than one record there)."""
    rows = con.execute(
        """WITH ps AS (SELECT p.person, r.source, count(*) AS n FROM lk_record_person p
                       JOIN lk_records r USING (rid) GROUP BY ALL)
           SELECT a.source, b.source, count(*) FROM ps a JOIN ps b ON a.person = b.person
             AND (a.source < b.source OR (a.source = b.source AND a.n > 1))
           GROUP BY ALL ORDER BY 1, 2"""
    ).fetchall()
    return [{"source_a": a, "source_b": b, "persons": int(n)} for a, b, n in rows]


def summary(
    con: duckdb.DuckDBPyConnection,
    persons: PersonModel,
    threshold: float,
) -> dict[str, Any]:
    return {
        "prior": persons.prior,
        "prior_match_weight": round(match_weight(persons.prior), 3),
        "deterministic_matches": persons.deterministic_matches,
        "identifier_shares": persons.identifier_shares,
        "warnings": persons.warnings,
        "training": persons.training,
        "levels": level_table(persons.model),
        "estimated": estimated_quality(con, persons, threshold),
        "records_per_person": _size_distribution(
            con, "SELECT count(*) AS n FROM lk_record_person GROUP BY person"
        ),
        "identities_per_person": _size_distribution(
            con,
            "SELECT count(DISTINCT i.unique_id) AS n FROM lk_record_person p "
            "JOIN lk_record_identity i USING (rid) GROUP BY p.person",
        ),
        "persons_per_household": _size_distribution(
            con,
            "SELECT count(DISTINCT p.person) AS n FROM lk_record_household h "
            "JOIN lk_record_person p USING (rid) GROUP BY h.household",
        ),
        "addresses_per_household": _size_distribution(
            con,
            "SELECT count(DISTINCT address) AS n FROM lk_memberships GROUP BY household",
        ),
        "source_pairs": source_pairs(con),
    }


# --- HTML ---------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if abs(value) >= 100 or value == 0:
            return f"{value:,.1f}"
        return f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(caption: str, headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return (
        f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def bar_chart(
    title: str, labels: list[str], values: list[float], *, marker: str | None = None
) -> str:
    """A horizontal bar chart as inline SVG (no script), signed values allowed. The data are
    always also given as a table next to it."""
    if not values:
        return ""
    row, width, label_width = 18, 360, 360
    lo, hi = min(0.0, *values), max(0.0, *values)
    span = (hi - lo) or 1.0
    zero = label_width + (0 - lo) / span * width
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = i * row
        x0 = label_width + (min(value, 0) - lo) / span * width
        length = abs(value) / span * width
        colour = "#d4351c" if value < 0 else "#1d70b8"
        if marker is not None and label == marker:
            colour = "#00703c"
        bars.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" font-size="11">'
            f"{html.escape(label)}</text>"
            f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(length, 0.5):.1f}" height="{row - 6}" '
            f'fill="{colour}"><title>{html.escape(label)}: {_cell(value)}</title></rect>'
        )
    height = row * len(values) + 4
    return (
        f'<figure><svg role="img" aria-label="{html.escape(title)}" '
        f'width="{label_width + width + 10}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="0" y2="{height}" stroke="#505a5f"/>'
        f"{''.join(bars)}</svg><figcaption>{html.escape(title)}</figcaption></figure>"
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.2f}%"


def _warnings_section(document: dict[str, Any]) -> list[str]:
    warnings = document["persons"].get("warnings") or []
    if not warnings:
        return []
    items = "".join(f"<li>{html.escape(text)}</li>" for text in warnings)
    return [
        '<section role="alert"><h2>Warnings</h2><p>The model was built with less than its '
        f"settings ask for:</p><ul>{items}</ul></section>"
    ]


def _weights_section(document: dict[str, Any]) -> list[str]:
    model = document["persons"]
    levels = [row for row in model["levels"] if row["match_weight"] is not None]
    compared = sorted({row["comparison"] for row in model["levels"]})
    parts = [
        "<h2>Person model</h2>",
        _table(
            "Identifiers held (share of distinct identities with a value)",
            ["identifier", "share"],
            [[name, share] for name, share in model.get("identifier_shares", {}).items()],
        ),
        f"<p>Comparisons in the model (each trained): {html.escape(', '.join(compared))}.</p>",
        f"<p>Prior: one in {1 / model['prior']:,.0f} random pairs of identities is the same "
        f"person (match weight {model['prior_match_weight']}), from "
        f"{model['deterministic_matches']:,} pairs found by the deterministic rules. Training "
        "steps: "
        + "; ".join(
            f"pairs agreeing on {', '.join(step['block'])} estimated "
            f"{', '.join(step['estimates'])}" + ("" if step["trained"] else " (no pairs: default)")
            for step in model["training"]
        )
        + ".</p>",
        bar_chart(
            "Match weight of each comparison level (bits of evidence for the same person)",
            [f"{row['comparison']}: {row['level']}" for row in levels],
            [row["match_weight"] for row in levels],
        ),
        _table(
            "Match weights: m (agreement among matches), u (by chance)",
            ["comparison", "level", "m", "u", "match weight"],
            [
                [row["comparison"], row["level"], row["m"], row["u"], row["match_weight"]]
                for row in model["levels"]
            ],
        ),
    ]
    estimated = model["estimated"]
    histogram = estimated["match_weight_histogram"]
    threshold_weight = document["threshold_match_weight"]
    parts += [
        "<h2>Scores of candidate pairs</h2>",
        bar_chart(
            f"Pairs by match weight (links at {threshold_weight:.1f} and above; the bin at "
            f"{WEIGHT_BINS[1]} holds all higher)",
            [str(row["bin"]) for row in histogram],
            [float(row["pairs"]) for row in histogram],
            marker=str(math.floor(threshold_weight)),
        ),
        _table(
            "Pairs by match weight",
            ["match weight from", "pairs"],
            [[row["bin"], row["pairs"]] for row in histogram],
        ),
        f"<p>Estimated by the model itself: precision {_pct(estimated['precision'])}, recall "
        f"{_pct(estimated['recall'])} of pairwise links between identities "
        f"({estimated['pairs_linked']:,} pairs linked of {estimated['pairs_scored']:,} scored; "
        f"{estimated['expected_true_links']:,} true links expected). These assume the model is "
        "right about itself; see the measured figures when a truth is given.</p>",
    ]
    return parts


def _sizes_section(document: dict[str, Any]) -> list[str]:
    model = document["persons"]
    parts = ["<h2>Sizes</h2>"]
    for key, caption in (
        ("records_per_person", "Records per person (20 = 20 or more)"),
        ("identities_per_person", "Distinct identities per person"),
        ("persons_per_household", "Persons per household (ever)"),
        ("addresses_per_household", "Addresses per household (moves + 1)"),
    ):
        rows = model[key]
        parts.append(
            bar_chart(caption, [str(r["size"]) for r in rows], [float(r["count"]) for r in rows])
        )
        parts.append(_table(caption, ["size", "count"], [[r["size"], r["count"]] for r in rows]))
    parts.append(
        _table(
            "Persons found in both sources (a source with itself: more than one record there)",
            ["source", "source", "persons"],
            [[r["source_a"], r["source_b"], r["persons"]] for r in model["source_pairs"]],
        )
    )
    return parts


def _measured_section(measured: dict[str, Any]) -> list[str]:
    parts = [
        "<h2>Measured against the truth</h2>",
        f"<p>{html.escape(measured['note'])}</p>",
        _table(
            "Precision, recall and F1",
            ["what", "precision", "recall", "F1"],
            [
                [name, m["precision"], m["recall"], m["f1"]]
                for name, m in measured["scores"].items()
            ],
        ),
    ]
    children = measured["children"]
    parts.append(
        _table(
            "Children's household at the prediction date",
            ["measure", "children", "correct", "share"],
            [
                [name, children["children"], count, count / children["children"]]
                for name, count in children["correct"].items()
            ]
            if children["children"]
            else [],
        )
    )
    for group, rows in measured["by_group"].items():
        parts.append(
            _table(
                f"Linkage errors by {group} (95% Wilson intervals)",
                [
                    group,
                    "persons",
                    "with several records",
                    "missed links",
                    "false links",
                    "children",
                    "household wrong",
                ],
                [
                    [
                        r["group"],
                        r["persons"],
                        r.get("persons_with_several_records"),
                        _with_interval(r, "missed_link"),
                        _with_interval(r, "false_link"),
                        r["children"],
                        _with_interval(r, "household_error"),
                    ]
                    for r in rows
                ],
            )
        )
    return parts


def _interval_text(review: dict[str, Any], name: str) -> str:
    value, bounds = review.get(name), review.get(f"{name}_interval")
    if value is None:
        return "–"
    return f"{_pct(value)} ({_pct(bounds[0])} to {_pct(bounds[1])})" if bounds else _pct(value)


def _review_section(review: dict[str, Any]) -> list[str]:
    measured = review.get("measured") or {}
    parts = [
        "<h2>Clerical review</h2>",
        f"<p>From a stratified sample of pairs labelled by the custodian (sample "
        f"{html.escape(review['sample_id'])}); pairwise, over the pairs blocking formed, with "
        f"95% intervals. Unsure labels left out: {review.get('unsure', 0)}.</p>",
    ]
    if review.get("not_estimated"):
        parts.append(f"<p>Not estimated: {html.escape(review['not_estimated'])}.</p>")
    rows = [
        ["precision", _interval_text(review, "precision"), _pct(measured.get("precision"))],
        ["recall", _interval_text(review, "recall"), _pct(measured.get("recall"))],
    ]
    parts.append(
        _table(
            "Precision and recall estimated from the review (and measured, with a truth)",
            ["figure", "estimated (95% interval)", "measured"],
            rows,
        )
    )
    parts.append(
        _table(
            "Review strata",
            ["stratum", "pairs", "sampled", "match", "non-match", "unsure"],
            [
                [r["stratum"], r["pairs"], r["sampled"], r["match"], r["non_match"], r["unsure"]]
                for r in review["strata"]
            ],
        )
    )
    return parts


def render_html(document: dict[str, Any]) -> str:
    counts = document["counts"]
    parts = [
        "<h1>Linkage quality report</h1>",
        f"<p>Run {html.escape(document['run_id'])} on ingestion run "
        f"{html.escape(str(document['ingest_run_id']))}, backend "
        f"{html.escape(document['backend'])}, threshold {document['threshold']} (match weight "
        f"{document['threshold_match_weight']:.2f}), generated "
        f"{html.escape(document['generated_at'])} in {document['seconds']['total']:.1f} s.</p>",
        _table(
            "Counts",
            ["what", "count"],
            [[name.replace("_", " "), value] for name, value in counts.items()],
        ),
    ]
    parts += _warnings_section(document)
    parts += _weights_section(document)
    parts += _sizes_section(document)
    if document.get("review"):
        parts += _review_section(document["review"])
    if document.get("measured"):
        parts += _measured_section(document["measured"])
    parts.append(
        _table(
            "Time per step (seconds)",
            ["step", "seconds"],
            [[name, value] for name, value in document["seconds"].items()],
        )
    )
    style = (
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#0b0c0c}"
        "table{border-collapse:collapse;margin:1rem 0}caption{text-align:left;"
        "font-weight:bold}th,td{border:1px solid #b1b4b6;padding:.25rem .5rem;"
        "text-align:left}figure{margin:1rem 0}figcaption{font-size:.9rem}"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Linkage quality report</title>"
        f"<style>{style}</style></head><body><main>{''.join(parts)}</main></body></html>\n"
    )


def _with_interval(row: dict[str, Any], name: str) -> str | None:
    """A group's rate with its interval, as text (the rate alone in a report without one)."""
    rate, bounds = row.get(f"{name}_rate"), row.get(f"{name}_interval")
    if rate is None:
        return None
    if not bounds:
        return f"{rate:.4f}"
    return f"{rate:.4f} ({bounds[0]:.4f} to {bounds[1]:.4f})"
