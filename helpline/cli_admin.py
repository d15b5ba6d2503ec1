"""Administrative commands: users, personal access tokens, audit verification, keys."""

from __future__ import annotations

import click
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

import crypto
from helpline import clock, rls
from helpline.accounts import service as accounts
from helpline.audit import AuditAction, AuditContext, record, verify
from helpline.auth import repository, tokens
from helpline.cases import shredding
from helpline.cases.shredding import ShredReason
from helpline.errors import RuleViolation
from helpline.keys import KeyService
from helpline.models.users import ApiToken, Role
from helpline.settings import Settings


def _cli():  # late import: helpline.cli imports this module
    from helpline import cli

    return cli


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--organisation", required=True, help="The organisation's exact name.")
@click.password_option(help="At least 12 characters; asked for when not given.")
def create_user(email: str, display_name: str, role: str, organisation: str, password: str) -> None:
    """Create a local user; the second factor is enrolled at first sign-in."""
    cli = _cli()

    async def work(db: AsyncSession, keys: KeyService) -> str:
        org = await accounts.organisation_by_name(db, organisation)
        if org is None:
            raise click.ClickException("no organisation with that name")
        # Row-level security (PostgreSQL): the new user's organisation, and user accounts of
        # every organisation, so that an e-mail address taken elsewhere is refused by name.
        await rls.bind_organisation(db, org.id)
        await rls.allow_identity_lookup(db)
        user = await accounts.create_user(
            db,
            context=AuditContext(actor=None),
            organisation=org,
            email=email,
            display_name=display_name,
            role=Role(role),
            password=password,
        )
        return user.id

    try:
        user_id = cli._with_db(cli._settings(), work)
    except (accounts.AccountError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {user_id} created")


@click.group()
def token() -> None:
    """Personal access tokens for the JSON API."""


@token.command("create")
@click.option("--user", "email", required=True)
@click.option("--expires-days", default=30, show_default=True, type=int)
@click.option("--name", default="cli", show_default=True)
def token_create(email: str, expires_days: int, name: str) -> None:
    """Create a token; it is printed once and stored only hashed."""
    cli = _cli()

    async def work(db: AsyncSession, keys: KeyService) -> tuple[str, str]:
        await rls.allow_identity_lookup(db)  # find the account in whichever organisation
        user = await repository.user_by_email(db, email)
        if user is None:
            raise click.ClickException("no such user")
        await rls.bind_organisation(db, user.organisation_id)  # the rest is that organisation's
        secret, row = await tokens.create_token(
            db, user=user, actor=None, name=name, expires_days=expires_days, now=clock.now()
        )
        return secret, row.id

    try:
        secret, token_id = cli._with_db(cli._settings(), work)
    except tokens.TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"token id: {token_id}")
    click.echo(f"token (shown once): {secret}")


@token.command("revoke")
@click.argument("token_id")
def token_revoke(token_id: str) -> None:
    """Revoke a token by its id."""
    cli = _cli()

    async def work(db: AsyncSession, keys: KeyService) -> bool:
        await rls.allow_identity_lookup(db)  # the token's user, in whichever organisation
        row = await db.get(ApiToken, token_id)
        if row is None:
            return False
        await rls.bind_organisation(db, row.user.organisation_id)
        return await tokens.revoke_token(db, token_id=token_id, actor=None, now=clock.now())

    if not cli._with_db(cli._settings(), work):
        raise click.ClickException("no active token with that id")
    click.echo("token revoked")


