"""The custodian key, the audit chain, and keyed hashing."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bakehouse.custody import AuditEvent, AuditLog, CustodianKey, init_key, load_key
from bakehouse.custody import identifiers as standard
from bakehouse.errors import AuditChainBroken, CustodyError

REPOSITORY = Path(__file__).resolve().parents[2]


# --- key -------------------------------------------------------------------------------------


def test_custodian_init_writes_a_256_bit_key_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = init_key(tmp_path / "keys" / "custodian.key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(bytes.fromhex(path.read_text(encoding="ascii").strip())) == 32
    assert load_key(path).key_id == load_key(path).key_id


def test_custodian_init_refuses_to_overwrite_a_key(tmp_path: Path) -> None:
    path = init_key(tmp_path / "custodian.key")
    with pytest.raises(CustodyError, match="already exists"):
        init_key(path)


def test_a_key_inside_the_git_work_tree_is_refused(tmp_path: Path) -> None:
    inside = REPOSITORY / "data" / "test-custodian.key"
    with pytest.raises(CustodyError, match="inside a git work tree"):
        init_key(inside)
    assert not inside.exists()


def test_a_key_inside_the_workspace_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CustodyError, match="inside the workspace"):
        init_key(tmp_path / "ws" / "custodian.key", guarded=[tmp_path / "ws"])


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = init_key(tmp_path / "custodian.key")
    path.chmod(0o644)
    with pytest.raises(CustodyError, match="chmod 600"):
        load_key(path)


def test_a_missing_key_is_an_error_never_a_default(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.delenv("BAKEHOUSE_CUSTODIAN_KEY", raising=False)
    monkeypatch.setenv("BAKEHOUSE_CUSTODIAN_KEY_FILE", str(tmp_path / "nowhere.key"))
    with pytest.raises(CustodyError, match="bakehouse custodian init"):
        load_key()


def test_the_key_can_come_from_the_environment(monkeypatch: Any) -> None:
    monkeypatch.setenv("BAKEHOUSE_CUSTODIAN_KEY", "ab" * 32)
    key = load_key()
    assert key.secret == bytes([0xAB]) * 32
    assert "ab" * 32 not in repr(key)
    monkeypatch.setenv("BAKEHOUSE_CUSTODIAN_KEY", "not hex")
    with pytest.raises(CustodyError, match="hexadecimal"):
        load_key()


# --- keys per purpose ------------------------------------------------------------------------


def test_tokens_differ_between_purposes_and_register_match_keys_do_not() -> None:
    key = CustodianKey(b"k" * 32, "test")
    made: dict[str, tuple[Any, ...]] = {}
    for purpose in ("school-readiness", "early-help-planning"):
        connection = duckdb.connect()
        standard.install(connection, key.for_purpose(purpose))
        row = connection.execute(
            "SELECT bh_token(['record', 'csc', 'f.csv', '1']), "
            "bh_match_keys('AMELIA', 'OCONNOR', DATE '2019-04-12', '9434765919', NULL, NULL)"
        ).fetchone()
        assert row is not None
        made[purpose] = row
    readiness, early_help = made["school-readiness"], made["early-help-planning"]
    assert readiness[0] != early_help[0]
    assert readiness[1] == early_help[1] and len(readiness[1]) == 2


def test_a_purpose_sub_key_is_hkdf_of_the_custodian_key_with_the_purpose_in_info() -> None:
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = CustodianKey(b"k" * 32, "test")
    expected = HKDF(
        algorithm=SHA256(),
        length=32,
        salt=None,
        info=b"bakehouse derived key: purpose school-readiness",
    ).derive(b"k" * 32)
    assert key.for_purpose("school-readiness").token_key.secret == expected
    assert key.for_purpose("school-readiness").key_id == key.key_id


def test_workspaces_of_different_purposes_share_no_token(setup: Any, tmp_path: Path) -> None:
    import yaml

    from bakehouse.ingest.agreement import shipped_agreements_dir

    agreements = tmp_path / "agreements"
    agreements.mkdir()
    for path in sorted(shipped_agreements_dir().glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        document["purposes"].append({**document["purposes"][0], "id": "early-help-planning"})
        (agreements / path.name).write_text(yaml.safe_dump(document), encoding="utf-8")
    setup.write()
    tokens: dict[str, set[str]] = {}
    for purpose in ("school-readiness", "early-help-planning"):
        workspace = tmp_path / purpose
        setup.ingest(workspace=workspace, purpose=purpose, agreements=agreements)
        manifest = json.loads((workspace / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["key_id"] == load_key(setup.key_file).key_id
        with duckdb.connect(str(workspace / "custodian.duckdb"), read_only=True) as zone:
            tokens[purpose] = {
                row[0] for row in zone.execute("SELECT token FROM records").fetchall()
            }
    assert len(tokens["school-readiness"]) == len(tokens["early-help-planning"]) > 0
    assert not tokens["school-readiness"] & tokens["early-help-planning"]


# --- keyed hashing and standardisation -------------------------------------------------------


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    standard.install(connection, CustodianKey(b"k" * 32, "test"))
    return connection


def test_tokens_are_hmac_sha256_under_the_custodian_key(con: duckdb.DuckDBPyConnection) -> None:
    for message in ("", "record\x1fcsc\x1ffile.csv\x1f1", "Zoë"):
        row = con.execute("SELECT bh_hmac($m)", {"m": message}).fetchone()
        expected = hmac.new(b"k" * 32, message.encode(), hashlib.sha256).hexdigest()
        assert row == (expected,)


def test_hmac_matches_rfc_4231_test_case_2() -> None:
    # RFC 4231 test case 2 uses a 4-byte key; the macros take any key through its pads.
    connection = duckdb.connect()
    standard.install(connection, CustodianKey(b"Jefe", "rfc"))
    row = connection.execute("SELECT bh_hmac('what do ya want for nothing?')").fetchone()
    assert row == ("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",)


@pytest.mark.parametrize(
    ("macro", "given", "expected"),
    [
        ("bh_name", "  Zoë  O'Brien-Smith ", "ZOE OBRIEN SMITH"),
        ("bh_postcode", "ss141aa", "SS14 1AA"),
        ("bh_postcode", "SS14 1A", None),
        ("bh_nhs", "943 476 5919", "9434765919"),
        ("bh_nhs", "9434765918", None),
        ("bh_nhs", "1111111111", None),
        ("bh_upn", "A820200101001", None),
        ("bh_nino", "qq 12 34 56 c", "QQ123456C"),
        ("bh_postcode_in", "12 High St, Basildon SS14 1AA", "SS14 1AA"),
        ("bh_address_without_postcode", "12 High St, Basildon SS14 1AA", "12 HIGH ST BASILDON"),
        ("bh_full_surname_first_surname", "SMITH, Jane Ann", "SMITH"),
        ("bh_full_surname_first_forename", "SMITH, Jane Ann", "JANE ANN"),
    ],
)
def test_identifiers_are_standardised_for_linkage(
    con: duckdb.DuckDBPyConnection, macro: str, given: str, expected: str | None
) -> None:
    assert con.execute(f"SELECT {macro}($v)", {"v": given}).fetchone() == (expected,)


def test_a_valid_upn_keeps_its_check_letter(con: duckdb.DuckDBPyConnection) -> None:
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    body = "881202310001"
    upn = letters[sum(int(d) * w for d, w in zip(body, range(2, 14), strict=True)) % 23] + body
    assert con.execute("SELECT bh_upn($v)", {"v": upn.lower()}).fetchone() == (upn,)


# --- audit chain -----------------------------------------------------------------------------


def _log(tmp_path: Path, entries: int = 4) -> AuditLog:
    log = AuditLog(tmp_path / "audit.jsonl")
    for number in range(entries):
        log.append(AuditEvent(action="ingest.source", source="csc", counts={"rows_in": number}))
    return log


def test_an_intact_audit_chain_verifies(tmp_path: Path) -> None:
    result = _log(tmp_path).verify()
    assert result.entries == 4 and len(result.head) == 64


def test_tampering_with_one_audit_entry_is_detected_at_that_entry(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = log.path.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[2])
    entry["counts"]["rows_in"] = 999
    lines[2] = json.dumps(entry, sort_keys=True)
    log.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(AuditChainBroken) as caught:
        log.verify()
    assert caught.value.row == 3 and "altered" in caught.value.message


def test_a_deleted_or_reordered_audit_entry_is_detected(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = log.path.read_text(encoding="utf-8").splitlines()
    log.path.write_text("\n".join(lines[:1] + lines[2:]) + "\n", encoding="utf-8")
    with pytest.raises(AuditChainBroken) as caught:
        log.verify()
    assert caught.value.row == 2
    log.path.write_text("\n".join([lines[1], lines[0], *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(AuditChainBroken) as caught:
        log.verify()
    assert caught.value.row == 1


def test_rehashing_a_tampered_entry_still_breaks_the_next_link(tmp_path: Path) -> None:
    from bakehouse.custody.audit import _entry_hash

    log = _log(tmp_path)
    lines = log.path.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[1])
    entry["actor"] = "someone else"
    entry["hash"] = _entry_hash(entry)
    lines[1] = json.dumps(entry)
    log.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(AuditChainBroken) as caught:
        log.verify()
    assert caught.value.row == 3


def test_nothing_is_chained_to_an_unreadable_last_entry(tmp_path: Path) -> None:
    log = _log(tmp_path, 2)
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write('{"seq": 3, "hash": \n')
    with pytest.raises(AuditChainBroken, match="cannot be read"):
        log.append(AuditEvent(action="ingest.run"))


def test_every_run_and_refusal_is_audited_with_counts_and_no_identifiers(
    setup: Any, cast: Any
) -> None:
    setup.write()
    setup.ingest()
    with pytest.raises(Exception, match="does not list the purpose"):
        setup.ingest(purpose="mental-health")
    log = AuditLog(setup.workspace / "audit.jsonl")
    entries = list(log.entries())
    actions = [entry["action"] for entry in entries]
    assert actions.count("ingest.source") == 7
    assert actions[-2:] == ["ingest.run", "ingest.refused"]
    police = next(e for e in entries if e.get("source") == "police")
    assert police["agreement"] == "DSA-EP-DA-2026" and police["counts"]["rows_in"] == 3
    assert all(entry["actor"] for entry in entries)
    text = log.path.read_text(encoding="utf-8")
    for person in cast.everyone:
        assert person.surname not in text and person.postcode not in text
    assert log.verify().entries == len(entries)
