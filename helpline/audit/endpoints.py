"""HTTP for the audit log: the auditor's list of recent events and the chain status."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from helpline.audit import AuditAction, record
from helpline.audit.repository import recent_events

PAGE_SIZE = 100


async def list_events(request: Request) -> Response:
    db, user = request.state.db, request.state.user
    events = await recent_events(db, organisation_id=user.organisation_id, limit=PAGE_SIZE)
    # Reading the log is itself logged.
    await record(
        db,
        context=request.state.audit,
        action=AuditAction.AUDIT_LOG_READ,
        object_type="audit_log",
        purpose="log review",
    )
    return request.app.state.templates.render(request, "audit/list.html", {"events": events})
