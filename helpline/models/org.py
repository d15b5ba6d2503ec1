"""Organisations (each a separate data controller) and their units."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from helpline.db import Base, UTCDateTime, UUIDString, new_id, now_utc


class OrganisationType(enum.StrEnum):
    POLICE = "POLICE"
    MUNICIPAL_SOCIAL_SERVICES = "MUNICIPAL_SOCIAL_SERVICES"


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (
        # A municipality's social services carry the municipality's SCB code; police units do not.
        CheckConstraint(
            "(type = 'MUNICIPAL_SOCIAL_SERVICES') = (kommunkod IS NOT NULL)",
            name="kommunkod_matches_type",
        ),
    )

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[OrganisationType] = mapped_column(
        Enum(OrganisationType, native_enum=False, length=40)
    )
    kommunkod: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"), index=True)
    # Public halves of the organisation's handover keys (the private halves live in the keyring).
    sealing_public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    signing_public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.type}>"


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
