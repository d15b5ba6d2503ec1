"""Wrapped data-encryption keys (DEKs), one row per key generation of a scope.

A scope is what a key protects: ``case:<uuid>`` for a case, ``user:<uuid>`` for a user's own
secrets. Deleting the rows of a scope is crypto-shredding: every field under them becomes
unreadable.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from helpline.db import Base, UTCDateTime, now_utc


class DataKeyRecord(Base):
    __tablename__ = "data_keys"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    key_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    kek_version: Mapped[int] = mapped_column(Integer, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    def __repr__(self) -> str:
        return f"<DataKeyRecord {self.scope}#{self.key_id} kek={self.kek_version}>"
