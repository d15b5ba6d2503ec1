"""LocalKeyring: the embedded key provider, a small JSON file of KEKs readable by its owner only.

The file holds versioned 256-bit KEKs and one 256-bit purpose root (FORMAT.md section 4). It must
live outside the database and outside database backups; whoever reads it and the database reads
everything. Every change is written to a temporary file, fsynced and renamed over the old one
while holding an exclusive lock on ``<file>.lock``, and other processes notice the new file
(by inode, size, times and mode) on their next call, so a rotation in one worker is seen by all
and a file made readable by others is refused from then on.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import pathlib
import secrets
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import NoReturn

from . import _primitives
from ._encoding import length_prefixed
from ._errors import DecryptionError, KeyNotFoundError, KeyringError, RetiredKeyError
from ._keys import WRAPPED_KEY_HEADER_BYTES, wrapped_kek_version, wrapped_key_header

__all__ = ["LocalKeyring"]

_FILE_FORMAT = "helpline-local-keyring"
_FILE_FORMAT_VERSION = 1
_WRAP_DOMAIN = b"helpline/kek-wrap/v1\x00"
_PURPOSE_DOMAIN = b"helpline/purpose-key/v1\x00"
_NONCE_END = WRAPPED_KEY_HEADER_BYTES + _primitives.AEAD_NONCE_BYTES


@dataclass(frozen=True)
class _Kek:
    state: str  # "enabled" | "retired" | "destroyed" (listed, but its material is gone)
    material: bytes | None


@dataclass(frozen=True)
class _State:
    active: int
    keks: dict[int, _Kek]
    purpose_root: bytes
    # Key schedules built once per loaded file, for the versions that may be used.
    ciphers: dict[int, _primitives.AeadCipher] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ciphers = {
            version: _primitives.aes256_gcm(kek.material)
            for version, kek in self.keks.items()
            if kek.state == "enabled" and kek.material is not None
        }
        object.__setattr__(self, "ciphers", ciphers)


class LocalKeyring:
    """A :class:`~crypto.KeyProvider` backed by a mode-0600 file, created on first use.

    ``create=False`` refuses to start without an existing file, which is what a deployment that
    already has data wants: a fresh keyring at a mistyped path would make every key unreadable.
    """

    def __init__(self, path: pathlib.Path | str, *, create: bool = True) -> None:
        self._path = pathlib.Path(path)
        self._signature: tuple[int, ...] = ()
        if create and not self._path.exists():
            with self._locked():
                if not self._path.exists():
                    self._write(_new_state(), create=True)
        self._state = self._reload()

    # -- KeyProvider -------------------------------------------------------------------------

    def active_version(self) -> int:
        return self._current().active

    def wrap(self, material: bytes, *, scope: str) -> bytes:
        state = self._current()
        header = wrapped_key_header(state.active)
        nonce = os.urandom(_primitives.AEAD_NONCE_BYTES)
        sealed = state.ciphers[state.active].encrypt(nonce, material, header + _aad(scope))
        return header + nonce + sealed

    def unwrap(self, wrapped: bytes, *, scope: str) -> bytes:
        version = wrapped_kek_version(wrapped)
        state = self._current()
        kek = state.keks.get(version)
        if kek is None:
            raise KeyNotFoundError(f"KEK version {version} is not in this keyring")
        cipher = state.ciphers.get(version)
        if cipher is None:
            raise RetiredKeyError(f"KEK version {version} is {kek.state} but still referenced")
        if len(wrapped) < _NONCE_END + _primitives.AEAD_TAG_BYTES:
            raise DecryptionError()
        header = wrapped[:WRAPPED_KEY_HEADER_BYTES]
        nonce, sealed = wrapped[WRAPPED_KEY_HEADER_BYTES:_NONCE_END], wrapped[_NONCE_END:]
        try:
            return cipher.decrypt(nonce, sealed, header + _aad(scope))
        except _primitives.InvalidTag:
            raise DecryptionError() from None

    def purpose_key(self, purpose: str) -> bytes:
        """HKDF-Expand(purpose root, label || purpose): independent of every KEK, so rotating
        KEKs never changes blind indexes, and distinct purposes get unrelated keys."""
        if not isinstance(purpose, str) or not purpose:
            raise ValueError("purpose must be a non-empty string")
        root = self._current().purpose_root
        return _primitives.hkdf_expand_sha256(root, _PURPOSE_DOMAIN + purpose.encode("utf-8"))

    # -- administration ----------------------------------------------------------------------

    def versions(self) -> dict[int, str]:
        """version -> "active" | "enabled" | "retired" | "destroyed"."""
        state = self._current()
        return {v: "active" if v == state.active else k.state for v, k in state.keks.items()}

    def rotate(self) -> int:
        """Add a new KEK version and make it active; returns it. Old versions stay enabled."""

        def change(state: _State) -> _State:
            version = max(state.keks) + 1
            keks = {**state.keks, version: _Kek("enabled", os.urandom(32))}
            return replace(state, active=version, keks=keks)

        return self._update(change).active

    def retire(self, version: int) -> None:
        """Refuse unwrapping under ``version`` (RetiredKeyError); reversible with :meth:`enable`."""
        self._set_state(version, "retired", allowed_from=("enabled", "retired"))

    def enable(self, version: int) -> None:
        """Undo :meth:`retire` (e.g. a retired version turned out to be still referenced)."""
        self._set_state(version, "enabled", allowed_from=("enabled", "retired"))

    def destroy(self, version: int) -> None:
        """Forget a retired version's key material for good (finalises crypto-shredding of keys
        that survive only in backups wrapped under it). Irreversible."""
        self._set_state(version, "destroyed", allowed_from=("retired", "destroyed"))

    def __repr__(self) -> str:
        return f"LocalKeyring({str(self._path)!r})"

    def __reduce__(self) -> NoReturn:
        # The default pickle would copy every KEK into wherever the pickle goes.
        raise TypeError("LocalKeyring cannot be pickled or copied")

    # -- internals ---------------------------------------------------------------------------

    def _set_state(self, version: int, new: str, *, allowed_from: tuple[str, ...]) -> None:
        def change(state: _State) -> _State:
            kek = state.keks.get(version)
            if kek is None:
                raise KeyNotFoundError(f"KEK version {version} is not in this keyring")
            if version == state.active:
                raise ValueError("the active KEK version cannot be retired or destroyed")
            if kek.state not in allowed_from:
                raise ValueError(f"KEK version {version} is {kek.state}; cannot make it {new}")
            material = None if new == "destroyed" else kek.material
            return replace(state, keks={**state.keks, version: _Kek(new, material)})

        self._update(change)

    def _current(self) -> _State:
        st = os.stat(self._path)
        if _signature(st) != self._signature:
            return self._reload()
        return self._state

    def _update(self, change: Callable[[_State], _State]) -> _State:
        with self._locked():
            state, _ = self._read()  # from disk, not cache: another process may have written
            self._write(change(state), create=False)
            return self._reload()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock_path = self._path.with_name(self._path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _reload(self) -> _State:
        state, signature = self._read()
        # State before signature: a thread that sees the new signature must see the new state.
        self._state = state
        self._signature = signature
        return state

    def _read(self) -> tuple[_State, tuple[int, ...]]:
        # O_NONBLOCK: opening a FIFO planted at the path must not hang the process.
        fd = os.open(self._path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        try:
            st = os.fstat(fd)  # of what we opened, not of whatever the path names now
            _check_file_safety(self._path, st)
            with open(fd, "rb", closefd=False) as f:
                data = f.read()
        finally:
            os.close(fd)
        return _parse(data), _signature(st)

    def _write(self, state: _State, *, create: bool) -> None:
        directory = self._path.parent
        tmp = directory / f".{self._path.name}.{secrets.token_hex(8)}.tmp"
        fd = os.open(
            tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
        )
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_serialise(state))
                f.flush()
                os.fsync(f.fileno())
            # link() never overwrites: two processes creating at once cannot clobber each other.
            (os.link if create else os.replace)(tmp, self._path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        _fsync_directory(directory)


def _check_file_safety(path: pathlib.Path, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise KeyringError(f"{path} is not a regular file")
    if st.st_mode & 0o077:
        raise KeyringError(
            f"{path} is accessible by group or others "
            f"(mode {stat.S_IMODE(st.st_mode):o}); run: chmod 600 {path}"
        )


def _signature(st: os.stat_result) -> tuple[int, ...]:
    # ctime and mode too: a chmod that makes the file readable by others is noticed at once.
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode)


def _aad(scope: str) -> bytes:
    if not isinstance(scope, str) or not scope:
        raise ValueError("scope must be a non-empty string")
    return _WRAP_DOMAIN + length_prefixed(scope.encode("utf-8"))


def _new_state() -> _State:
    return _State(active=1, keks={1: _Kek("enabled", os.urandom(32))}, purpose_root=os.urandom(32))


def _fsync_directory(directory: pathlib.Path) -> None:
    # Makes the rename itself durable: without it a crash can bring back the old file.
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _serialise(state: _State) -> bytes:
    keks: dict[str, dict[str, str]] = {}
    for version, kek in sorted(state.keks.items()):
        keks[str(version)] = {"state": kek.state}
        if kek.material is not None:
            keks[str(version)]["material"] = _b64(kek.material)
    document = {
        "format": _FILE_FORMAT,
        "format_version": _FILE_FORMAT_VERSION,
        "active": state.active,
        "purpose_root": _b64(state.purpose_root),
        "keks": keks,
    }
    return json.dumps(document, indent=2, sort_keys=True).encode("utf-8") + b"\n"


def _parse(data: bytes) -> _State:
    try:
        doc = json.loads(data)
        version = doc["format_version"]
        if type(version) is not int:  # JSON's true would pass == 1
            raise ValueError("unknown format")
        if doc["format"] != _FILE_FORMAT or version != _FILE_FORMAT_VERSION:
            raise ValueError("unknown format")
        keks = {_version(v): _parse_kek(entry) for v, entry in doc["keks"].items()}
        active = doc["active"]
        if type(active) is not int or active not in keks or keks[active].state != "enabled":
            raise ValueError("active version missing or not enabled")
        state = _State(active, keks, _key_bytes(doc["purpose_root"]))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, binascii.Error):
        raise KeyringError("the keyring file is malformed") from None
    return state


def _parse_kek(entry: dict[str, str]) -> _Kek:
    state = entry["state"]
    if state == "destroyed" and set(entry) == {"state"}:
        return _Kek(state, None)
    if state in ("enabled", "retired") and set(entry) == {"state", "material"}:
        return _Kek(state, _key_bytes(entry["material"]))
    raise ValueError("bad KEK entry")


def _version(text: str) -> int:
    version = int(text)
    if str(version) != text or not 1 <= version < 2**32:
        raise ValueError("bad version")
    return version


def _key_bytes(text: str) -> bytes:
    key = base64.b64decode(text, validate=True)
    if len(key) != 32:
        raise ValueError("keys are 32 bytes")
    return key
