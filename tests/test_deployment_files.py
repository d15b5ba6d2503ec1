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
    assert set(services) == {"app", "db"}
    image = services["db"]["image"]
    assert image.startswith("postgres:") and int(re.match(r"postgres:(\d+)", image).group(1)) >= 15
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["app"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(services["app"]["healthcheck"]["test"])


def test_compose_app_migrates_before_serving_in_production_mode():
    app = _compose()["services"]["app"]
    command = " ".join(app["command"])
    assert command.index("helpline migrate") < command.index("helpline serve")
    env = app["environment"]
    assert env["HELPLINE_ENV"] == "production"
    assert env["HELPLINE_DATABASE_URL"].startswith("postgresql+asyncpg://") and "@db:5432/" in env["HELPLINE_DATABASE_URL"]
    for secret in ("HELPLINE_TWILIO_AUTH_TOKEN", "HELPLINE_PUBLIC_BASE_URL"):
        assert ":?" in env[secret], f"{secret} must be required, not defaulted"
    assert env["HELPLINE_KEYRING_PATH"].startswith("/keys/")
    assert any(v.startswith("keys:/keys") for v in app["volumes"])


def test_compose_publishes_the_app_on_loopback_only():
    ports = _compose()["services"]["app"]["ports"]
    assert all(p.startswith("127.0.0.1:") for p in ports)


def test_dockerfile_runs_unprivileged_and_copies_what_the_app_needs():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1[1-9]", text, re.M)
    assert re.search(r"^USER helpline$", text, re.M)
    for needed in ("alembic", "crypto", "helpline", "alembic.ini", "pyproject.toml"):
        assert needed in text
    assert "helpline migrate" in text and "HEALTHCHECK" in text
