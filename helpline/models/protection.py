"""Protected personal data (skyddade personuppgifter), the location vault and supervisor alerts.

Every table carries ``organisation_id`` so row-level security on PostgreSQL can check every row.
Columns ending in ``_enc`` hold ciphertext under the case's data key, bound to organisation,
table, column and row id (helpline/keys.py).

DOMAIN.md §8 rule 5: for a FICTITIOUS_IDENTITY the system stores no link between the real and the
new identity. ``ProtectedDataMeasure`` therefore has no column that could hold a new name, identity
number or any free text besides the (encrypted) decision reference; a test guards that.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from helpline.db import Base, UTCDateTime, UUIDString, new_id, now_utc, str_enum


class MeasureLevel(enum.StrEnum):
    """The level a measure is about (ProtectionLevel without NONE)."""

    CONFIDENTIALITY_MARKING = "CONFIDENTIALITY_MARKING"
    PROTECTED_REGISTRATION = "PROTECTED_REGISTRATION"
    FICTITIOUS_IDENTITY = "FICTITIOUS_IDENTITY"


class MeasureState(enum.StrEnum):
    NOT_APPLICABLE = "NOT_APPLICABLE"
    PLANNED = "PLANNED"
    APPLIED = "APPLIED"
    GRANTED = "GRANTED"
    REFUSED = "REFUSED"
    ENDED = "ENDED"


class ProtectedDataMeasure(Base):
    """One protected-personal-data measure for one person of a case."""

    __tablename__ = "protected_data_measures"
    # One measure per person and level; its history is in the timeline and the audit log.
    __table_args__ = (UniqueConstraint("person_id", "level"),)

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    level: Mapped[MeasureLevel] = mapped_column(str_enum(MeasureLevel))
    state: Mapped[MeasureState] = mapped_column(str_enum(MeasureState), index=True)
    applied_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date)
    decision_reference_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<ProtectedDataMeasure {self.id} {self.level} {self.state}>"


class LocationKind(enum.StrEnum):
    ADDRESS = "ADDRESS"  # a residential address
    WHEREABOUTS = "WHEREABOUTS"  # temporary stay, protected housing, "with relatives in ..."


class LocationVaultEntry(Base):
    """A real address or whereabouts of a person: the only place the system keeps one.

    Only ``label_number`` (shown as "Address 1"), kind and validity are in clear text; everything
    that could locate the person is encrypted and is never in lists, exports, search results,
    messages, templates of lists or audit payloads (DOMAIN.md §8 rule 4).
    """

    __tablename__ = "location_vault_entries"
    __table_args__ = (UniqueConstraint("case_id", "label_number"),)

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    label_number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[LocationKind] = mapped_column(str_enum(LocationKind))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    address_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    whereabouts_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    notes_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:  # never the address
        return f"<LocationVaultEntry {self.id} #{self.label_number}>"


class LocationVaultAccess(Base):
    """A named user allowed to read one vault entry."""

    __tablename__ = "location_vault_access"

    entry_id: Mapped[str] = mapped_column(
        ForeignKey("location_vault_entries.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    granted_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class AlertKind(enum.StrEnum):
    BREAK_GLASS = "BREAK_GLASS"


class ProtectionAlert(Base):
    """An alert to the organisation's supervisors (until a notifications domain takes it over).

    Holds identifiers only: no address, no name, no reason text (that is in the audit log).
    A notifications domain could take these over; the supervisors' vault log lists them.
    """

    __tablename__ = "protection_alerts"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[AlertKind] = mapped_column(str_enum(AlertKind))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[str | None] = mapped_column(
        ForeignKey("location_vault_entries.id", ondelete="SET NULL")
    )
    actor_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    # The audit event that holds the stated reason (the alert itself holds no free text).
    audit_seq: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
