"""The OpenAPI 3.1 document, built from the route table so it cannot drift from the routes.

Each API route's endpoint carries its operation in ``OPERATIONS`` (schemas written by hand:
they are short, and a generator would add a dependency for little).
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from helpline import __version__

ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}

OPERATIONS: dict[str, dict[str, Any]] = {
    "api:me": {
        "summary": "The signed-in user",
        "responses": {
            "200": {
                "description": "The user behind the token",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "string", "format": "uuid"},
                                "display_name": {"type": "string"},
                                "role": {"type": "string"},
                                "organisation": {"type": "object"},
                                "permissions": {"type": "array", "items": {"type": "string"}},
                            },
                            "required": [
                                "id",
                                "display_name",
                                "role",
                                "organisation",
                                "permissions",
                            ],
                        }
                    }
                },
            },
            "401": {
                "description": "No valid token",
                "content": {"application/json": {"schema": ERROR}},
            },
        },
    },
    "api:openapi": {
        "summary": "This document",
        "security": [],
        "responses": {
            "200": {
                "description": "OpenAPI document",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    },
}


def register(operations: dict[str, dict[str, Any]]) -> None:
    """Add a domain's operations (keyed by route name); a name means one operation only."""
    clash = {name for name, op in operations.items() if OPERATIONS.get(name, op) != op}
    if clash:
        raise ValueError(f"OpenAPI operations registered twice: {sorted(clash)}")
    OPERATIONS.update(operations)


def build_document(app: Starlette) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in app.routes:
        if not getattr(route, "is_api", False):
            continue
        for method in sorted(getattr(route, "methods", set()) - {"HEAD"}):
            operation = {"operationId": route.name, **OPERATIONS[route.name]}
            paths.setdefault(route.path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "helpline API", "version": __version__},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Personal access token",
                }
            }
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }
