"""The names of audited actions and results."""

from __future__ import annotations

import enum


class AuditAction(enum.StrEnum):
    LOGIN_PASSWORD_OK = "auth.login.password_ok"  # noqa: S105
    LOGIN_SUCCEEDED = "auth.login.succeeded"
    LOGIN_FAILED = "auth.login.failed"
    LOGIN_LOCKED = "auth.login.locked"
    LOGOUT = "auth.logout"
    REAUTH_SUCCEEDED = "auth.reauth.succeeded"
    TOTP_ENROLLED = "auth.totp.enrolled"
    TOKEN_CREATED = "auth.token.created"  # noqa: S105 - an action name
    TOKEN_REVOKED = "auth.token.revoked"  # noqa: S105
    TOKEN_REJECTED = "auth.token.rejected"  # noqa: S105
    ORGANISATION_CREATED = "org.created"
    USER_CREATED = "user.created"
    AUDIT_LOG_READ = "audit.read"
    AUDIT_VERIFIED = "audit.verified"
    DATA_KEY_CREATED = "keys.data_key.created"
    DATA_KEY_SHREDDED = "keys.data_key.shredded"
    DATA_KEY_ROTATED = "keys.data_key.rotated"
    KEK_ROTATED = "keys.kek.rotated"
    KEK_ROTATION_RESUMED = "keys.kek.rotation_resumed"
    KEK_RETIRED = "keys.kek.retired"
    KEK_ENABLED = "keys.kek.enabled"
    PROFILE_READ = "user.profile.read"


class AuditResult(enum.StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"
