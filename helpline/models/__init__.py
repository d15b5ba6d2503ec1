"""ORM tables. Importing this package registers every table (Alembic's target metadata)."""

from helpline.db import Base
from helpline.models.audit import AuditChainHead, AuditEvent
from helpline.models.keys import DataKeyRecord
from helpline.models.org import Organisation, OrganisationType, Unit
from helpline.models.reference import County, Municipality
from helpline.models.users import ApiToken, Role, User, UserSession

__all__ = [
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "County",
    "DataKeyRecord",
    "Municipality",
    "Organisation",
    "OrganisationType",
    "Role",
    "Unit",
    "User",
    "UserSession",
]
