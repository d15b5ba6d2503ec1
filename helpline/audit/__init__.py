"""Audit log: ``record`` in the same transaction as the change or read it records; ``verify``."""

from helpline.audit.actions import AuditAction, AuditResult
from helpline.audit.service import (
    AuditContext,
    AuditEntry,
    RecordedEvent,
    record,
    record_all,
    verify,
)

__all__ = [
    "AuditAction",
    "AuditContext",
    "AuditEntry",
    "AuditResult",
    "RecordedEvent",
    "record",
    "record_all",
    "verify",
]
