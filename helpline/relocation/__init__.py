"""Relocation plans: from/target municipality (target always encrypted), steps and approval."""
