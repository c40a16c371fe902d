"""A partnership's own recipe, in a folder outside the package, from `bakehouse recipes check`
to a checked release with `bakehouse run --recipe FOLDER`: the journey docs/guides/new-recipe.md
describes, with a copy of the domestic abuse recipe under a new purpose id, a feature of its own
and the partnership's own copy of the agreements listing that purpose."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.custody import init_key
from bakehouse.geography import load_area
from bakehouse.ingest.agreement import shipped_agreements_dir
from bakehouse.recipes.loader import BUILTIN_DIR
from bakehouse.release.signing import generate_key
from bakehouse.world.generate import WorldSummary

RECIPE_ID = "test-escalation"
OWN_FEATURE = "earlier_referrals_by_police"
# Written as a partnership analyst would: one aggregate over the household's MARAC as-of view.
OWN_FEATURE_YAML = f"""\
  {OWN_FEATURE}:
    label: Earlier referrals of the household to the MARAC made by the police
    source: marac
    scope: home
    sql: count(DISTINCT referral_key) FILTER (WHERE referring_agency = 'Police')
    fill: 0
    kind: count
    phrase: more households the police referred to the MARAC before
    direction: 1
"""
PURPOSE_YAML = f"""\
purposes:
  - id: {RECIPE_ID}
    description: Estimate where domestic abuse is likely to escalate to high risk, by small area
    necessity: The partnership's own escalation recipe reads this source as the domestic abuse
      recipe does
"""

runner = CliRunner()


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def write_recipe_folder(folder: Path, extra_feature: str = OWN_FEATURE_YAML) -> Path:
    """A copy of the domestic abuse recipe under a new id, quicker to validate (fewer bootstrap
    resamples and refits, one thread), with ``extra_feature`` added to features.yaml and to the
    recipe's list."""
    shipped = BUILTIN_DIR / "domestic-abuse"
    name = extra_feature.split(":", 1)[0].strip()
    recipe = (shipped / "recipe.yaml").read_text(encoding="utf-8")
    recipe = _replace(recipe, "id: domestic-abuse ", f"id: {RECIPE_ID} ")
    recipe = _replace(recipe, "title: Domestic abuse escalation", "title: Escalation (test)")
    recipe = _replace(recipe, "  bootstrap: 500", "  bootstrap: 100")
    recipe = _replace(recipe, "  uncertainty_refits: 20", "  uncertainty_refits: 4")
    # One thread: LightGBM's threads wait for each other badly on a busy machine.
    recipe = _replace(recipe, "  threads: 2", "  threads: 1")
    recipe = _replace(
        recipe, "  - earlier_marac_referrals\n", f"  - earlier_marac_referrals\n  - {name}\n"
    )
    features = (shipped / "features.yaml").read_text(encoding="utf-8") + extra_feature
    folder.mkdir(parents=True)
    (folder / "recipe.yaml").write_text(recipe, encoding="utf-8")
    (folder / "features.yaml").write_text(features, encoding="utf-8")
    return folder


