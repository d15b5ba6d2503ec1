"""Defector cases (avhopparärenden) and what belongs to them: team, timeline, persons, intake,
consent, conditions, notes, and the threat-assessment record that gates activation.

Every table here carries ``organisation_id`` (the owning data controller) so that row-level
security on PostgreSQL can check every row without joins. Columns typed ``bytes`` whose names
end in ``_enc`` hold ciphertext under the case's data key, bound to organisation, table,
column and row id (see helpline/keys.py).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from helpline.db import Base, UTCDateTime, UUIDString, new_id, now_utc, str_enum


class CaseState(enum.StrEnum):
    CONTACT = "CONTACT"
    INTAKE_BOOKED = "INTAKE_BOOKED"
    ASSESSMENT = "ASSESSMENT"
    ACTIVE = "ACTIVE"
    HANDOVER_PENDING = "HANDOVER_PENDING"
    HANDED_OVER = "HANDED_OVER"
    CLOSED = "CLOSED"
    REFERRED = "REFERRED"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"


class Milieu(enum.StrEnum):
    CRIMINAL_NETWORK = "CRIMINAL_NETWORK"
    VIOLENT_EXTREMISM = "VIOLENT_EXTREMISM"
    HONOUR_RELATED = "HONOUR_RELATED"
    OTHER_ORGANISED_CRIME = "OTHER_ORGANISED_CRIME"


class ReferralSource(enum.StrEnum):
    HELPLINE = "HELPLINE"
    SWITCHBOARD = "SWITCHBOARD"
    SOCIAL_SERVICES = "SOCIAL_SERVICES"
    PRISON_PROBATION = "PRISON_PROBATION"
    OTHER_AUTHORITY = "OTHER_AUTHORITY"
    WALK_IN = "WALK_IN"


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Random, says nothing about the person (see helpline/cases/reference.py).
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    state: Mapped[CaseState] = mapped_column(str_enum(CaseState), index=True)
    milieu: Mapped[Milieu | None] = mapped_column(str_enum(Milieu))
    referral_source: Mapped[ReferralSource | None] = mapped_column(str_enum(ReferralSource))
    responsible_officer_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    # Eligibility (DOMAIN.md §3); None = not yet answered.
    definition_met: Mapped[bool | None] = mapped_column(Boolean)
    threat_documented: Mapped[bool | None] = mapped_column(Boolean)
    motivated: Mapped[bool | None] = mapped_column(Boolean)
    is_witness: Mapped[bool | None] = mapped_column(Boolean)
    is_adult: Mapped[bool | None] = mapped_column(Boolean)
    municipality_led: Mapped[bool] = mapped_column(Boolean, default=False)
    exit_reason: Mapped[str | None] = mapped_column(String(40))  # REFERRED / NOT_ELIGIBLE code
    closure_reason: Mapped[str | None] = mapped_column(String(40))
    closure_requested_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    emergency_protection_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_entry_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Set when the case's data keys were destroyed (helpline.cases.shredding): from then on
    # the case is outside every read, as its fields can no longer be decrypted.
    shredded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.state}>"


class CaseTeamMember(Base):
    """Need to know: the named users (besides the responsible officer) who may read a case."""

    __tablename__ = "case_team_members"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class CaseEvent(Base):
    """The case timeline: transitions, notes, links; the reason text is encrypted."""

    __tablename__ = "case_events"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)


class PersonRole(enum.StrEnum):
    DEFECTOR = "DEFECTOR"
    RELATIVE = "RELATIVE"


class IdType(enum.StrEnum):
    PERSONNUMMER = "PERSONNUMMER"
    SAMORDNINGSNUMMER = "SAMORDNINGSNUMMER"
    NONE = "NONE"
    FOREIGN = "FOREIGN"


class Person(Base):
    __tablename__ = "persons"
    __table_args__ = (Index("ix_persons_organisation_id_id_index", "organisation_id", "id_index"),)

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[PersonRole] = mapped_column(str_enum(PersonRole))
    pseudonym: Mapped[str] = mapped_column(String(40))
    given_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    family_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_type: Mapped[IdType] = mapped_column(str_enum(IdType), default=IdType.NONE)
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Keyed, truncated HMAC of the normalised identity number (crypto.BlindIndex).
    id_index: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    interpreter_language: Mapped[str | None] = mapped_column(String(40))
    notes_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    def __repr__(self) -> str:  # never names: a pseudonym at most
        return f"<Person {self.id} {self.pseudonym}>"


class RelationKind(enum.StrEnum):
    PARTNER = "PARTNER"
    CHILD = "CHILD"
    PARENT = "PARENT"
    SIBLING = "SIBLING"
    GUARDIAN = "GUARDIAN"


class PersonRelation(Base):
    """``person`` is the <kind> of ``related_person`` (e.g. a GUARDIAN of a minor)."""

    __tablename__ = "person_relations"
    __table_args__ = (UniqueConstraint("person_id", "related_person_id", "kind"),)

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    related_person_id: Mapped[str] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    kind: Mapped[RelationKind] = mapped_column(str_enum(RelationKind))
    lives_with: Mapped[bool] = mapped_column(Boolean, default=False)


class IntakeInterview(Base):
    __tablename__ = "intake_interviews"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    call_id: Mapped[str | None] = mapped_column(String(36), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    participants: Mapped[list[str]] = mapped_column(JSON, default=list)
    motivation: Mapped[str] = mapped_column(String(20))
    suitability: Mapped[str] = mapped_column(String(20))
    information_given: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class ConsentState(enum.StrEnum):
    GIVEN = "GIVEN"
    REFUSED = "REFUSED"
    REVOKED = "REVOKED"
    SUPERSEDED = "SUPERSEDED"


class Consent(Base):
    """A version of a person's consent (samtycke). Expiry is derived from ``valid_to``."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("person_id", "version"),)

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[ConsentState] = mapped_column(str_enum(ConsentState))
    form: Mapped[str] = mapped_column(String(10))  # WRITTEN / ORAL
    recipient_organisation_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    purposes: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    guardian_person_id: Mapped[str | None] = mapped_column(ForeignKey("persons.id"))
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    revocation_method: Mapped[str | None] = mapped_column(String(20))


