"""The settings helpers return typed values or refuse, naming the variable and the value."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from web.settings.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_secret,
    env_str,
)

NAME = "BAKEHOUSE_TEST_SETTING"


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NAME, raising=False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("TRUE", True), ("yes", True), ("on", True), ("0", False), ("off", False)],
)
def test_bool_reads_the_usual_spellings(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME) is expected


def test_bool_refuses_other_words_naming_variable_and_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(NAME, "maybe")
    with pytest.raises(ImproperlyConfigured, match=rf"{NAME}.*'maybe'"):
        env_bool(NAME, False)


def test_unset_variable_without_default_is_an_error() -> None:
    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_str(NAME)


def test_unset_variable_with_default_gives_the_default() -> None:
    assert env_str(NAME, "fallback") == "fallback"
    assert env_int(NAME, 7) == 7
    assert env_list(NAME, ["a"]) == ["a"]
    assert env_bool(NAME, True) is True


def test_blank_string_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "   ")
    with pytest.raises(ImproperlyConfigured, match=f"{NAME} is set but blank"):
        env_str(NAME, "fallback")


def test_int_refuses_words_and_values_out_of_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "thirty")
    with pytest.raises(ImproperlyConfigured, match=rf"{NAME} must be a whole number; got 'thirty'"):
        env_int(NAME, 30)
    monkeypatch.setenv(NAME, "0")
    with pytest.raises(ImproperlyConfigured, match=rf"{NAME} must be at least 1; got 0"):
        env_int(NAME, 30, minimum=1)
    monkeypatch.setenv(NAME, " 45 ")
    assert env_int(NAME, 30, minimum=1) == 45


def test_list_splits_and_refuses_blank_items(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "example.org, www.example.org")
    assert env_list(NAME) == ["example.org", "www.example.org"]
    monkeypatch.setenv(NAME, "example.org,,www.example.org")
    with pytest.raises(ImproperlyConfigured, match=rf"{NAME}.*'example.org,,www.example.org'"):
        env_list(NAME)


def test_secret_has_no_default_and_never_echoes_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_secret(NAME)
    monkeypatch.setenv(NAME, "short-but-secret")
    with pytest.raises(ImproperlyConfigured, match=r"too short \(16 characters\)") as refused:
        env_secret(NAME)
    assert "short-but-secret" not in str(refused.value)


def test_secret_refuses_a_development_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "django-insecure-" + "x" * 60)
    with pytest.raises(ImproperlyConfigured, match="development key"):
        env_secret(NAME)


def test_database_defaults_to_the_sqlite_file_and_creates_its_folder(tmp_path: Path) -> None:
    database = env_database(NAME, sqlite_file=tmp_path / "web" / "db.sqlite3")
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "web" / "db.sqlite3")
    assert (tmp_path / "web").is_dir()


def test_database_reads_a_postgres_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "postgres://web:pw@db.internal:5432/bakehouse")
    database = env_database(NAME, sqlite_file=None)
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"]) == ("db.internal", "bakehouse")


def test_database_url_naming_a_socket_folder_connects_through_it_with_tls_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The production guide's two forms: peer authentication over the local socket, and a
    # server elsewhere over TLS.
    monkeypatch.setenv(NAME, "postgres://bakehouse@%2Fvar%2Frun%2Fpostgresql/bakehouse")
    local = env_database(NAME, sqlite_file=None)
    assert (local["HOST"], local["USER"], local["PASSWORD"]) == (
        "/var/run/postgresql",
        "bakehouse",
        "",
    )
    monkeypatch.setenv(NAME, "postgres://web:pw@db.internal:5432/bakehouse?sslmode=verify-full")
    remote = env_database(NAME, sqlite_file=None)
    assert remote["OPTIONS"] == {"sslmode": "verify-full"}


def test_database_refuses_an_unknown_scheme_without_printing_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(NAME, "oracle+odd://web:hunter2@db.internal/bakehouse")
    with pytest.raises(ImproperlyConfigured, match=NAME) as refused:
        env_database(NAME, sqlite_file=None)
    assert "hunter2" not in str(refused.value)
    assert "web:***@db.internal" in str(refused.value)
