"""Audit log: ``record`` in the same transaction as the change or read it records; ``verify``."""

from helpline.audit.actions import AuditAction, AuditResult
from helpline.audit.service import AuditContext, record, verify

__all__ = ["AuditAction", "AuditContext", "AuditResult", "record", "verify"]
