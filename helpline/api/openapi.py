"""The OpenAPI 3.1 document, built from the route table so it cannot drift from the routes.

Each API route's endpoint carries its operation in ``OPERATIONS`` (schemas written by hand:
they are short, and a generator would add a dependency for little).
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from helpline import __version__

ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
INVALID = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "fields": {"type": "object"}},
    "required": ["error", "fields"],
}


def json_doc(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A response with a JSON body."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    """A required JSON request body (``helpline.web.forms.read_json`` reads it)."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}


# What every API operation can answer besides its success: no token, or not permitted.
FAILURES = {
    "401": json_doc("No valid token", ERROR),
    "403": json_doc("The token's user may not do this", ERROR),
}
# And an operation on a case that reads a JSON body (read_json, the services' rules).
WRITE_FAILURES = {
    **FAILURES,
    "400": json_doc("Malformed JSON, or not an object", ERROR),
    "404": json_doc("No such case readable by the user", ERROR),
    "409": json_doc("A rule refused the change (rules named)", ERROR),
    "413": json_doc("Body too large", ERROR),
    "415": json_doc("Not application/json", ERROR),
    "422": json_doc("Invalid fields: a code per field, never the value", INVALID),
}

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