@click.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check the whole hash chain; names the first bad entry."""
    cli = _cli()

    def progress(seq: int) -> None:
        click.echo(f"  checked up to entry {seq}", err=True)

    async def work(db: AsyncSession, keys: KeyService):  # type: ignore[no-untyped-def]
        # The chain spans every organisation: under row-level security (PostgreSQL, as the
        # application role) this transaction must see all of it, or every entry looks missing.
        # Here and not in verify(): a request calling that must see its organisation's only.
        await rls.allow_whole_audit_log(db)
        result = await verify(db, progress=progress)
        await record(
            db,
            context=AuditContext(actor=None),
            action=AuditAction.AUDIT_VERIFIED,
            result="success" if result.ok else "failure",
            details={"checked": result.checked, "first_bad_seq": result.first_bad_seq},
        )
        return result

    result = cli._with_db(cli._settings(), work)
    if not result.ok:
        click.echo(
            f"audit chain BROKEN at entry {result.first_bad_seq}: {result.reason} "
            f"({result.checked} entries good before it)"
        )
        raise SystemExit(1)
    click.echo(f"audit chain intact: {result.checked} entries")


@click.group()
def keys() -> None:
    """The keyring (key-encryption keys) and data keys."""


@keys.command("init")
def keys_init() -> None:
    """Create the keyring at HELPLINE_KEYRING_PATH (once, before the first start)."""
    import crypto

    settings = _cli()._settings_unchecked()
    if settings.keyring_path.exists():
        raise click.ClickException(f"a keyring already exists at {settings.keyring_path}")
    settings.keyring_path.parent.mkdir(parents=True, exist_ok=True)
    keyring = crypto.LocalKeyring(settings.keyring_path, create=True)
    click.echo(f"keyring created at {settings.keyring_path} (KEK versions: {keyring.versions()})")


def _rewrap_and_record(
    settings: Settings, keyring: crypto.LocalKeyring, *, action: str
) -> int:
    """Re-wrap every data key under the active KEK, a batch per transaction (online: SQLite's
    writer and PostgreSQL's rows are held a batch at a time; resumable), then record it in a
    transaction of its own: the count and version, never key material. A crash before the
    event is followed by a rerun (`keys resume-rotation`), which records what it does."""
    import asyncio

    from helpline.db import create_engine, session_factory
    from helpline.keys import rotate_kek

    version = keyring.active_version()

    async def run() -> int:
        engine = create_engine(settings.database_url)
        try:
            sessions = session_factory(engine)
            count = await rotate_kek(
                sessions, keyring, progress=lambda n: click.echo(f"  {n} re-wrapped", err=True)
            )
            async with sessions() as db, db.begin():
                await record(
                    db, context=AuditContext(actor=None), action=action,
                    details={"kek_version": version, "rewrapped": count},
                )
            return count
        finally:
            await engine.dispose()

    return asyncio.run(run())


@keys.command("rotate")
def keys_rotate() -> None:
    """Add a new KEK version and re-wrap every data key under it (resumable)."""
    cli = _cli()
    settings = cli._settings()
    keyring = cli._open_keyring(settings)
    version = keyring.rotate()
    click.echo(f"new active KEK version {version}; re-wrapping data keys")
    count = _rewrap_and_record(settings, keyring, action=AuditAction.KEK_ROTATED)
    click.echo(f"{count} data keys re-wrapped under KEK version {version}")


@keys.command("resume-rotation")
def keys_resume() -> None:
    """Finish an interrupted rotation: re-wrap what is still under an older KEK version."""
    cli = _cli()
    settings = cli._settings()
    keyring = cli._open_keyring(settings)
    count = _rewrap_and_record(settings, keyring, action=AuditAction.KEK_ROTATION_RESUMED)
    click.echo(f"{count} data keys re-wrapped")


@keys.command("retire")
@click.argument("version", type=click.IntRange(min=1))
def keys_retire(version: int) -> None:
    """Stop unwrapping under an old KEK version; refused while a data key still needs it."""
    from helpline.keys import keys_under_kek

    cli = _cli()

    async def work(db: AsyncSession, keys: KeyService) -> int:
        keyring = keys.provider
        if not isinstance(keyring, crypto.LocalKeyring):  # a KMS retires its own versions
            raise click.ClickException("retire the version in the key service that holds it")
        versions = keyring.versions()
        if versions.get(version) not in ("enabled", "retired"):
            raise click.ClickException(
                f"KEK version {version} is {versions.get(version, 'unknown')}: only an enabled,"
                " inactive version can be retired"
            )
        if db.bind.dialect.name == "postgresql":
            # Waits for transactions that have inserted a data key but not committed (one
            # wrapped under this version just before a rotation), and holds new ones off until
            # this commits: the count below then sees every key.
            await db.execute(text("LOCK TABLE data_keys IN SHARE MODE"))
        still = await keys_under_kek(db, version)
        if still:
            # Retiring now would make those keys, and every field under them, unreadable: a
            # rotation was interrupted, or a request wrapped a key just before it started.
            raise click.ClickException(
                f"{still} data keys are still wrapped under KEK version {version}; run"
                " `helpline keys resume-rotation` first"
            )
        keyring.retire(version)  # while the table lock still holds new keys off
        return version

    async def audit(db: AsyncSession, keys: KeyService) -> None:
        await record(
            db, context=AuditContext(actor=None), action=AuditAction.KEK_RETIRED,
            details={"kek_version": version},
        )

    settings = cli._settings()
    # Two transactions: the table lock is taken with nothing else held, so it cannot deadlock
    # with a request that holds the audit chain's head and then stores a data key.
    cli._with_db(settings, work)
    cli._with_db(settings, audit)
    click.echo(f"KEK version {version} retired")


@keys.command("enable")
@click.argument("version", type=click.IntRange(min=1))
def keys_enable(version: int) -> None:
    """Undo `keys retire` (a retired version turned out to be still needed)."""
    cli = _cli()

    async def work(db: AsyncSession, keys: KeyService) -> None:
        keyring = keys.provider
        if not isinstance(keyring, crypto.LocalKeyring):
            raise click.ClickException("enable the version in the key service that holds it")
        await record(
            db, context=AuditContext(actor=None), action=AuditAction.KEK_ENABLED,
            details={"kek_version": version},
        )
        try:
            keyring.enable(version)  # last: if it fails, the audit event is rolled back
        except (crypto.CryptoError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc

    cli._with_db(cli._settings(), work)
    click.echo(f"KEK version {version} enabled")


@keys.command("rotate-case")
@click.argument("reference")
@click.option("--organisation", required=True, help="The case's organisation, its exact name.")
def keys_rotate_case(reference: str, organisation: str) -> None:
    """Give a case a new data key and re-encrypt its fields under it (one transaction)."""
    from helpline.cases.key_rotation import rotate_case_key

    cli = _cli()

    async def work(db: AsyncSession, keys: KeyService) -> tuple[int, int, int]:
        org = await accounts.organisation_by_name(db, organisation)
        case = org and await shredding.case_by_reference(db, org.id, reference)
        if case is None or case.shredded_at is not None:
            raise click.ClickException("no case with that reference in that organisation")
        done = await rotate_case_key(db, keys, case, context=AuditContext(actor=None))
        return done.key_id, done.fields, done.kept

    try:
        key_id, fields, kept = cli._with_db(cli._settings(), work)
    except RuleViolation as exc:  # shredded while we waited for its lock
        raise click.ClickException("the case has been shredded: it has no key to rotate") from exc
    click.echo(
        f"case {reference}: data key {key_id}, {fields} fields re-encrypted; {kept} kept under"
        " their key (approved threat assessments, immutable)"
    )


@keys.command("shred-case")
@click.argument("reference")
@click.option("--organisation", required=True, help="The case's organisation, its exact name.")
@click.option(
    "--reason", required=True, type=click.Choice([r.value for r in ShredReason]),
    help="RETENTION: the retention period ran out; ERASURE_DECISION: a decision to erase.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def keys_shred_case(reference: str, organisation: str, reason: str, yes: bool) -> None:
    """Crypto-shred a finished case: destroy its data keys and those of its calls, and their
    blind-index entries. Irreversible; the case can never be read again."""
    cli = _cli()
    if not yes:
        click.confirm(f"Destroy every key of case {reference} for good?", abort=True)

    async def work(db: AsyncSession, keys: KeyService) -> shredding.Shredded:
        org = await accounts.organisation_by_name(db, organisation)
        case = org and await shredding.case_by_reference(db, org.id, reference)
        if case is None:
            raise click.ClickException("no case with that reference in that organisation")
        return await shredding.shred_case(
            db, keys, case, reason=ShredReason(reason), context=AuditContext(actor=None),
            now=clock.now(),
        )

    try:
        done = cli._with_db(cli._settings(), work)
    except RuleViolation as exc:
        raise click.ClickException(
            "the case is still being worked: only a closed, referred or not eligible case can"
            " be shredded"
        ) from exc
    if done.already:
        click.echo(f"case {reference} was already shredded")
    else:
        click.echo(
            f"case {reference} shredded: {done.data_keys} data keys destroyed, {done.calls}"
            " linked calls emptied"
        )