def write_agreements(folder: Path) -> Path:
    """The partnership's copy of the agreements, each listing the new recipe's purpose."""
    folder.mkdir(parents=True)
    for path in sorted(shipped_agreements_dir().glob("*.yaml")):
        text = _replace(path.read_text(encoding="utf-8"), "\npurposes:\n", "\n" + PURPOSE_YAML)
        (folder / path.name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def journey(
    tmp_path_factory: pytest.TempPathFactory,
    small_world_factory: Callable[..., WorldSummary],
) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("partnership")
    world = small_world_factory().out
    paths = {
        "root": root,
        "world": world,
        "recipe": write_recipe_folder(root / "recipes" / "escalation"),
        "agreements": write_agreements(root / "agreements"),
        "key": init_key(root / "keys" / "custodian.key"),
        "signing": generate_key(root / "keys" / "signing.key").origin,
        "workspace": root / "ws",
        "out": root / "releases",
        "written": root / "release-path.txt",
    }
    return paths


@pytest.fixture(scope="module")
def release(journey: dict[str, Path]) -> Path:
    arguments = [
        "run",
        "--recipe", str(journey["recipe"]),
        "--sources", str(journey["world"]),
        "--workspace", str(journey["workspace"]),
        "--out", str(journey["out"]),
        "--key-file", str(journey["key"]),
        "--agreements", str(journey["agreements"]),
        "--signing-key", str(journey["signing"]),
        "--write-path", str(journey["written"]),
    ]  # fmt: skip
    outcome = runner.invoke(app, arguments)
    assert outcome.exit_code == 0, outcome.output
    return Path(journey["written"].read_text(encoding="utf-8").strip())


def test_the_check_accepts_the_folder_and_counts_its_own_features(
    journey: dict[str, Path],
) -> None:
    outcome = runner.invoke(app, ["recipes", "check", str(journey["recipe"])])
    assert outcome.exit_code == 0, outcome.output
    said = " ".join(outcome.output.split())
    copied = yaml.safe_load((journey["recipe"] / "recipe.yaml").read_text(encoding="utf-8"))
    assert f"{RECIPE_ID} version {copied['version']} is valid" in said
    assert "(event rule, event outcome)" in said
    assert "11 features (10 its own)" in said


def test_the_shipped_agreements_refuse_the_new_purpose_before_reading_any_data(
    journey: dict[str, Path], tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    arguments = [
        "run",
        "--recipe", str(journey["recipe"]),
        "--sources", str(journey["world"]),
        "--workspace", str(workspace),
        "--out", str(tmp_path / "releases"),
        "--key-file", str(journey["key"]),
        "--signing-key", str(journey["signing"]),
    ]  # fmt: skip
    outcome = runner.invoke(app, arguments)
    assert outcome.exit_code == 2
    assert f"does not list the purpose '{RECIPE_ID}'" in " ".join(outcome.output.split())
    assert not (workspace / "analysis.duckdb").exists()
    assert not (tmp_path / "releases").exists()


def test_the_run_writes_a_release_that_passed_the_output_checker(release: Path) -> None:
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert release.name.startswith(f"{RECIPE_ID}-")
    assert manifest["checker"]["passed"] is True
    assert manifest["checks"] and all(check["passed"] for check in manifest["checks"])
    assert (release / "manifest.sig").is_file()


def test_the_release_carries_the_folders_id_title_unit_and_words(
    release: Path, journey: dict[str, Path]
) -> None:
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    written = yaml.safe_load((journey["recipe"] / "recipe.yaml").read_text(encoding="utf-8"))
    recipe = manifest["recipe"]
    assert recipe["id"] == RECIPE_ID
    assert recipe["title"] == "Escalation (test)"
    assert recipe["unit"] == "household"
    assert recipe["words"] == written["words"]


def test_the_model_used_the_folders_own_feature(release: Path, journey: dict[str, Path]) -> None:
    card = json.loads((release / "model_card.json").read_text(encoding="utf-8"))
    run_id = card["model_details"]["run_id"]
    latest = journey["workspace"] / "models" / RECIPE_ID / "latest.json"
    assert json.loads(latest.read_text(encoding="utf-8"))["run_id"] == run_id
    run = journey["workspace"] / "models" / RECIPE_ID / run_id[:16]
    recorded = json.loads((run / "features.json").read_text(encoding="utf-8"))
    own = next(item for item in recorded["features"] if item["name"] == OWN_FEATURE)
    assert own["sql"] == "count(DISTINCT referral_key) FILTER (WHERE referring_agency = 'Police')"
    assert own["scope"] == "home" and own["source"] == "marac"
    assert OWN_FEATURE in recorded["queries"]["asof_marac_home"]
    assert f"| {OWN_FEATURE} |" in (release / "model_card.md").read_text(encoding="utf-8")


def test_the_release_has_one_consistent_row_per_area_of_basildon(release: Path) -> None:
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    rounding = manifest["disclosure"]["rounding"]
    areas = pq.read_table(release / "areas.parquet").to_pylist()
    codes = [row["lsoa11cd"] for row in areas]
    assert sorted(codes) == sorted(load_area("basildon").lsoa_codes)
    for row in areas:
        for column in ("observed_population", "observed_events"):
            assert row[column] is None or row[column] % rounding == 0, (row["lsoa11cd"], column)
        if row["observed_population"] is not None and row["observed_events"] is not None:
            assert row["observed_events"] <= row["observed_population"]
        if row["expected_events"] is not None:
            assert row["expected_low"] <= row["expected_events"] <= row["expected_high"]


def test_the_check_refuses_a_feature_reading_another_table_and_names_it(tmp_path: Path) -> None:
    reaching = """\
  all_police_incidents:
    label: Every incident in the police table, whenever and wherever
    source: police
    scope: home
    sql: count(*) + (SELECT count(*) FROM az.police)
    fill: 0
    kind: count
    phrase: more incidents anywhere
    direction: 1
"""
    folder = write_recipe_folder(tmp_path / "reaching", extra_feature=reaching)
    outcome = runner.invoke(app, ["recipes", "check", str(folder)])
    said = " ".join(outcome.output.split())
    assert outcome.exit_code == 2
    assert "refused by the leakage guard" in said
    assert "Feature 'all_police_incidents'" in said
    assert "features.yaml" in outcome.output.replace("\n", "")


def test_the_run_reads_the_partnerships_own_specifications_folder(
    journey: dict[str, Path], tmp_path: Path
) -> None:
    specs = tmp_path / "sources"
    specs.mkdir()
    arguments = [
        "run",
        "--recipe", str(journey["recipe"]),
        "--sources", str(journey["world"]),
        "--workspace", str(tmp_path / "ws"),
        "--out", str(tmp_path / "releases"),
        "--key-file", str(journey["key"]),
        "--agreements", str(journey["agreements"]),
        "--specs", str(specs),
        "--signing-key", str(journey["signing"]),
    ]  # fmt: skip
    outcome = runner.invoke(app, arguments)
    said = " ".join(outcome.output.split())
    assert outcome.exit_code == 2
    assert "No specification for source(s) police, marac, benefits, csc, housing" in said
    assert not (tmp_path / "ws" / "analysis.duckdb").exists()
