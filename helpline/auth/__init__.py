"""Authentication: local accounts with a mandatory second factor, sessions, API tokens."""
