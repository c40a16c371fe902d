"""Source specifications for a world written without national identifiers.

Ingestion ships one specification per extract of the synthetic world, each declaring the NHS
number, UPN or NINO column its agency sends. A world written without them (``national_ids``
false) carries its own copies in ``specs/``, with those columns left out, so that
``bakehouse ingest --specs WORLD/specs`` reads its extracts as a partnership without national
identifiers would. The agreements need no change: they permit fields, they do not require them.
"""

from __future__ import annotations

from pathlib import Path

import yaml

NATIONAL_KINDS = frozenset({"nhs_number", "upn", "nino"})
SPECS_FOLDER = "specs"


def write_local_specs(out_dir: Path) -> list[Path]:
    """Write the shipped specifications into ``out_dir`` without their national identifier
    columns; return the files written."""
    from bakehouse.ingest.spec import shipped_specs_dir

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(shipped_specs_dir().glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec["columns"] = {
            name: column
            for name, column in spec["columns"].items()
            if column.get("identifier") not in NATIONAL_KINDS
        }
        target = out_dir / path.name
        header = (
            f"# {spec.get('title', spec['source'])}: as the shipped specification, without NHS "
            "number, UPN or NINO\n# (a synthetic world written with --no-national-ids).\n"
        )
        body = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
        target.write_text(header + body, encoding="utf-8")
        written.append(target)
    return written
