"""The only reader of the environment.

Settings are read once, when the application or a CLI command starts; tests set the environment
(or pass a mapping) before creating the app. Secrets are typed as ``Secret`` so that a ``repr`` or
a log line never shows them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from starlette.config import Config
from starlette.datastructures import Secret

ENVIRONMENTS = ("development", "production")


class SettingsError(RuntimeError):
    """A setting is missing or invalid; raised at start-up, never silently defaulted."""


def _flag(config: Config, name: str) -> bool:
    """A yes/no setting. Starlette's bool cast raises a ValueError on anything else; that is a
    start-up error like any other bad setting, with a message that says what is accepted."""
    try:
        return bool(config(name, cast=bool, default=False))
    except ValueError:
        raise SettingsError(
            f"{name} must be true or false (or 1 or 0), not {config(name)!r}"
        ) from None


@dataclass(frozen=True)
class Settings:
    env: str
    data_dir: Path
    database_url: str
    public_base_url: str
    twilio_auth_token: Secret | None
    demo: bool
    keyring_path: Path
    session_idle: timedelta = field(default=timedelta(minutes=15))
    session_absolute: timedelta = field(default=timedelta(hours=8))
    reauth_window: timedelta = field(default=timedelta(minutes=5))
    max_body_bytes: int = 1_048_576

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        config = Config(environ=dict(os.environ if environ is None else environ))
        # Production unless told otherwise: a deployment that forgets HELPLINE_ENV must not start
        # with a keyring created next to its database, an http base URL and demo data allowed.
        env = config("HELPLINE_ENV", default="production")
        if env not in ENVIRONMENTS:
            raise SettingsError(f"HELPLINE_ENV must be one of {ENVIRONMENTS}, not {env!r}")
        data_dir = Path(config("HELPLINE_DATA_DIR", default="./var")).resolve()
        database_url = config("HELPLINE_DATABASE_URL", default="")
        token = config("HELPLINE_TWILIO_AUTH_TOKEN", cast=Secret, default=None)
        keyring = config("HELPLINE_KEYRING_PATH", default="")
        settings = cls(
            env=env,
            data_dir=data_dir,
            database_url=database_url or f"sqlite+aiosqlite:///{data_dir / 'helpline.db'}",
            public_base_url=config(
                "HELPLINE_PUBLIC_BASE_URL", default="http://127.0.0.1:8000"
            ).rstrip("/"),
            # Blank is unset: a token of spaces would sign-check every webhook against nothing.
            twilio_auth_token=token if token and str(token).strip() else None,
            demo=_flag(config, "HELPLINE_DEMO"),
            keyring_path=Path(keyring).resolve() if keyring else data_dir / "keyring.json",
        )
        settings.validate(database_url_given=bool(database_url), keyring_given=bool(keyring))
        return settings

    def validate(self, *, database_url_given: bool, keyring_given: bool) -> None:
        parts = urlsplit(self.public_base_url)
        scheme = parts.scheme
        # Twilio signs the URL it was given, host included: without a host no request verifies.
        if scheme not in ("http", "https") or not parts.hostname:
            raise SettingsError("HELPLINE_PUBLIC_BASE_URL must be an http(s) URL with a host")
        if not self.is_production:
            return
        missing = [
            name
            for name, present in (
                ("HELPLINE_DATABASE_URL", database_url_given),
                ("HELPLINE_KEYRING_PATH", keyring_given),
                ("HELPLINE_TWILIO_AUTH_TOKEN", self.twilio_auth_token is not None),
            )
            if not present
        ]
        if missing:
            raise SettingsError("production needs these settings: " + ", ".join(missing))
        if scheme != "https":
            raise SettingsError("in production HELPLINE_PUBLIC_BASE_URL must use https")
        if self.demo:
            raise SettingsError("HELPLINE_DEMO cannot be set in production")
        if not self.keyring_path.exists():
            raise SettingsError("the keyring at HELPLINE_KEYRING_PATH does not exist")
