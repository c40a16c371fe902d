"""The areas communities disagreed with, carried from the web app to the next model card.

Partnership staff export the list (``manage.py export_review --recipe ID --out FILE``): each area
a validation round marked for review, with its round, the published verdict counts (as the web
app shows them, small counts already withheld) and the partnership's response, "what was
found". It holds no text a participant typed. ``bakehouse run --review FILE`` reads it, and the
model card and transparency record of the release it makes list the areas, or say that none
were marked.

``review.json`` (UTF-8 JSON):

| field | type | meaning |
|---|---|---|
| ``format_version`` | int | 1 |
| ``recipe`` | string | the recipe whose releases the rounds asked about |
| ``exported_at`` | string | ISO 8601 time of the export |
| ``rule`` | string | when an area is marked for review, in words |
| ``areas`` | list of object | one per area and round, by area name |
| ``areas[].lsoa11cd``, ``lsoa11nm`` | string | the area |
| ``areas[].round`` | int | the round's number in the web app |
| ``areas[].release`` | string | the release the round asked about |
| ``areas[].asked`` | string | the round's dates, ``YYYY-MM-DD to YYYY-MM-DD`` |
| ``areas[].verdicts`` | object | verdict label to the count as published (a string) |
| ``areas[].found`` | string | the partnership's response, or empty while none is written |
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bakehouse.errors import ConfigError, SchemaError

FORMAT_VERSION = 1
_TEXT_FIELDS = ("lsoa11cd", "lsoa11nm", "release", "asked", "found")


@dataclass(frozen=True)
class AreaForReview:
    lsoa11cd: str
    lsoa11nm: str
    round: int
    release: str
    asked: str
    verdicts: dict[str, str]
    found: str


@dataclass(frozen=True)
class ReviewList:
    recipe: str
    exported_at: str
    rule: str
    areas: tuple[AreaForReview, ...]

    def as_json(self) -> str:
        data = {"format_version": FORMAT_VERSION, **asdict(self)}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.as_json().encode()).hexdigest()


def write_review(review: ReviewList, path: Path) -> Path:
    path.write_text(review.as_json(), encoding="utf-8")
    return path


def _refuse(path: Path, field: str, what: str) -> SchemaError:
    return SchemaError(
        what,
        file=path,
        field=field,
        fix="Pass the file `manage.py export_review` writes (format 1)",
    )


def _area(path: Path, index: int, item: Any) -> AreaForReview:
    where = f"areas.{index}"
    if not isinstance(item, dict):
        raise _refuse(path, where, "Not a JSON object")
    for name in _TEXT_FIELDS:
        if not isinstance(item.get(name), str):
            raise _refuse(path, f"{where}.{name}", "Missing or not a string")
    if not isinstance(item.get("round"), int):
        raise _refuse(path, f"{where}.round", "Missing or not a whole number")
    verdicts = item.get("verdicts")
    if not isinstance(verdicts, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in verdicts.items()
    ):
        raise _refuse(path, f"{where}.verdicts", "Missing or not counts by verdict")
    return AreaForReview(
        **{name: item[name] for name in _TEXT_FIELDS}, round=item["round"], verdicts=verdicts
    )


def read_review(path: Path, recipe: str) -> ReviewList:
    """The review list at ``path``, which must be the ``recipe``'s."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise _refuse(path, "(file)", "Cannot read the file") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _refuse(path, "(file)", "Not a UTF-8 JSON file") from None
    if not isinstance(data, dict):
        raise _refuse(path, "(file)", "Not a JSON object")
    if data.get("format_version") != FORMAT_VERSION:
        raise _refuse(path, "format_version", f"Unknown format {data.get('format_version')!r}")
    for name in ("recipe", "exported_at", "rule"):
        if not isinstance(data.get(name), str):
            raise _refuse(path, name, "Missing or not a string")
    if data["recipe"] != recipe:
        raise ConfigError(
            f"The review list is for recipe {data['recipe']!r}, the run for {recipe!r}",
            file=path,
            field="recipe",
            fix=f"Export it with `manage.py export_review --recipe {recipe}`",
        )
    areas = data.get("areas")
    if not isinstance(areas, list):
        raise _refuse(path, "areas", "Missing or not a list")
    return ReviewList(
        recipe=data["recipe"],
        exported_at=data["exported_at"],
        rule=data["rule"],
        areas=tuple(_area(path, index, item) for index, item in enumerate(areas)),
    )
