"""Relocation plans (omlokaliseringsplaner) and their steps, protection measures, and the
individual action plan (individuell åtgärdsplan): goals per life area and their actions.

Every table carries ``organisation_id`` (row-level security on PostgreSQL checks it without
joins) and ``case_id``. Columns ending in ``_enc`` hold ciphertext under the case's data key,
bound to organisation, table, column and row id (helpline/keys.py).

The target municipality of a relocation is ALWAYS encrypted (``target_municipality_enc``), not
only while the person has protected personal data: a plan is made because the person must not
be found, the protection is often applied for after the move, and one rule with no exceptions
cannot be got wrong. It is decrypted only on the plan's own page (one audited read), never in a
list, reminder, dashboard or API list. The from-municipality is where the person is known to
live already and is stored in clear.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.db import Base, UTCDateTime, UUIDString, new_id, now_utc, str_enum

# --- relocation -------------------------------------------------------------------------------


class PlanState(enum.StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class StepKind(enum.StrEnum):
    EMERGENCY_HOUSING = "EMERGENCY_HOUSING"
    TEMPORARY_HOUSING = "TEMPORARY_HOUSING"
    PERMANENT_HOUSING = "PERMANENT_HOUSING"
    PROTECTED_DATA = "PROTECTED_DATA"
    MOVE_BELONGINGS = "MOVE_BELONGINGS"
    SCHOOLING = "SCHOOLING"
    HEALTHCARE = "HEALTHCARE"
    EMPLOYMENT = "EMPLOYMENT"
    MAIL_AND_ID = "MAIL_AND_ID"
    GUARDIAN_DEBT = "GUARDIAN_DEBT"
    HANDOVER_SOCIAL_SERVICES = "HANDOVER_SOCIAL_SERVICES"


class StepState(enum.StrEnum):
    PLANNED = "PLANNED"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    NOT_NEEDED = "NOT_NEEDED"


class RelocationPlan(Base):
    __tablename__ = "relocation_plans"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    state: Mapped[PlanState] = mapped_column(str_enum(PlanState), index=True)
    from_municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"))
    # The target's SCB code, encrypted and bound to this row; never in lists (see above).
    target_municipality_enc: Mapped[bytes] = mapped_column(LargeBinary)
    starts_on: Mapped[date] = mapped_column(Date)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    submitted_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:  # never the target
        return f"<RelocationPlan {self.id} {self.state}>"


class RelocationStep(Base):
    __tablename__ = "relocation_steps"
    __table_args__ = (UniqueConstraint("plan_id", "kind"),)

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    plan_id: Mapped[str] = mapped_column(
        ForeignKey("relocation_plans.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[StepKind] = mapped_column(str_enum(StepKind))
    # May name the receiving municipality's social services, so it is shown only with the target.
    responsible_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[StepState] = mapped_column(str_enum(StepState))
    completed_on: Mapped[date | None] = mapped_column(Date)
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


# --- protection measures ----------------------------------------------------------------------


class ProtectionMeasureKind(enum.StrEnum):
    SAFETY_ADVICE = "SAFETY_ADVICE"
    EMERGENCY_PROTECTED_HOUSING = "EMERGENCY_PROTECTED_HOUSING"
    SAFETY_ALARM = "SAFETY_ALARM"
    CONTACT_BAN = "CONTACT_BAN"
    POLICE_PATROL = "POLICE_PATROL"
    NEW_PHONE = "NEW_PHONE"
    PERSONAL_PROTECTION = "PERSONAL_PROTECTION"
    WITNESS_PROTECTION_REFERRAL = "WITNESS_PROTECTION_REFERRAL"
    OTHER = "OTHER"


class ProtectionMeasureState(enum.StrEnum):
    PLANNED = "PLANNED"
    REQUESTED = "REQUESTED"
    IN_PLACE = "IN_PLACE"
    ENDED = "ENDED"
    REFUSED = "REFUSED"


class ProtectionMeasure(Base):
    __tablename__ = "protection_measures"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    kind: Mapped[ProtectionMeasureKind] = mapped_column(str_enum(ProtectionMeasureKind))
    responsible_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    state: Mapped[ProtectionMeasureState] = mapped_column(str_enum(ProtectionMeasureState))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date, index=True)
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


# --- individual action plan -------------------------------------------------------------------


class LifeArea(enum.StrEnum):
    SAFETY = "SAFETY"
    HOUSING = "HOUSING"
    INCOME = "INCOME"
    EMPLOYMENT = "EMPLOYMENT"
    EDUCATION = "EDUCATION"
    SUBSTANCE_TREATMENT = "SUBSTANCE_TREATMENT"
    MENTAL_HEALTH = "MENTAL_HEALTH"
    DEBT = "DEBT"
    SOCIAL_NETWORK = "SOCIAL_NETWORK"
    FAMILY = "FAMILY"
    LEGAL = "LEGAL"


class GoalState(enum.StrEnum):
    OPEN = "OPEN"
    ACHIEVED = "ACHIEVED"
    NOT_ACHIEVED = "NOT_ACHIEVED"


class ActionState(enum.StrEnum):
    PLANNED = "PLANNED"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class ActionPlanGoal(Base):
    """A goal of the individual action plan in one life area; its wording is encrypted (it can
    name a diagnosis, a substance, a debt)."""

    __tablename__ = "action_plan_goals"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    life_area: Mapped[LifeArea] = mapped_column(str_enum(LifeArea))
    description_enc: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[GoalState] = mapped_column(str_enum(GoalState))
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class ActionPlanAction(Base):
    __tablename__ = "action_plan_actions"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    goal_id: Mapped[str] = mapped_column(
        ForeignKey("action_plan_goals.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    description_enc: Mapped[bytes] = mapped_column(LargeBinary)
    responsible_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    # A user of the case's organisation (gets the reminders), and/or a named person elsewhere
    # (free text, encrypted).
    responsible_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    responsible_person_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    state: Mapped[ActionState] = mapped_column(str_enum(ActionState))
    due_on: Mapped[date | None] = mapped_column(Date)
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
