"""Field encryption, key hierarchy, blind indexes and sealed handover packages for the helpline.

This is the recipe layer: every algorithm, key size, nonce size and format is fixed here, never a
parameter. Keys always come in as arguments; nothing here reads settings or the environment.
Only ``crypto._primitives`` touches ``cryptography.hazmat``. Formats are in ``FORMAT.md``.

Guarantees
----------
* Field values are AES-256-GCM ciphertext under a per-case 256-bit data key with a fresh random
  96-bit nonce each time. Confidentiality and integrity: without the data key a ciphertext
  reveals nothing but its length, and any modification makes it fail to decrypt.
* Each ciphertext names its format version and data-key generation, and both are authenticated
  together with the field's organisation, table, column and row id: a value copied to another
  place, or presented under another key generation, raises :class:`DecryptionError`.
* Every failure to authenticate, decrypt or parse raises :class:`DecryptionError` carrying no
  detail. Error messages never contain keys, plaintexts or the identifiers being normalised.
* Data keys are stored only wrapped (AEAD) under a versioned key-encryption key held outside the
  database, bound to their scope (e.g. the case) and key id. KEK rotation rewraps data keys only,
  resumably. A retired KEK version still referenced fails loudly (:class:`RetiredKeyError`).
* Deleting a case's wrapped data key (crypto-shredding) makes every field encrypted under it
  undecryptable, including copies of those ciphertexts elsewhere.
* Blind indexes are keyed (HMAC-SHA256, a key per purpose): without the key, the database does
  not let anyone test guesses of a personnummer or phone number.
* Handover packages are confidential to the recipient's X25519 key (HPKE, RFC 9180), signed by
  the sender's Ed25519 key over the whole envelope, bound to sender, recipient, case reference,
  id and validity window, verified before decryption, and accepted at most once.

Non-guarantees (what this package does NOT protect against)
-----------------------------------------------------------
* Length: a ciphertext is the plaintext length + 33 bytes, so it leaks the plaintext length
  (e.g. distinguishes a short name from a long one). Pad in the application where that matters.
* Blind indexes leak equality: rows with the same value share an index value, blurred only by
  coincidental collisions of the 16-bit default (about n / 65536 unrelated rows per value at n
  rows), plus the frequency histogram of index values. See ``_blind`` and README.md.
* Which rows, cases and columns exist, how many there are, when they change and who accesses
  them is metadata that this package does not hide.
* A compromised running process, or anyone who can read process memory, the keyring file plus
  the database, or the KMS credentials plus the database, reads everything. Python cannot
  reliably erase key material from memory.
* Crypto-shredding is only as final as the deletion of every copy of the wrapped data key:
  database backups, WAL files and freed pages keep it until they are gone, and it stays
  unwrappable while the KEK version that wrapped it exists. Rotate the KEK and
  :meth:`LocalKeyring.destroy` the old version once backups older than the rotation expire.
* Denial of service: anyone who can write the database can destroy ciphertexts or wrapped keys
  (detectably, never undetectably), and can roll a row back to an older valid ciphertext of the
  *same* field and row (AEAD does not prevent replay of old values in place).
* Per-instance limits: :attr:`DataKey.encryptions` counts per instance and is not persisted; the
  nonce-collision bound (MAX_ENCRYPTIONS_PER_KEY) is enforced per instance only.
* Packages: a receipt proves what the recipient acknowledged, not what it did afterwards; the
  replay guard is the application's and must remember (sender, id) pairs until they expire.
  A package's header (sender, recipient, case reference, id, times) is signed but not
  encrypted: whoever carries the package can read it.
"""

from __future__ import annotations

from ._blind import DEFAULT_BLIND_INDEX_BITS, BlindIndex
from ._encoding import FieldValue, JsonValue
from ._errors import (
    CryptoError,
    DecryptionError,
    KeyExhaustedError,
    KeyNotFoundError,
    KeyringError,
    PackageDecryptionError,
    PackageError,
    PackageExpiredError,
    PackageFormatError,
    PackageNotYetValidError,
    PackageSignatureError,
    ReplayedPackageError,
    RetiredKeyError,
    UnsupportedPackageVersionError,
    WrongRecipientError,
    WrongSenderError,
)
from ._fields import (
    FORMAT_VERSION,
    MAX_ENCRYPTIONS_PER_KEY,
    DataKey,
    FieldBinding,
    ciphertext_key_id,
    reencrypt,
)
from ._keyring import LocalKeyring
from ._keys import (
    WRAPPED_KEY_FORMAT_VERSION,
    KeyProvider,
    WrappedKeyRecord,
    WrappedKeyStore,
    rewrap,
    rotate_kek,
    unwrap_data_key,
    wrap_data_key,
    wrapped_kek_version,
    wrapped_key_header,
)
from ._normalise import PersonnummerError, normalise_personnummer, normalise_phone
from ._package_format import PACKAGE_FORMAT_VERSION, PackageHeader, Receipt
from ._packages import (
    CLOCK_SKEW,
    MAX_PACKAGE_VALIDITY,
    OpenedPackage,
    ReplayGuard,
    generate_sealing_key,
    generate_signing_key,
    make_receipt,
    open_package,
    read_unverified_header,
    seal_package,
    sealing_public_key,
    signing_public_key,
    verify_receipt,
)

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_BLIND_INDEX_BITS",
    "FORMAT_VERSION",
    "MAX_ENCRYPTIONS_PER_KEY",
    "MAX_PACKAGE_VALIDITY",
    "PACKAGE_FORMAT_VERSION",
    "WRAPPED_KEY_FORMAT_VERSION",
    "BlindIndex",
    "CryptoError",
    "DataKey",
    "DecryptionError",
    "FieldBinding",
    "FieldValue",
    "JsonValue",
    "KeyExhaustedError",
    "KeyNotFoundError",
    "KeyProvider",
    "KeyringError",
    "LocalKeyring",
    "OpenedPackage",
    "PackageDecryptionError",
    "PackageError",
    "PackageExpiredError",
    "PackageFormatError",
    "PackageHeader",
    "PackageNotYetValidError",
    "PackageSignatureError",
    "PersonnummerError",
    "Receipt",
    "ReplayGuard",
    "ReplayedPackageError",
    "RetiredKeyError",
    "UnsupportedPackageVersionError",
    "WrappedKeyRecord",
    "WrappedKeyStore",
    "WrongRecipientError",
    "WrongSenderError",
    "ciphertext_key_id",
    "generate_sealing_key",
    "generate_signing_key",
    "make_receipt",
    "normalise_personnummer",
    "normalise_phone",
    "open_package",
    "read_unverified_header",
    "reencrypt",
    "rewrap",
    "rotate_kek",
    "seal_package",
    "sealing_public_key",
    "signing_public_key",
    "unwrap_data_key",
    "verify_receipt",
    "wrap_data_key",
    "wrapped_kek_version",
    "wrapped_key_header",
]
