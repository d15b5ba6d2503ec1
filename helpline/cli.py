"""The ``helpline`` command: serve, migrate, demo, users, tokens, audit verification."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

import crypto
from helpline import migrations
from helpline.keys import KeyService
from helpline.settings import Settings, SettingsError

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings.from_environ()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _settings_unchecked() -> Settings:
    """Settings for `keys init`, which runs before the keyring that production requires exists."""
    import os

    environ = dict(os.environ)
    environ["HELPLINE_ENV"] = "development"
    try:
        return Settings.from_environ(environ)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _keyring_error(exc: crypto.CryptoError | OSError) -> click.ClickException:
    # crypto's messages carry no key material (its contract), only what is wrong and the fix.
    return click.ClickException(f"the keyring (HELPLINE_KEYRING_PATH) cannot be used: {exc}")


def _open_keyring(settings: Settings) -> crypto.LocalKeyring:
    """The keyring, or a clear message (not a traceback) when it is unsafe or unreadable: a
    file readable by group or others, a malformed one, one that cannot be opened."""
    from helpline.app import open_keyring

    try:
        return open_keyring(settings)
    except (crypto.CryptoError, OSError) as exc:
        raise _keyring_error(exc) from exc


def _with_db(settings: Settings, work: Callable[[AsyncSession, KeyService], Awaitable[T]]) -> T:
    """Run ``work(db, keys)`` in one transaction, committed only if it returns."""
    from helpline.db import create_engine, session_factory

    keys = KeyService(_open_keyring(settings))

    async def run() -> T:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as db, db.begin():
                return await work(db, keys)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except crypto.KeyringError as exc:  # the file changed under us (e.g. a chmod): rolled back
        raise _keyring_error(exc) from exc


@click.group()
def main() -> None:
    """Case and protection tracker for the defector helpline."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    envvar="HELPLINE_WORKERS",
    help="Processes serving requests (env HELPLINE_WORKERS). On PostgreSQL, about one per core; "
    "SQLite has one writer, so more than one gains little there.",
)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web application."""
    import uvicorn

    _open_keyring(_settings())  # fail fast, with a clear message, on bad settings or keyring
    uvicorn.run(
        "helpline.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        server_header=False,
        log_level="info",
    )


@main.command()
def migrate() -> None:
    """Apply the database migrations up to the newest."""
    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrations.upgrade(settings.database_url)
    click.echo(f"database at revision {', '.join(sorted(migrations.head_revisions()))}")


@main.command()
def demo() -> None:
    """Create the demo organisations and users (idempotent; development only)."""
    from helpline import demo as demo_data

    settings = _settings()
    if settings.is_production:
        raise click.ClickException("demo data is refused in production")
    created = _with_db(settings, lambda db, keys: demo_data.create_demo_data(db, keys=keys))
    click.echo(f"demo data ready ({len(created)} users created now)")
    click.echo(f"Demo accounts (password: {demo_data.DEMO_PASSWORD}):")
    for user in demo_data.USERS:
        click.echo(f"  {user.email:34} {user.role.value}")
    click.echo("Second factor: `.venv/bin/helpline demo-code EMAIL` prints the current code.")


@main.command("demo-code")
@click.argument("email")
def demo_code(email: str) -> None:
    """Print a demo user's current TOTP code (development only)."""
    from helpline import demo as demo_data

    settings = _settings()
    if settings.is_production:
        raise click.ClickException("refused in production")
    try:
        code = _with_db(
            settings, lambda db, keys: demo_data.current_code(db, keys=keys, email=email)
        )
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(code)


from helpline.cli_admin import audit, create_user, keys, token  # noqa: E402
from helpline.reminders.cli import reminders  # noqa: E402

for command in (create_user, token, audit, keys, reminders):
    main.add_command(command)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
