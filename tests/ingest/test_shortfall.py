"""A source that arrives missing, empty or far smaller than last time is refused unless the run
accepts it; an accepted one is recorded for the model's documents, and a later run lacking it
must say so again."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bakehouse.custody.audit import AuditLog
from bakehouse.errors import ConfigError, ExtractError, GeographyError
from bakehouse.features.catalogue import CATALOGUE
from bakehouse.ingest.shortfall import SourceShortfall, accepted_shortfalls
from bakehouse.modelling import documents
from bakehouse.modelling.documents import RunFacts


def _manifest(setup: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((setup.workspace / "manifest.json").read_text("utf-8"))
    return loaded


def _actions(setup: Any) -> list[dict[str, Any]]:
    return list(AuditLog(setup.workspace / "audit.jsonl").entries())


def _tables(setup: Any) -> set[str]:
    with setup.analysis() as con:
        return {row[0] for row in con.execute("SHOW TABLES").fetchall()}


def test_a_source_missing_since_the_last_run_is_refused_with_its_last_count(setup: Any) -> None:
    setup.write()
    setup.ingest()
    before = setup.snapshot()
    (setup.sources / "police_da_incidents.csv").unlink()
    with pytest.raises(SourceShortfall, match="'police' is missing \\(it had 3 rows in run"):
        setup.ingest()
    assert setup.snapshot() == before
    refused = _actions(setup)[-1]
    assert refused["action"] == "ingest.refused" and refused["details"]["field"] == "police"


def test_a_missing_source_accepted_goes_in_empty_and_the_manifest_and_audit_say_so(
    setup: Any,
) -> None:
    setup.write()
    first = setup.ingest()
    (setup.sources / "police_da_incidents.csv").unlink()
    result = setup.ingest(accept=("police",))
    assert not any(count.source == "police" for count in result.files)
    manifest = _manifest(setup)
    assert manifest["sources_missing"] == [
        {"source": "police", "rows": 0, "rows_last": 3, "last_run_id": first.run_id}
    ]
    assert manifest["sources_short"] == []
    with setup.analysis() as con:  # the model reads an empty table, not a missing one
        assert con.execute("SELECT count(*) FROM police").fetchone() == (0,)
    accepted = [e for e in _actions(setup) if e["action"] == "ingest.shortfall_accepted"]
    assert [(e["source"], e["counts"], e["details"]["kind"]) for e in accepted] == [
        ("police", {"rows": 0, "rows_last": 3}, "missing")
    ]


def test_a_later_run_still_lacking_an_accepted_source_must_accept_it_again(setup: Any) -> None:
    setup.write()
    setup.ingest()
    (setup.sources / "police_da_incidents.csv").unlink()
    setup.ingest(accept=("police",))
    setup.extracts.rows["csc"].append(dict(setup.extracts.rows["csc"][0], CHILD_ID="C000999"))
    setup.write(only=["csc"])
    with pytest.raises(SourceShortfall, match="'police' is missing \\(it had 3 rows"):
        setup.ingest()
    setup.ingest(accept=("police",))
    assert _manifest(setup)["baseline"]["police"]["rows"] == 3


def test_a_source_under_half_its_last_rows_is_refused_then_accepted_as_short(
    setup: Any,
) -> None:
    setup.write()
    first = setup.ingest()
    setup.extracts.rows["csc"] = setup.extracts.rows["csc"][:1]
    setup.write(only=["csc"])
    with pytest.raises(SourceShortfall, match="'csc' has 1 rows, down from 3 rows") as caught:
        setup.ingest()
    assert caught.value.file is not None and caught.value.file.endswith("csc_referrals.csv")
    setup.ingest(accept=("csc",))
    short = _manifest(setup)["sources_short"]
    assert [(s["source"], s["kind"], s["rows"], s["rows_last"]) for s in short] == [
        ("csc", "short", 1, 3)
    ]
    assert short[0]["last_run_id"] == first.run_id


def test_a_source_with_a_few_rows_fewer_goes_in_without_a_word(setup: Any) -> None:
    setup.write()
    setup.ingest()
    setup.extracts.rows["education"] = setup.extracts.rows["education"][:3]  # 3 of 5
    setup.write(only=["education"])
    setup.ingest()
    manifest = _manifest(setup)
    assert manifest["sources_short"] == [] and manifest["sources_missing"] == []
    assert manifest["baseline"]["education"]["rows"] == 3


def test_an_empty_source_accepted_is_recorded_short_with_no_rows(setup: Any) -> None:
    setup.write()
    path = setup.sources / "police_da_incidents.csv"
    path.write_bytes(path.read_bytes().split(b"\r\n")[0] + b"\r\n")
    result = setup.ingest(accept=("police",))
    police = next(count for count in result.files if count.source == "police")
    assert (police.rows_in, police.accepted, police.quarantined) == (0, 0, 0)
    assert [(s["source"], s["kind"], s["rows"]) for s in _manifest(setup)["sources_short"]] == [
        ("police", "empty", 0)
    ]
    assert "police" in _tables(setup)


def test_accepting_a_source_that_has_no_specification_is_refused(setup: Any) -> None:
    setup.write()
    with pytest.raises(ConfigError, match="No specification for source\\(s\\) polise") as caught:
        setup.ingest(accept=("polise",))
    assert caught.value.field == "--accept"


def test_a_folder_in_place_of_an_extract_is_one_clear_error(setup: Any) -> None:
    setup.write()
    path = setup.sources / "police_da_incidents.csv"
    path.unlink()
    path.mkdir()
    with pytest.raises(ExtractError, match="A folder where the 'police' extract should be") as e:
        setup.ingest()
    assert e.value.file is not None and e.value.file.endswith("police_da_incidents.csv")
    assert "\n" not in e.value.message


def _facts_lacking(
    shortfalls: list[dict[str, Any]], own: tuple[tuple[str, str], ...] = ()
) -> RunFacts:
    """Run facts holding only what the documents' account of missing sources reads: catalogue
    features, and ``own`` (name, source) ones as a recipe's features.yaml defines them."""
    catalogue = ("police_child_present", "da_incidents", "social_care_referrals", "boy")
    features = [
        {"name": name, "label": name, "scope": "child", "source": CATALOGUE[name].source or ""}
        for name in catalogue
    ] + [{"name": name, "label": name, "scope": "home", "source": source} for name, source in own]
    empty: Any = None
    return RunFacts(
        recipe=empty,
        recipe_sha256="",
        run_id="",
        code_version="",
        created="",
        as_at="",
        sources=[],
        features=features,
        counts={},
        split={},
        chosen="",
        reason="",
        rounds=None,
        test_metrics={},
        comparison={},
        calibration_curve=[],
        fairness={},
        importance=[],
        review_share=None,
        truth=None,
        shortfalls=shortfalls,
    )


