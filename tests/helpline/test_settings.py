"""Settings: read once from the environment; production fails loudly on missing secrets."""

from __future__ import annotations

import pytest

from helpline.settings import Settings, SettingsError


def test_defaults_are_the_embedded_sqlite_database_in_var(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_environ({"HELPLINE_ENV": "development"})
    assert settings.env == "development" and not settings.demo
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'var' / 'helpline.db'}"
    assert settings.keyring_path == tmp_path / "var" / "keyring.json"
    assert settings.public_base_url == "http://127.0.0.1:8000"
    assert settings.twilio_auth_token is None


def test_an_environment_that_names_nothing_is_production_and_refuses_to_start():
    """The safe default: a deployment that forgets HELPLINE_ENV is not a development machine
    (no keyring made next to the database, no http base URL, no demo data)."""
    with pytest.raises(SettingsError, match="production needs these settings"):
        Settings.from_environ({})


def test_secrets_do_not_show_in_repr():
    settings = Settings.from_environ(
        {"HELPLINE_ENV": "development", "HELPLINE_TWILIO_AUTH_TOKEN": "super-secret-token"}
    )
    assert "super-secret-token" not in repr(settings)
    assert str(settings.twilio_auth_token) == "super-secret-token"


@pytest.mark.parametrize("environ", [
    {"HELPLINE_ENV": "staging"},
    {"HELPLINE_PUBLIC_BASE_URL": "ftp://x"},
    {"HELPLINE_ENV": "production"},
    {"HELPLINE_ENV": "production", "HELPLINE_DATABASE_URL": "postgresql+asyncpg://h/db",
     "HELPLINE_KEYRING_PATH": "/nonexistent/keyring.json", "HELPLINE_TWILIO_AUTH_TOKEN": "t",
     "HELPLINE_PUBLIC_BASE_URL": "https://h.example"},
    {"HELPLINE_ENV": "production", "HELPLINE_DATABASE_URL": "postgresql+asyncpg://h/db",
     "HELPLINE_KEYRING_PATH": "/k", "HELPLINE_TWILIO_AUTH_TOKEN": "t",
     "HELPLINE_PUBLIC_BASE_URL": "http://h.example"},
])
def test_invalid_or_incomplete_settings_are_a_start_up_error(environ):
    with pytest.raises(SettingsError):
        Settings.from_environ(environ)


@pytest.mark.parametrize(("change", "message"), [
    ({"HELPLINE_PUBLIC_BASE_URL": "https://"}, "with a host"),
    ({"HELPLINE_PUBLIC_BASE_URL": "https:///twilio"}, "with a host"),
    ({"HELPLINE_TWILIO_AUTH_TOKEN": "   "}, "HELPLINE_TWILIO_AUTH_TOKEN"),
])
def test_production_refuses_a_base_url_without_host_or_a_blank_token(tmp_path, change, message):
    # Twilio signs the public URL with its host, with the token: neither can be left blank.
    keyring = tmp_path / "keyring.json"
    keyring.write_text("{}")
    with pytest.raises(SettingsError, match=message):
        Settings.from_environ({
            "HELPLINE_ENV": "production", "HELPLINE_DATABASE_URL": "postgresql+asyncpg://h/db",
            "HELPLINE_KEYRING_PATH": str(keyring), "HELPLINE_TWILIO_AUTH_TOKEN": "t",
            "HELPLINE_PUBLIC_BASE_URL": "https://h.example", **change,
        })


def test_production_with_everything_set_starts(tmp_path):
    keyring = tmp_path / "keyring.json"
    keyring.write_text("{}")
    settings = Settings.from_environ({
        "HELPLINE_ENV": "production", "HELPLINE_DATABASE_URL": "postgresql+asyncpg://h/db",
        "HELPLINE_KEYRING_PATH": str(keyring), "HELPLINE_TWILIO_AUTH_TOKEN": "t",
        "HELPLINE_PUBLIC_BASE_URL": "https://h.example/",
    })
    assert settings.is_production and settings.public_base_url == "https://h.example"
