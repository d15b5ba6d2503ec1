"""Crypto-shredding: destroying a case's wrapped data key makes its fields unreadable."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from crypto import (
    DataKey,
    DecryptionError,
    FieldBinding,
    LocalKeyring,
    RetiredKeyError,
    rotate_kek,
    unwrap_data_key,
    wrap_data_key,
)

SCOPE = "case:0d6c4b0a-2f53-4b4e-9a0e-6f4f1d7c9a01"


def _case_fields(key: DataKey) -> dict[FieldBinding, bytes]:
    values = {"name": "Anna Andersson", "address": "Storgatan 1", "phone": "+46701234567"}
    bindings = {column: FieldBinding("org", "persons", column, "p-1") for column in values}
    return {bindings[c]: key.encrypt_value(value, bindings[c]) for c, value in values.items()}


def test_after_deleting_the_wrapped_key_no_available_key_decrypts_the_fields(
    keyring: LocalKeyring, store: Any
) -> None:
    key = DataKey.generate()
    fields = _case_fields(key)
    other_case = DataKey.generate()
    store.add(SCOPE, 1, wrap_data_key(keyring, key, scope=SCOPE))
    store.add("case:other", 1, wrap_data_key(keyring, other_case, scope="case:other"))
    del key  # the application only ever held it transiently

    del store.rows[(SCOPE, 1)]  # shred: the only persistent copy of the key is gone

    surviving_keys = [
        unwrap_data_key(keyring, wrapped, scope=scope, key_id=key_id)
        for (scope, key_id), wrapped in store.rows.items()
    ]
    for candidate, (binding, blob) in itertools.product(surviving_keys, fields.items()):
        with pytest.raises(DecryptionError):
            candidate.decrypt(blob, binding)


def test_a_fresh_key_for_the_same_scope_and_key_id_cannot_decrypt_old_blobs(
    keyring: LocalKeyring, store: Any
) -> None:
    old = DataKey.generate(key_id=1)
    fields = _case_fields(old)
    store.add(SCOPE, 1, wrap_data_key(keyring, old, scope=SCOPE))
    del store.rows[(SCOPE, 1)]

    fresh = DataKey.generate(key_id=1)  # same scope, same generation number, new material
    store.add(SCOPE, 1, wrap_data_key(keyring, fresh, scope=SCOPE))
    regenerated = unwrap_data_key(keyring, store.rows[(SCOPE, 1)], scope=SCOPE, key_id=1)
    for binding, blob in fields.items():
        with pytest.raises(DecryptionError):
            regenerated.decrypt(blob, binding)


def test_a_backup_copy_of_a_shredded_key_dies_with_its_destroyed_kek_version(
    keyring: LocalKeyring, store: Any
) -> None:
    backup = wrap_data_key(keyring, DataKey.generate(), scope=SCOPE)  # e.g. in a database dump
    store.add("case:kept", 1, wrap_data_key(keyring, DataKey.generate(), scope="case:kept"))

    keyring.rotate()
    rotate_kek(keyring, store)  # live keys move to version 2; the shredded one is not there
    keyring.retire(1)
    keyring.destroy(1)

    with pytest.raises(RetiredKeyError):
        unwrap_data_key(keyring, backup, scope=SCOPE, key_id=1)
    unwrap_data_key(keyring, store.rows[("case:kept", 1)], scope="case:kept", key_id=1)
