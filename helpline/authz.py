"""Permissions and who holds them.

Every route declares exactly one ``Permission`` (or ``PUBLIC`` / ``AUTHENTICATED``); the route
table is walked by a test so none can be forgotten. Object-level access (which cases a user may
read) is built into the queries of each domain's repository on top of this.
"""

from __future__ import annotations

import enum

from helpline.models.users import Role


class Permission(enum.StrEnum):
    SHELL_VIEW = "shell:view"
    PROFILE_VIEW = "profile:view"
    CALLS_LOG = "calls:log"
    CASES_READ = "cases:read"
    CASES_WRITE = "cases:write"
    THREATS_REVIEW = "threats:review"
    HANDOVERS_SEND = "handovers:send"
    HANDOVERS_RECEIVE = "handovers:receive"
    RECEIVED_CASES_ASSIGN = "received_cases:assign"
    AUDIT_READ = "audit:read"
    USERS_MANAGE = "users:manage"
    ORGANISATIONS_MANAGE = "organisations:manage"
    KEYS_MANAGE = "keys:manage"
    ROSTER_MANAGE = "roster:manage"
    PROTECTION_SUPERVISE = "protection:supervise"


class Access(enum.StrEnum):
    """Route access that is not a permission: open to anyone, or to any signed-in user."""

    PUBLIC = "public"
    AUTHENTICATED = "authenticated"
    # No user at all: authentic only with a valid X-Twilio-Signature (helpline/calls/twilio.py).
    TWILIO_SIGNED = "twilio-signed"


_EVERY_USER = {Permission.SHELL_VIEW, Permission.PROFILE_VIEW}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.POLICE_CASE_OFFICER: frozenset(
        _EVERY_USER
        | {
            Permission.CALLS_LOG,
            Permission.CASES_READ,
            Permission.CASES_WRITE,
            Permission.HANDOVERS_SEND,
        }
    ),
    Role.SUPERVISOR: frozenset(
        _EVERY_USER
        | {
            Permission.CALLS_LOG,
            Permission.CASES_READ,
            Permission.CASES_WRITE,
            Permission.THREATS_REVIEW,
            Permission.HANDOVERS_SEND,
            Permission.ROSTER_MANAGE,
            Permission.PROTECTION_SUPERVISE,
        }
    ),
    Role.MUNICIPAL_CASE_WORKER: frozenset(
        _EVERY_USER | {Permission.CASES_READ, Permission.CASES_WRITE, Permission.HANDOVERS_RECEIVE}
    ),
    Role.MUNICIPAL_COORDINATOR: frozenset(
        _EVERY_USER
        | {
            Permission.CASES_READ,
            Permission.CASES_WRITE,
            Permission.HANDOVERS_RECEIVE,
            Permission.RECEIVED_CASES_ASSIGN,
        }
    ),
    # Auditors and administrators never see case content.
    Role.AUDITOR: frozenset(_EVERY_USER | {Permission.AUDIT_READ}),
    Role.SYSTEM_ADMIN: frozenset(
        _EVERY_USER
        | {Permission.USERS_MANAGE, Permission.ORGANISATIONS_MANAGE, Permission.KEYS_MANAGE}
    ),
}
