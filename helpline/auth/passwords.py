"""Password hashing with Argon2id (argon2-cffi's RFC 9106 profile, above OWASP's minimum)."""

from __future__ import annotations

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # Argon2id, t=3, m=64 MiB, p=4
# Verified against when the user is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("no such user: equalises timing")

# Hashes computed at once by one process: each takes a core for about a sixth of a second and
# 64 MiB, so more than the cores only queues them in memory.
_HASHING = anyio.CapacityLimiter(2)

MIN_LENGTH = 12
# Far above any passphrase; bounds the work a sign-in form can ask of the hasher.
MAX_LENGTH = 1024


class PasswordPolicyError(ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError(f"a password has at most {MAX_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Exactly the characters given: a password is never stripped or cut (one longer than
    MAX_LENGTH could not have been set, so it is simply wrong, at the same cost)."""
    if len(password) > MAX_LENGTH:
        password = ""  # still verified against the hash, so that it takes as long as any other
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password_in_thread(stored_hash: str | None, password: str) -> bool:
    """``verify_password`` off the event loop (argon2-cffi releases the GIL while it hashes):
    sign-ins must not stall the requests around them, the helpline's calls above all."""
    return await anyio.to_thread.run_sync(
        verify_password, stored_hash, password, limiter=_HASHING
    )


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
