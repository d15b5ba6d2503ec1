"""The signed-in start page, profile, language switch and health checks."""
