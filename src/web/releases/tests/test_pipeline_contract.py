"""Both halves of the contract together: a release written and signed by `bakehouse publish`
from synthetic predictions is verified against the partnership's public key, imported,
published and shown, in release format 2 with the recipe's words on its pages. Skipped where
the pipeline's publisher is not installed."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from bakehouse.geography import load_area
from bakehouse.release.signing import generate_key
from web.releases.tests.fixtures import import_published

pytest.importorskip("bakehouse.release.publish", reason="the pipeline's publisher is not here")
pytestmark = pytest.mark.django_db

OBSERVED = (2019, 2022, 2023, 2024, 2025)
COMING = (2026, 2027, 2028)


def write_predictions(path: Path, seed: int = 3) -> None:
    """Units per LSOA and cohort, each with a predicted chance of the recipe's outcome
    (``p_outcome``), and the outcome for cohorts already known (``observed_outcome``)."""
    rng = random.Random(seed)
    columns: dict[str, list[object]] = {
        "lsoa11cd": [],
        "cohort": [],
        "p_outcome": [],
        "observed_outcome": [],
    }
    for code in load_area("basildon").lsoa_codes:
        area_logit = rng.gauss(-0.7, 0.5)
        for cohort in OBSERVED + COMING:
            for _ in range(rng.randint(20, 40)):
                p = 1 / (1 + math.exp(-(area_logit + rng.gauss(0, 0.8))))
                columns["lsoa11cd"].append(code)
                columns["cohort"].append(cohort)
                columns["p_outcome"].append(p)
                columns["observed_outcome"].append(rng.random() < p if cohort in OBSERVED else None)
    schema = pa.schema(
        [
            ("lsoa11cd", pa.string()),
            ("cohort", pa.int32()),
            ("p_outcome", pa.float64()),
            ("observed_outcome", pa.bool_()),
        ]
    )
    pq.write_table(pa.table(columns, schema=schema), path)


def test_a_release_from_bakehouse_publish_is_imported_and_shown(
    tmp_path: Path, client: Client, settings: Settings
) -> None:
    key = generate_key(tmp_path / "keys" / "release-signing.key")
    settings.BAKEHOUSE_RELEASE_PUBLIC_KEYS = [key.public.text]
    predictions = tmp_path / "predictions.parquet"
    write_predictions(predictions)
    out = tmp_path / "releases"
    command = [
        *(sys.executable, "-m", "bakehouse.cli", "publish", str(predictions)),
        *("--area", "basildon", "--out", str(out), "--as-at", "2025-09-30"),
        *("--signing-key", key.origin),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    [folder] = [path for path in out.iterdir() if path.is_dir()]

    release = import_published(folder)

    assert release.format_version == 2
    assert release.areas.count() == 110
    recipe = {"recipe": release.recipe}
    payload = client.get(reverse("areas:map_data", kwargs={**recipe, "release_id": release.id}))
    assert len(payload.content) < 300_000
    assert len(json.loads(payload.content)["features"]) == 110
    for name in ("areas:recipe", "areas:map", "areas:flagged", "transparency:recipe"):
        response = client.get(reverse(name, kwargs=recipe))
        assert response.status_code == HTTPStatus.OK, name
        assert release.words.events in response.content.decode(), name
    for name in ("core:home", "transparency:overview", "releases:history"):
        assert client.get(reverse(name)).status_code == HTTPStatus.OK, name
    for area in (release.areas.filter(flagged=True).first(), release.areas.last()):
        assert area is not None
        url = reverse("areas:profile", kwargs={**recipe, "lsoa11cd": area.lsoa11cd})
        assert client.get(url).status_code == HTTPStatus.OK
        across = reverse("areas:area", kwargs={"lsoa11cd": area.lsoa11cd})
        assert client.get(across).status_code == HTTPStatus.OK
