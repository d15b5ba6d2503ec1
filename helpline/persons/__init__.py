"""Persons on a case: identity numbers (validated, encrypted, blind-indexed), relations, search."""
