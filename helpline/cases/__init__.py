"""Defector cases: intake, lifecycle, persons, consent, conditions, notes and search."""
