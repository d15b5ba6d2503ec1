"""Labels shown in pages that come from data (roles, navigation), marked for extraction.

``N_`` marks a string for the message catalogue without translating it here; the template
translates it with ``_()`` at render time, in the reader's language.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext_noop name
    return message


ROLE_LABELS = (
    N_("POLICE_CASE_OFFICER"),
    N_("SUPERVISOR"),
    N_("MUNICIPAL_CASE_WORKER"),
    N_("MUNICIPAL_COORDINATOR"),
    N_("AUDITOR"),
    N_("SYSTEM_ADMIN"),
)

NAVIGATION_LABELS = (N_("Start"), N_("Audit log"), N_("My account"))
