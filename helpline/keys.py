"""Data keys for field encryption: one per scope (a case, a user), wrapped by the keyring's KEK.

This is the application's only door to ``crypto``'s field encryption: a service asks for a
value to be encrypted for a row and column, and gets ciphertext bound to that row. Unwrapped keys
are cached per database session (one request) only, so a shredded key stops working everywhere
as soon as its row is gone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import crypto
from helpline.models.keys import DataKeyRecord

_CACHE = "helpline.data_keys"


def user_scope(user_id: str) -> str:
    return f"user:{user_id}"


def case_scope(case_id: str) -> str:
    return f"case:{case_id}"


def _wrap_scope(scope: str) -> str:
    return f"dek:{scope}"


# Built once (building a statement costs more than running it); Core, not ORM objects: a
# data key is read for its wrapped bytes only.
_KEYS = DataKeyRecord.__table__
_KEY_BY_ID = select(_KEYS.c.scope, _KEYS.c.key_id, _KEYS.c.wrapped).where(
    _KEYS.c.scope == bindparam("scope"), _KEYS.c.key_id == bindparam("key_id")
)
_ACTIVE_KEY = (
    select(_KEYS.c.scope, _KEYS.c.key_id, _KEYS.c.wrapped)
    .where(_KEYS.c.scope == bindparam("scope"), _KEYS.c.active.is_(True))
    .order_by(_KEYS.c.key_id.desc())
    .limit(1)
)
_INSERT_KEY = insert(_KEYS)


class _WrappedKey(Protocol):
    scope: str
    key_id: int
    wrapped: bytes


class KeyService:
    def __init__(self, provider: crypto.KeyProvider) -> None:
        self.provider = provider

    async def active_key(self, db: AsyncSession, scope: str) -> crypto.DataKey:
        """The scope's current data key, created (and stored wrapped) on first use."""
        record = (await db.execute(_ACTIVE_KEY, {"scope": scope})).one_or_none()
        if record is not None:
            return self._unwrap(db, record)
        key = crypto.DataKey.generate(key_id=1)
        await self.store_new_key(db, scope, key)
        return key

    async def store_new_key(self, db: AsyncSession, scope: str, key: crypto.DataKey) -> None:
        """Store the first data key of a scope that cannot have one yet (the scope of a row
        this transaction has just created), without looking first. Should the scope have a key
        after all, the insert fails on the primary key instead of adding a second one."""
        await self.store_new_keys(db, [(scope, key)])

    async def store_new_keys(
        self, db: AsyncSession, keys: Sequence[tuple[str, crypto.DataKey]]
    ) -> None:
        """``store_new_key`` for several scopes in one statement."""
        rows = []
        for scope, key in keys:
            wrapped = crypto.wrap_data_key(self.provider, key, scope=_wrap_scope(scope))
            rows.append(
                {
                    "scope": scope,
                    "key_id": key.key_id,
                    "wrapped": wrapped,
                    "kek_version": crypto.wrapped_kek_version(wrapped),
                    "active": True,
                }
            )
        if not rows:
            return
        await db.execute(_INSERT_KEY, rows)
        cache = self._cache(db)
        for scope, key in keys:
            cache[(scope, key.key_id)] = key

    async def key_for(self, db: AsyncSession, scope: str, key_id: int) -> crypto.DataKey:
        cached = self._cache(db).get((scope, key_id))
        if cached is not None:
            return cached
        parameters = {"scope": scope, "key_id": key_id}
        record = (await db.execute(_KEY_BY_ID, parameters)).one_or_none()
        if record is None:  # shredded, or never existed: the field cannot be read
            raise crypto.DecryptionError()
        return self._unwrap(db, record)

    async def encrypt(
        self, db: AsyncSession, *, scope: str, binding: crypto.FieldBinding, value: Any
    ) -> bytes:
        key = await self.active_key(db, scope)
        return key.encrypt_value(value, binding)

    async def decrypt(
        self, db: AsyncSession, *, scope: str, binding: crypto.FieldBinding, blob: bytes
    ) -> Any:
        key = await self.key_for(db, scope, crypto.ciphertext_key_id(blob))
        return key.decrypt_value(blob, binding)

    async def shred(self, db: AsyncSession, scopes: Sequence[str]) -> int:
        """Crypto-shredding: delete every data key of the scopes, and forget any this session
        has unwrapped; returns how many went. (helpline.cases.shredding is the whole job.)"""
        result = await db.execute(delete(DataKeyRecord).where(DataKeyRecord.scope.in_(scopes)))
        self._cache(db).clear()
        return int(getattr(result, "rowcount", 0) or 0)

    def _unwrap(self, db: AsyncSession, record: _WrappedKey) -> crypto.DataKey:
        key = crypto.unwrap_data_key(
            self.provider, record.wrapped, scope=_wrap_scope(record.scope), key_id=record.key_id
        )
        self._cache(db)[(record.scope, record.key_id)] = key
        return key

    @staticmethod
    def _cache(db: AsyncSession) -> dict[tuple[str, int], crypto.DataKey]:
        cache: dict[tuple[str, int], crypto.DataKey] = db.info.setdefault(_CACHE, {})
        return cache


async def rotate_kek(
    sessions: async_sessionmaker[AsyncSession],
    provider: crypto.KeyProvider,
    *,
    batch_size: int = 200,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Re-wrap every data key under the active KEK; fields are not touched.

    One transaction per batch, so a crash loses at most the batch in flight and a rerun
    continues where it stopped (keys already under the active version are skipped). Cost is
    proportional to the number of data keys, not of encrypted fields.
    """
    active, done = provider.active_version(), 0
    while True:
        async with sessions() as db, db.begin():
            batch = (
                await db.execute(
                    select(DataKeyRecord)
                    .where(DataKeyRecord.kek_version != active)
                    .order_by(DataKeyRecord.scope, DataKeyRecord.key_id)
                    .limit(batch_size)
                    .with_for_update()
                )
            ).scalars().all()
            for record in batch:
                _rewrap_record(provider, record, active)
        if not batch:
            return done
        done += len(batch)
        if progress:
            progress(done)


def _rewrap_record(provider: crypto.KeyProvider, record: DataKeyRecord, active: int) -> None:
    new = crypto.rewrap(
        provider, record.wrapped, scope=_wrap_scope(record.scope), key_id=record.key_id
    )
    if new is not None:
        record.wrapped = new
    record.kek_version = active


async def keys_under_kek(db: AsyncSession, version: int) -> int:
    """How many data keys are still wrapped under KEK ``version``."""
    statement = select(func.count()).select_from(DataKeyRecord).where(
        DataKeyRecord.kek_version == version
    )
    return int((await db.execute(statement)).scalar_one())
