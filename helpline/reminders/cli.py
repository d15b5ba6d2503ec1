"""``helpline reminders``: the daily job that hands due and overdue reminders to a scheduler.

One JSON object per line, one line per (responsible officer, reminder): who should be told
(user id and e-mail address) and about what (case reference, pseudonym, kind, code, dates).
Never a name of a person in a case, never a municipality, never free text. Each organisation
is read under its own row-level-security binding, and one audit event per organisation records
that its reminders were exported.
"""

from __future__ import annotations

import json
from datetime import date

import click
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline import clock, rls
from helpline.audit import AuditContext, record
from helpline.keys import KeyService
from helpline.models.cases import Case
from helpline.models.org import Organisation
from helpline.models.users import User
from helpline.reminders import service


def _cli():  # late import: helpline.cli imports this module
    from helpline import cli

    return cli


async def _organisations(db: AsyncSession, name: str | None) -> list[Organisation]:
    statement = select(Organisation).order_by(Organisation.name)
    if name is not None:
        statement = statement.where(Organisation.name == name)
    return list((await db.execute(statement)).scalars().all())


async def _emails(db: AsyncSession, organisation_id: str) -> dict[str, str]:
    rows = await db.execute(
        select(User.id, User.email).where(User.organisation_id == organisation_id)
    )
    return {user_id: email for user_id, email in rows.all()}


async def reminder_lines(
    db: AsyncSession, *, today: date, organisation: str | None, horizon_days: int
) -> list[dict[str, object]]:
    organisations = await _organisations(db, organisation)
    if organisation is not None and not organisations:
        raise click.ClickException("no such organisation")
    lines: list[dict[str, object]] = []
    for org in organisations:
        await rls.bind_organisation(db, org.id)  # this organisation's rows only, from here
        found = await service.collect(
            db, Case.organisation_id == org.id, today=today, horizon_days=horizon_days
        )
        emails = await _emails(db, org.id)
        for user_id, reminders in (await service.by_reader(db, found)).items():
            for reminder in reminders:
                lines.append({
                    "date": today.isoformat(), "organisation_id": org.id,
                    "officer_id": user_id, "officer_email": emails.get(user_id),
                    **{k: v for k, v in reminder.as_json().items()
                       if k not in ("responsible_officer_id", "responsible_user_id")},
                })
        await record(
            db, context=AuditContext(actor=None), action="reminders.exported",
            organisation_id=org.id, purpose="daily reminders",
            details={"date": today.isoformat(), "count": len(found)},
        )
    return lines


@click.command("reminders")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to compute for (default: today in Sweden).")
@click.option("--organisation", default=None, help="Only this organisation (its exact name).")
@click.option("--days", default=service.DEFAULT_HORIZON, show_default=True,
              type=click.IntRange(0, service.MAX_HORIZON), help="How many days ahead.")
def reminders(on: object, organisation: str | None, days: int) -> None:
    """Print due and overdue reminders as JSON lines, per responsible officer."""
    cli = _cli()
    today = on.date() if on is not None else clock.today()  # type: ignore[attr-defined]

    async def work(db: AsyncSession, keys: KeyService) -> list[dict[str, object]]:
        return await reminder_lines(db, today=today, organisation=organisation,
                                    horizon_days=days)

    for line in cli._with_db(cli._settings(), work):
        click.echo(json.dumps(line, ensure_ascii=False, sort_keys=True))