class ConditionsAgreement(Base):
    __tablename__ = "conditions_agreements"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    signed_on: Mapped[date] = mapped_column(Date)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class ConditionBreach(Base):
    __tablename__ = "condition_breaches"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    agreement_id: Mapped[str] = mapped_column(
        ForeignKey("conditions_agreements.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    condition: Mapped[str] = mapped_column(String(40))
    consequence: Mapped[str] = mapped_column(String(40))
    description_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class Note(Base):
    """A journal entry: encrypted and append-only; a correction is a new note naming the old."""

    __tablename__ = "notes"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    body_enc: Mapped[bytes] = mapped_column(LargeBinary)
    corrects_note_id: Mapped[str | None] = mapped_column(ForeignKey("notes.id"))


class AssessmentState(enum.StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    RETURNED = "RETURNED"
    SUPERSEDED = "SUPERSEDED"


class ThreatLevel(enum.StrEnum):
    LOW = "LOW"
    MODERATE = "MODERATE"
    HIGH = "HIGH"


class ThreatAssessment(Base):
    """The gate for activation and handover: one version of a case's threat assessment.

    The structured content (factors, actors, scenarios) belongs to the threat-assessment domain;
    the case lifecycle only needs state, level and the review date.
    """

    __tablename__ = "threat_assessments"
    __table_args__ = (UniqueConstraint("case_id", "version"),)

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[AssessmentState] = mapped_column(str_enum(AssessmentState), index=True)
    overall_level: Mapped[ThreatLevel | None] = mapped_column(str_enum(ThreatLevel))
    acute: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    reviewer_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_due_on: Mapped[date | None] = mapped_column(Date)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
