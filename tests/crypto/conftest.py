"""Shared fakes for the crypto tests: an in-memory wrapped-key store and replay guard."""

from __future__ import annotations

import pathlib

import pytest

from crypto import LocalKeyring, WrappedKeyRecord, wrapped_kek_version


class MemoryKeyStore:
    """A WrappedKeyStore over a dict, with compare-and-swap and optional crash injection."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, int], bytes] = {}
        self.replacements = 0
        self.crash_after: int | None = None

    def add(self, scope: str, key_id: int, wrapped: bytes) -> None:
        self.rows[(scope, key_id)] = wrapped

    def stale(self, active_version: int, limit: int) -> list[WrappedKeyRecord]:
        records = [
            WrappedKeyRecord(scope, key_id, wrapped)
            for (scope, key_id), wrapped in sorted(self.rows.items())
            if wrapped_kek_version(wrapped) != active_version
        ]
        return records[:limit]

    def replace(self, record: WrappedKeyRecord, new_wrapped: bytes) -> None:
        if self.crash_after is not None and self.replacements >= self.crash_after:
            raise ConnectionError("simulated crash")
        key = (record.scope, record.key_id)
        if self.rows[key] != record.wrapped:
            raise RuntimeError("compare-and-swap failed")
        self.rows[key] = new_wrapped
        self.replacements += 1


class MemoryReplayGuard:
    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()

    def check_and_remember(self, sender: str, package_id: str) -> bool:
        if (sender, package_id) in self.seen:
            return False
        self.seen.add((sender, package_id))
        return True


@pytest.fixture
def keyring_path(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "keyring.json"


@pytest.fixture
def keyring(keyring_path: pathlib.Path) -> LocalKeyring:
    return LocalKeyring(keyring_path)


@pytest.fixture
def store() -> MemoryKeyStore:
    return MemoryKeyStore()


@pytest.fixture
def replay_guard() -> MemoryReplayGuard:
    return MemoryReplayGuard()
