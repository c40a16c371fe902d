"""World options: determinism, interventions, truth kept apart, and clear errors."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.errors import ConfigError, GeographyError
from bakehouse.world.config import Intervention, WorldConfig, parse_intervention
from bakehouse.world.generate import WORLD_FORMAT, generate
from bakehouse.world.noise import NoiseLevel

TRUTH_ONLY_COLUMNS = {
    "person_id",
    "household_id",
    "p_gld",
    "p_gld_from_records",
    "address_id",
    "disadvantage",
}


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    config = WorldConfig(area="basildon", seed=7, scale=0.05)
    first = generate(config, tmp_path / "a").manifest["files"]
    second = generate(config, tmp_path / "b").manifest["files"]
    other = generate(config.model_copy(update={"seed": 8}), tmp_path / "c").manifest["files"]
    assert first == second
    assert first["extracts/school_census.csv"] != other["extracts/school_census.csv"]


def test_reuse_keeps_a_current_world_and_builds_an_older_or_different_one(tmp_path: Path) -> None:
    out = tmp_path / "w"
    options = ["world", "--area", "basildon", "--scale", "0.05", "--out", str(out), "--reuse"]
    runner = CliRunner()
    assert runner.invoke(app, [*options, "--seed", "3"]).exit_code == 0
    manifest = out / "world.json"
    built = manifest.stat().st_mtime_ns
    kept = runner.invoke(app, [*options, "--seed", "3"])
    assert kept.exit_code == 0 and "kept" in kept.output
    assert manifest.stat().st_mtime_ns == built
    # A world written in an older format is built again.
    older = json.loads(manifest.read_text()) | {"world_format": 1}
    manifest.write_text(json.dumps(older))
    assert runner.invoke(app, [*options, "--seed", "3"]).exit_code == 0
    assert json.loads(manifest.read_text())["world_format"] == WORLD_FORMAT
    # So is one built with other options.
    assert runner.invoke(app, [*options, "--seed", "4"]).exit_code == 0
    assert json.loads(manifest.read_text())["config"]["seed"] == 4


def test_manifest_records_seed_parameters_counts_and_hashes(small_world_factory) -> None:  # type: ignore[no-untyped-def]
    world = small_world_factory()
    manifest = json.loads((world.out / "world.json").read_text())
    assert manifest["config"]["seed"] == 1
    assert manifest["config"]["noise"] == "default"
    assert manifest["counts"]["children_born"] > 0
    assert set(manifest["files"]) >= {"truth/children.parquet", "extracts/police_da_incidents.csv"}


def test_extracts_carry_no_truth_columns(small_world_factory) -> None:  # type: ignore[no-untyped-def]
    world = small_world_factory()
    for path in (world.out / "extracts").iterdir():
        if path.suffix == ".xlsx":
            continue
        raw = path.read_bytes()
        encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "cp1252"
        header = raw.decode(encoding, errors="replace").splitlines()[0].lower()
        columns = {c.strip('"\ufeff ') for c in re.split(r"[,;|\t]", header)}
        assert not columns & TRUTH_ONLY_COLUMNS, path.name
        assert len(columns) >= 8, path.name


def test_intervention_raises_true_probability_in_its_areas_from_its_cohort(
    small_world_factory,  # type: ignore[no-untyped-def]
) -> None:
    areas = [
        "E01021237",
        "E01021238",
        "E01021239",
        "E01021240",
        "E01021241",
        "E01021242",
        "E01021243",
        "E01021244",
    ]
    world = small_world_factory(
        interventions=(Intervention.model_validate({"areas": areas, "from": 2022, "effect": 0.06}),)
    )
    children = pq.read_table(world.out / "truth" / "children.parquet").to_pylist()
    treated = [c for c in children if c["lsoa_at_reception"] in areas and c["cohort"] >= 2022]
    untreated = [c for c in children if c["lsoa_at_reception"] not in areas or c["cohort"] < 2022]
    assert treated
    # The effect is capped where the probability is already near 1.
    assert all(0 <= c["intervention_effect"] <= 0.06 + 1e-9 for c in treated)
    assert sum(c["intervention_effect"] for c in treated) / len(treated) > 0.05
    assert all(c["intervention_effect"] == 0 for c in untreated)
    recorded = json.loads((world.out / "truth" / "interventions.json").read_text())
    assert recorded[0]["effect"] == 0.06 and recorded[0]["from"] == 2022


def test_unknown_area_is_refused_with_the_known_ones_listed(tmp_path: Path) -> None:
    with pytest.raises(GeographyError, match="Unknown area 'narnia'.*basildon"):
        generate(WorldConfig(area="narnia"), tmp_path / "w")
    assert not (tmp_path / "w").exists()


def test_intervention_outside_the_area_is_refused(tmp_path: Path) -> None:
    plan = parse_intervention("areas=E01000001;from=2022;effect=+0.05")  # City of London
    with pytest.raises(ConfigError, match="outside basildon"):
        generate(WorldConfig(interventions=[plan], scale=0.05), tmp_path / "w")


@pytest.mark.parametrize(
    "text",
    [
        "areas=E01021237;from=2022",
        "areas=X1;from=2022;effect=0.1",
        "from 2022",
        "areas=E01021237;from=2022;effect=0.9",
    ],
)
def test_malformed_intervention_is_refused_clearly(text: str) -> None:
    with pytest.raises(ConfigError, match="intervention"):
        parse_intervention(text)


def test_command_line_reports_bad_options_without_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["world", "--area", "narnia", "--out", str(tmp_path / "w")])
    assert result.exit_code == 2
    assert "Unknown area 'narnia'" in result.output
    assert "Traceback" not in result.output
    bad_date = CliRunner().invoke(
        app, ["world", "--as-at", "2019-01-01", "--out", str(tmp_path / "w")]
    )
    assert bad_date.exit_code == 2
    assert "as_at" in bad_date.output


def test_noise_levels_are_ordered_in_the_rate_of_name_errors(small_world_factory) -> None:  # type: ignore[no-untyped-def]
    def mismatched(noise: NoiseLevel) -> float:
        world = small_world_factory(noise=noise)
        surname = dict(
            zip(
                *pq.read_table(
                    world.out / "truth" / "people.parquet", columns=["person_id", "surname"]
                )
                .to_pydict()
                .values(),
                strict=True,
            )
        )
        records = pq.read_table(world.out / "truth" / "records.parquet").to_pylist()
        person = {r["row_number"]: r["person_id"] for r in records if r["source"] == "education"}
        rows = (
            pacsv.read_csv(
                world.out / "extracts" / "school_census.csv",
                read_options=pacsv.ReadOptions(encoding="cp1252"),
                convert_options=pacsv.ConvertOptions(column_types={"LegalSurname": pa.string()}),
            )
            .column("LegalSurname")
            .to_pylist()
        )
        wrong = [_fold(name or "") != _fold(surname[person[i + 1]]) for i, name in enumerate(rows)]
        return sum(wrong) / len(wrong)

    none, default, high = (mismatched(n) for n in NoiseLevel)
    assert none == 0
    assert 0 < default < high


def _fold(name: str) -> str:
    """Names as a Windows-1252 file can hold them: Polish, Romanian and Turkish letters folded."""
    name = name.replace("ł", "l").replace("Ł", "L")
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()


def test_a_world_without_national_ids_leaves_out_those_columns_and_carries_matching_specs(
    tmp_path: Path,
) -> None:
    from bakehouse.ingest.spec import load_specs

    config = WorldConfig(area="basildon", seed=5, scale=0.02)
    generate(config, tmp_path / "national")
    local = generate(config.model_copy(update={"national_ids": False}), tmp_path / "local")
    assert local.manifest["config"]["national_ids"] is False
    specs = load_specs(tmp_path / "local" / "specs")
    kinds = {"nhs_number", "upn", "nino"}
    for spec in specs.values():
        assert not [c for c in spec.columns.values() if c.identifier in kinds], spec.source
    for name in ("csc_referrals.csv", "school_census.csv", "benefits_claims.csv"):
        header = (tmp_path / "local" / "extracts" / name).read_bytes().splitlines()[0]
        assert not re.search(rb"NHS|UPN|NINO", header), name
    # Everything but those columns is as in the world with them: the same rows, the same truth.
    for name in ("records", "people"):
        national = pq.read_table(tmp_path / "national" / "truth" / f"{name}.parquet")
        assert pq.read_table(tmp_path / "local" / "truth" / f"{name}.parquet").equals(national)
    police = "extracts/police_da_incidents.csv"
    assert (
        local.manifest["files"][police]
        == json.loads((tmp_path / "national" / "world.json").read_text())["files"][police]
    )