def test_the_model_documents_name_each_source_the_model_lacked_and_the_features_it_feeds(
    setup: Any,
) -> None:
    setup.write()
    first = setup.ingest()
    (setup.sources / "police_da_incidents.csv").unlink()
    setup.ingest(accept=("police",))
    lacking = documents._lacking(_facts_lacking(accepted_shortfalls(_manifest(setup))))
    assert list(lacking) == ["police"]
    assert lacking["police"].startswith("missing from the extracts")
    assert first.run_id in lacking["police"]
    assert "police_child_present, da_incidents" in lacking["police"]
    assert "social_care_referrals" not in lacking["police"]
    assert "1 to 7 (withheld) rows" in lacking["police"]  # counts follow the release's rule


def test_a_missing_source_names_the_recipe_s_own_features_it_feeds() -> None:
    """The homelessness recipe's council tax features are its own, not the catalogue's."""
    shortfall = {"source": "council_tax", "kind": "missing", "rows": 0, "rows_last": None}
    own = (("single_person_discount_now", "council_tax"), ("couple_claim_now", "benefits"))
    lacking = documents._lacking(_facts_lacking([shortfall], own))
    assert lacking["council_tax"].endswith("read it as absent: single_person_discount_now")


def test_documents_of_a_model_with_every_source_lack_nothing() -> None:
    assert documents._lacking(_facts_lacking([])) == {}


def test_a_postcode_lookup_that_is_a_folder_or_unreadable_is_one_clear_error(
    setup: Any,
) -> None:
    setup.write()
    folder = setup.root / "lookup"
    folder.mkdir()
    with pytest.raises(GeographyError, match="The postcode lookup is a folder"):
        setup.ingest(postcodes=folder)
    broken = setup.root / "lookup.parquet"
    broken.write_bytes(b"not parquet")
    with pytest.raises(GeographyError, match="cannot be read as Parquet") as caught:
        setup.ingest(postcodes=broken)
    assert "\n" not in caught.value.message


def test_a_run_of_some_sources_keeps_expecting_the_others(setup: Any) -> None:
    setup.write()
    setup.ingest()
    setup.ingest(only=("csc",))
    (setup.sources / "police_da_incidents.csv").unlink()
    with pytest.raises(SourceShortfall, match="'police' is missing"):
        setup.ingest()
