"""docker-compose.yml and the Dockerfile, read (there is no Docker engine to run them here)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_the_app_on_postgresql_15_or_newer_with_health_checks():
    services = _compose()["services"]
    assert set(services) == {"app", "db", "migrate"}
    image = services["db"]["image"]
    assert image.startswith("postgres:") and int(re.match(r"postgres:(\d+)", image).group(1)) >= 15
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["app"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(services["app"]["healthcheck"]["test"])


def test_compose_migrates_as_the_owner_before_the_app_serves_in_production_mode():
    services = _compose()["services"]
    migrate, app = services["migrate"], services["app"]
    assert migrate["command"] == ["helpline", "migrate"]
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert app["command"][:2] == ["helpline", "serve"] and "migrate" not in app["command"]
    # PostgreSQL takes several serving processes (SQLite would not: one writer).
    workers = re.fullmatch(r"\$\{HELPLINE_WORKERS:-(\d+)\}", app["environment"]["HELPLINE_WORKERS"])
    assert workers and int(workers.group(1)) >= 2
    for service in (migrate, app):
        env = service["environment"]
        assert env["HELPLINE_ENV"] == "production"
        assert env["HELPLINE_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert "@db:5432/helpline" in env["HELPLINE_DATABASE_URL"]
        for secret in ("HELPLINE_TWILIO_AUTH_TOKEN", "HELPLINE_PUBLIC_BASE_URL"):
            assert ":?" in env[secret], f"{secret} must be required, not defaulted"
        assert env["HELPLINE_KEYRING_PATH"].startswith("/keys/")
        assert any(v.startswith("keys:/keys") for v in service["volumes"])


def _url_user(url: str) -> str:
    return url.split("://", 1)[1].split(":", 1)[0]


def test_compose_app_signs_in_as_a_role_that_row_level_security_holds():
    """The image's POSTGRES_USER is a superuser and owns the tables: RLS does not hold it. The
    app must use the separate login role that the init script creates."""
    services = _compose()["services"]
    db_env = services["db"]["environment"]
    owner = db_env["POSTGRES_USER"]
    app_user = _url_user(services["app"]["environment"]["HELPLINE_DATABASE_URL"])
    assert _url_user(services["migrate"]["environment"]["HELPLINE_DATABASE_URL"]) == owner
    assert app_user != owner and app_user == db_env["HELPLINE_DB_APP_USER"]
    assert ":?" in db_env["HELPLINE_DB_APP_PASSWORD"]
    init = "./deploy/postgres/10-helpline-app-role.sh:/docker-entrypoint-initdb.d/"
    assert any(v.startswith(init) for v in services["db"]["volumes"])
    assert (ROOT / "deploy/postgres/10-helpline-app-role.sh").stat().st_mode & 0o111


def test_compose_publishes_the_app_on_loopback_only():
    ports = _compose()["services"]["app"]["ports"]
    assert all(p.startswith("127.0.0.1:") for p in ports)


def test_compose_takes_forwarded_addresses_from_the_network_gateway_only():
    # The sign-in throttle counts per client address (helpline.auth.throttle): behind Docker's
    # bridge every client would otherwise be one address; trusting every sender ("*") would let
    # a client name its own. Only the gateway, through which the host's proxy connects.
    compose = _compose()
    app = compose["services"]["app"]
    [network] = compose["networks"]["default"]["ipam"]["config"]
    assert app["environment"]["FORWARDED_ALLOW_IPS"] == network["gateway"] != "*"
    assert all(p.startswith("127.0.0.1:") for p in app["ports"])


def test_dockerfile_runs_unprivileged_and_copies_what_the_app_needs():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1[1-9]", text, re.M)
    assert re.search(r"^USER helpline$", text, re.M)
    for needed in ("alembic", "crypto", "helpline", "alembic.ini", "pyproject.toml"):
        assert needed in text
    assert "HEALTHCHECK" in text
    cmd = re.search(r"^CMD (.+)$", text, re.M)
    assert cmd and "helpline" in cmd.group(1) and "serve" in cmd.group(1)
    assert "migrate" not in cmd.group(1)  # migrations need the owner role, not the app's
