"""LocalKeyring: file safety, versions, purpose keys, concurrency (mirrors crypto/_keyring)."""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import os
import pathlib
import pickle
import stat
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from crypto import (
    DataKey,
    DecryptionError,
    KeyNotFoundError,
    KeyringError,
    LocalKeyring,
    RetiredKeyError,
    unwrap_data_key,
    wrap_data_key,
)
from crypto._keyring import _new_state

SCOPE = "case:1"


def mode(path: pathlib.Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_keyring_file_is_created_on_first_use_with_mode_0600_even_under_a_lax_umask(
    keyring_path: pathlib.Path,
) -> None:
    old = os.umask(0)
    try:
        LocalKeyring(keyring_path)
    finally:
        os.umask(old)
    assert mode(keyring_path) == 0o600
    assert mode(keyring_path.with_name("keyring.json.lock")) == 0o600
    assert [p.name for p in keyring_path.parent.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("bad_mode", [0o640, 0o604, 0o620, 0o602, 0o610, 0o601, 0o644, 0o666])
def test_keyring_refuses_a_file_accessible_by_group_or_others(
    keyring_path: pathlib.Path, bad_mode: int
) -> None:
    LocalKeyring(keyring_path)
    os.chmod(keyring_path, bad_mode)
    with pytest.raises(KeyringError, match="chmod 600"):
        LocalKeyring(keyring_path)


def test_running_keyring_notices_a_file_made_readable_later(keyring: LocalKeyring) -> None:
    wrapped = wrap_data_key(keyring, DataKey.generate(), scope=SCOPE)
    os.chmod(keyring._path, 0o644)
    with pytest.raises(KeyringError):
        unwrap_data_key(keyring, wrapped, scope=SCOPE, key_id=1)


def test_keyring_refuses_a_symlink(tmp_path: pathlib.Path, keyring: LocalKeyring) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(keyring._path)
    with pytest.raises(OSError):
        LocalKeyring(link)


def test_keyring_refuses_something_that_is_not_a_regular_file(tmp_path: pathlib.Path) -> None:
    directory = tmp_path / "dir"
    directory.mkdir(mode=0o700)
    with pytest.raises(KeyringError, match="not a regular file"):
        LocalKeyring(directory)


def test_keyring_does_not_block_on_a_fifo(tmp_path: pathlib.Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o600)
    with pytest.raises(KeyringError, match="not a regular file"):
        LocalKeyring(fifo)


def test_create_false_refuses_to_invent_a_missing_keyring(keyring_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError):
        LocalKeyring(keyring_path, create=False)
    assert not keyring_path.exists()


def test_keys_wrapped_by_one_instance_unwrap_in_a_later_one(keyring_path: pathlib.Path) -> None:
    key = DataKey.generate()
    wrapped = wrap_data_key(LocalKeyring(keyring_path), key, scope=SCOPE)
    reopened = LocalKeyring(keyring_path, create=False)
    assert unwrap_data_key(reopened, wrapped, scope=SCOPE, key_id=1)._material == key._material


def test_a_key_wrapped_by_another_keyring_does_not_unwrap(tmp_path: pathlib.Path) -> None:
    first, second = LocalKeyring(tmp_path / "a"), LocalKeyring(tmp_path / "b")
    wrapped = wrap_data_key(first, DataKey.generate(), scope=SCOPE)
    with pytest.raises(DecryptionError):
        unwrap_data_key(second, wrapped, scope=SCOPE, key_id=1)
    first.rotate()
    with pytest.raises(KeyNotFoundError):
        unwrap_data_key(
            second, wrap_data_key(first, DataKey.generate(), scope=SCOPE), scope=SCOPE, key_id=1
        )


def test_version_lifecycle_rotate_retire_enable_destroy(keyring: LocalKeyring) -> None:
    wrapped_v1 = wrap_data_key(keyring, DataKey.generate(), scope=SCOPE)
    assert keyring.versions() == {1: "active"}
    assert keyring.rotate() == 2
    assert keyring.active_version() == 2
    assert keyring.versions() == {1: "enabled", 2: "active"}
    keyring.retire(1)
    keyring.retire(1)  # idempotent
    assert keyring.versions() == {1: "retired", 2: "active"}
    with pytest.raises(RetiredKeyError):
        unwrap_data_key(keyring, wrapped_v1, scope=SCOPE, key_id=1)
    keyring.enable(1)
    unwrap_data_key(keyring, wrapped_v1, scope=SCOPE, key_id=1)
    keyring.retire(1)
    keyring.destroy(1)
    keyring.destroy(1)  # idempotent
    assert keyring.versions() == {1: "destroyed", 2: "active"}
    with pytest.raises(RetiredKeyError):
        unwrap_data_key(keyring, wrapped_v1, scope=SCOPE, key_id=1)


def test_destroying_a_version_removes_its_material_from_the_file(keyring: LocalKeyring) -> None:
    material = json.loads(keyring._path.read_text())["keks"]["1"]["material"]
    keyring.rotate()
    keyring.retire(1)
    keyring.destroy(1)
    text = keyring._path.read_text()
    assert material not in text
    assert json.loads(text)["keks"]["1"] == {"state": "destroyed"}


def test_the_active_version_cannot_be_retired_or_destroyed(keyring: LocalKeyring) -> None:
    with pytest.raises(ValueError):
        keyring.retire(1)
    with pytest.raises(ValueError):
        keyring.destroy(1)


def test_only_a_retired_version_can_be_destroyed_and_a_destroyed_one_not_revived(
    keyring: LocalKeyring,
) -> None:
    keyring.rotate()
    with pytest.raises(ValueError):
        keyring.destroy(1)
    keyring.retire(1)
    keyring.destroy(1)
    with pytest.raises(ValueError):
        keyring.enable(1)


def test_unknown_versions_cannot_be_retired(keyring: LocalKeyring) -> None:
    with pytest.raises(KeyNotFoundError):
        keyring.retire(7)


def test_a_rotation_in_one_instance_is_seen_by_another_without_reopening(
    keyring_path: pathlib.Path,
) -> None:
    a, b = LocalKeyring(keyring_path), LocalKeyring(keyring_path)
    a.rotate()
    wrapped = wrap_data_key(a, DataKey.generate(), scope=SCOPE)
    assert b.active_version() == 2
    unwrap_data_key(b, wrapped, scope=SCOPE, key_id=1)


def test_a_stale_instance_rotating_never_overwrites_a_version_another_added(
    keyring_path: pathlib.Path,
) -> None:
    a, b = LocalKeyring(keyring_path), LocalKeyring(keyring_path)
    assert a.rotate() == 2
    wrapped = wrap_data_key(a, DataKey.generate(), scope=SCOPE)
    assert b.rotate() == 3
    unwrap_data_key(a, wrapped, scope=SCOPE, key_id=1)


def test_concurrent_rotations_lose_no_version(keyring_path: pathlib.Path) -> None:
    LocalKeyring(keyring_path)

    def worker() -> None:
        ring = LocalKeyring(keyring_path)
        for _ in range(5):
            ring.rotate()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(LocalKeyring(keyring_path).versions()) == list(range(1, 22))


def test_concurrent_first_use_creates_exactly_one_keyring(keyring_path: pathlib.Path) -> None:
    rings: list[LocalKeyring] = []

    def opener() -> None:
        rings.append(LocalKeyring(keyring_path))

    threads = [threading.Thread(target=opener) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    keys = {ring.purpose_key("p") for ring in rings}
    assert len(rings) == 8 and len(keys) == 1


def test_losing_the_creation_race_adopts_the_winners_keyring(
    keyring_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner: list[LocalKeyring] = []
    original = LocalKeyring._locked

    @contextlib.contextmanager
    def racing_lock(self: LocalKeyring) -> Iterator[None]:
        # Another process creates the file after our existence check, before we get the lock.
        monkeypatch.setattr(LocalKeyring, "_locked", original)
        winner.append(LocalKeyring(keyring_path))
        with original(self):
            yield

    monkeypatch.setattr(LocalKeyring, "_locked", racing_lock)
    loser = LocalKeyring(keyring_path)
    assert loser.purpose_key("p") == winner[0].purpose_key("p")


def test_creating_never_overwrites_an_existing_keyring(keyring: LocalKeyring) -> None:
    # Even a creator that skipped the lock (or lost a race) cannot clobber existing KEKs.
    before = keyring._path.read_bytes()
    with pytest.raises(FileExistsError):
        keyring._write(_new_state(), create=True)
    assert keyring._path.read_bytes() == before
    assert not [p for p in keyring._path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
    keyring: LocalKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = keyring._path.read_bytes()

    def crash(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        keyring.rotate()
    assert keyring._path.read_bytes() == before
    assert not [p for p in keyring._path.parent.iterdir() if p.name.endswith(".tmp")]
    assert keyring.versions() == {1: "active"}


def test_purpose_keys_are_stable_distinct_and_independent_of_kek_rotation(
    keyring_path: pathlib.Path,
) -> None:
    ring = LocalKeyring(keyring_path)
    key = ring.purpose_key("blind-index:personnummer")
    assert len(key) == 32
    assert key != ring.purpose_key("blind-index:phone")
    ring.rotate()
    assert LocalKeyring(keyring_path).purpose_key("blind-index:personnummer") == key


def test_purpose_keys_differ_between_keyrings(tmp_path: pathlib.Path) -> None:
    assert LocalKeyring(tmp_path / "a").purpose_key("p") != LocalKeyring(
        tmp_path / "b"
    ).purpose_key("p")


@pytest.mark.parametrize("scope", ["", None])
def test_wrapping_directly_refuses_an_empty_scope(keyring: LocalKeyring, scope: Any) -> None:
    with pytest.raises(ValueError):
        keyring.wrap(bytes(32), scope=scope)


@pytest.mark.parametrize("purpose", ["", None])
def test_purpose_must_be_a_non_empty_string(keyring: LocalKeyring, purpose: Any) -> None:
    with pytest.raises(ValueError):
        keyring.purpose_key(purpose)


def test_repr_shows_the_path_and_no_key_material(keyring: LocalKeyring) -> None:
    document = json.loads(keyring._path.read_text())
    assert repr(keyring) == f"LocalKeyring({str(keyring._path)!r})"
    assert document["keks"]["1"]["material"] not in repr(keyring)


@pytest.mark.parametrize("clone", [pickle.dumps, copy.copy, copy.deepcopy])
def test_keyring_cannot_be_pickled_or_copied(keyring: LocalKeyring, clone: Any) -> None:
    with pytest.raises(TypeError):
        clone(keyring)


KEY = base64.b64encode(bytes(32)).decode()
GOOD: dict[str, Any] = {
    "format": "helpline-local-keyring",
    "format_version": 1,
    "active": 1,
    "purpose_root": KEY,
    "keks": {"1": {"state": "enabled", "material": KEY}},
}


def _with(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


@pytest.mark.parametrize(
    "document",
    [
        b"not json",
        b"\xff",
        b"[" * 100_000,  # deeper than the JSON parser goes: RecursionError, not KeyringError
        [],
        _with(format="other"),
        _with(format_version=2),
        _with(format_version=True),  # JSON true == 1 in Python
        _with(active=2),
        _with(active=True),
        _with(active="1"),
        _with(purpose_root="!!"),
        _with(purpose_root=base64.b64encode(bytes(16)).decode()),
        _with(keks=[]),
        _with(keks={"01": {"state": "enabled", "material": KEY}}),
        _with(keks={"0": {"state": "enabled", "material": KEY}}),
        _with(keks={"x": {"state": "enabled", "material": KEY}}),
        _with(keks={"1": {"state": "enabled"}}),
        _with(keks={"1": {"state": "unknown", "material": KEY}}),
        _with(keks={"1": "enabled"}),
        _with(keks={"1": {"state": "retired", "material": KEY}}),
        _with(
            keks={
                "1": {"state": "enabled", "material": KEY},
                "2": {"state": "destroyed", "material": KEY},
            }
        ),
        {k: v for k, v in GOOD.items() if k != "purpose_root"},
    ],
)
def test_malformed_keyring_files_are_refused(keyring_path: pathlib.Path, document: Any) -> None:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    fd = os.open(keyring_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, data)
    os.close(fd)
    with pytest.raises(KeyringError, match="malformed"):
        LocalKeyring(keyring_path)


def test_the_well_formed_reference_document_loads(keyring_path: pathlib.Path) -> None:
    # Guards the malformed-file table: its base document must itself be acceptable.
    fd = os.open(keyring_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, json.dumps(GOOD).encode())
    os.close(fd)
    assert LocalKeyring(keyring_path).versions() == {1: "active"}
