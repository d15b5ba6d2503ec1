"""Case reference numbers and pseudonyms: random, saying nothing about the person."""

from __future__ import annotations

import secrets

# Crockford's base32 without I, L, O, U: readable aloud over the phone without confusion.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Neutral Swedish nature words: a pseudonym must not hint at sex, origin or the milieu.
_WORDS = (
    "Ask",
    "Björk",
    "Ek",
    "Gran",
    "Hassel",
    "Lind",
    "Lönn",
    "Rönn",
    "Sälg",
    "Tall",
    "Alm",
    "Asp",
    "Ene",
    "Hägg",
    "Lärk",
    "Oxel",
    "Pil",
    "Poppel",
    "Vide",
    "Idegran",
    "Falk",
    "Hök",
    "Trana",
    "Lom",
    "Stare",
    "Svala",
    "Vipa",
    "Ärla",
    "Mås",
    "Tärna",
)


def new_case_reference() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"AVH-{body[:4]}-{body[4:]}"


def new_pseudonym() -> str:
    return f"{secrets.choice(_WORDS)} {secrets.randbelow(9000) + 1000}"
