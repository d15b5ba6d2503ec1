"""Consent (versioned, revocable, guardian for minors) and the signed conditions with breaches."""
