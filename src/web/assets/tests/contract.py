"""The ORUK API description (``oruk/schema/openapi.json``) made testable here.

Upstream it points at its response schemas by web address and uses ``time``, which is not an
OpenAPI type; a contract test must not need the internet, and the register answers bad
parameters (400) and unknown ids (404), which the upstream description leaves out. So the
test uses a copy with the vendored schemas inlined and those answers described. One more
fix: upstream gives ``/service_at_locations/{id}`` the service schema; it is tested against
the service-at-location one, which is what the standard's examples return.

Parameters carry the limits the register documents (``LIMITS``): valid values within them are
answered 200, values outside them 400 (``test_api`` checks those). Every other text parameter,
ids in the path too, is text without a NUL character (``NO_NUL``): PostgreSQL cannot compare
one, so the register answers it 400.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from web.assets.schemas import OPENAPI, load_schema

UPSTREAM = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"
PROBLEM = {
    "description": "A bad parameter or an unknown id, said in words.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["detail"],
                "properties": {"detail": {"type": "string"}, "parameter": {"type": "string"}},
            }
        }
    },
}


# The register's documented limits on the standard's parameters (see the app's README).
LIMITS: dict[str, dict[str, Any]] = {
    "page": {"type": "integer", "minimum": 1},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 500},
    "start_time": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"},
    "end_time": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"},
    "day": {"type": "string", "enum": ["MO", "TU", "WE", "TH", "FR", "SA", "SU", "Monday"]},
    "modified_after": {"type": "string", "format": "date-time"},
    "minimum_age": {"type": "number", "minimum": -1e9, "maximum": 1e9},
    "maximum_age": {"type": "number", "minimum": -1e9, "maximum": 1e9},
    # Postcodes of the area's own lookup; anywhere else is refused (400) as unknown.
    "postcode": {"type": "string", "enum": ["SS16 4AB", "SS14 1AE", "ss13 3jh"]},
    "proximity": {"type": "string", "pattern": "^[0-9]{1,6}(\\.[0-9]{1,3})?$"},
}

NO_NUL = {"type": "string", "pattern": "^[^\\u0000]*$"}


def _inline(node: Any) -> Any:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and not reference.startswith("#"):
            name = reference.removeprefix(UPSTREAM)
            return _inline(_without_keywords(load_schema(name)))
        return {key: _inline(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item) for item in node]
    return node


def _without_keywords(schema: Any) -> Any:
    # JSON Schema draft 7 keywords OpenAPI 3.0 has no room for.
    if isinstance(schema, dict):
        return {
            key: _without_keywords(value)
            for key, value in schema.items()
            if key not in {"$schema", "$id"}
        }
    if isinstance(schema, list):
        return [_without_keywords(item) for item in schema]
    return schema


def contract() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    spec = copy.deepcopy(spec)
    single = spec["paths"]["/service_at_locations/{id}"]["get"]["responses"]["200"]
    single["content"]["application/json"]["schema"] = {
        "$ref": f"{UPSTREAM}compiled/service_at_location.json"
    }
    for parameter in spec["components"]["parameters"].values():
        if parameter["name"] in LIMITS:
            parameter["schema"] = LIMITS[parameter["name"]]
        elif parameter["schema"] == {"type": "string"}:
            parameter["schema"] = NO_NUL
    for item in spec["paths"].values():
        for parameter in item.get("parameters", []):
            if parameter["in"] == "path":
                parameter["schema"] = NO_NUL
        for method, operation in item.items():
            if method == "parameters":
                continue
            operation["responses"]["400"] = PROBLEM
            operation["responses"]["404"] = PROBLEM
    inlined: dict[str, Any] = _inline(spec)
    return inlined
