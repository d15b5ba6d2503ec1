"""ORM tables. Importing this package registers every table (Alembic's target metadata)."""

from helpline.db import Base
from helpline.models import protection as _protection  # noqa: F401  (registers the tables)
from helpline.models import relocation as _relocation  # noqa: F401  (registers the tables)
from helpline.models.audit import AuditChainHead, AuditEvent
from helpline.models.calls import CallbackRequest, DutyShift, HelplineCall, HelplineNumber
from helpline.models.cases import (
    Case,
    CaseEvent,
    CaseState,
    CaseTeamMember,
    ConditionBreach,
    ConditionsAgreement,
    Consent,
    IntakeInterview,
    Note,
    Person,
    PersonRelation,
    ThreatAssessment,
)
from helpline.models.keys import DataKeyRecord
from helpline.models.org import Organisation, OrganisationType, Unit
from helpline.models.reference import County, Municipality
from helpline.models.users import ApiToken, Role, User, UserSession

__all__ = [
    "Case",
    "CaseEvent",
    "CaseState",
    "CaseTeamMember",
    "ConditionBreach",
    "ConditionsAgreement",
    "Consent",
    "IntakeInterview",
    "Note",
    "Person",
    "PersonRelation",
    "ThreatAssessment",
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "CallbackRequest",
    "County",
    "DataKeyRecord",
    "DutyShift",
    "HelplineCall",
    "HelplineNumber",
    "Municipality",
    "Organisation",
    "OrganisationType",
    "Role",
    "Unit",
    "User",
    "UserSession",
]
