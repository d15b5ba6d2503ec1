"""helpline: case and protection tracker for the defector helpline (avhoppartelefon)."""

__version__ = "0.1.0"
