"""The HTTP shell: middleware, routing with declared permissions, templates, CSRF, errors."""
