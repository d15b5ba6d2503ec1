"""Organisations and users: creation rules for the CLI, the demo data and the admin pages."""
