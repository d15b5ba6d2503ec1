"""The OpenAPI 3.1 document, built from the route table so it cannot drift from the routes.

Each API route's endpoint carries its operation in ``OPERATIONS`` (schemas written by hand:
they are short, and a generator would add a dependency for little).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from starlette.applications import Starlette

from helpline import __version__

ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
INVALID = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "fields": {
        "type": "object", "additionalProperties": {"type": "string"},
        "description": "A code per field. A field inside an object is named by its dotted path "
                       "(actors.0.kind, factors.A1.rating); an item of a list of plain values, "
                       "by its list (measures).",
    }},
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


# No text a client sends may hold U+0000: PostgreSQL's text cannot store it, and no person,
# note or search term needs it. Added to every string of every request schema (see register),
# so the document says it and body_errors / query_errors enforce it.
NO_NUL: dict[str, Any] = {
    "not": {"type": "string", "pattern": "\\u0000"}, "x-error": "invalid_character"}


def _refusing_nul(schema: Any) -> Any:
    """A copy of a request schema in which every string schema also refuses U+0000."""
    if isinstance(schema, list):
        return [_refusing_nul(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copy = {key: _refusing_nul(value) for key, value in schema.items()}
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
    if "string" in kinds and not ({"enum", "const"} & schema.keys()):
        copy["allOf"] = [*copy.get("allOf", []), NO_NUL]
    return copy


def _request_refusing_nul(operation: dict[str, Any]) -> dict[str, Any]:
    operation = dict(operation)
    if "requestBody" in operation:
        operation["requestBody"] = _refusing_nul(operation["requestBody"])
    if "parameters" in operation:
        operation["parameters"] = [
            {**p, "schema": _refusing_nul(p.get("schema", {}))} if p.get("in") == "query" else p
            for p in operation["parameters"]
        ]
    return operation


def register(operations: dict[str, dict[str, Any]]) -> None:
    """Add a domain's operations (keyed by route name); a name means one operation only."""
    operations = {name: _request_refusing_nul(op) for name, op in operations.items()}
    clash = {name for name, op in operations.items() if OPERATIONS.get(name, op) != op}
    if clash:
        raise ValueError(f"OpenAPI operations registered twice: {sorted(clash)}")
    OPERATIONS.update(operations)


# What a body that breaks its request schema gets, per field: the codes the parsers use.
_CODES = {
    "required": "required",
    "type": "invalid_type",
    "maxLength": "too_long",
    "minLength": "too_short",
    "maxItems": "too_many",
    "minItems": "too_few",
    "minimum": "out_of_range",
    "maximum": "out_of_range",
}


@functools.cache
def _body_validator(operation: str) -> Draft202012Validator | None:
    body = OPERATIONS.get(operation, {}).get("requestBody", {})
    schema = body.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _code(error: ValidationError) -> str:
    own = error.schema.get("x-error") if isinstance(error.schema, dict) else None
    if own:  # the schema names its code, the one its parser gives for the same mistake
        return str(own)
    if error.instance == "" and error.validator in ("minLength", "format", "pattern"):
        return "required"  # as the parsers say of an empty required text
    if error.validator == "format" and error.validator_value == "date":
        return "invalid_date"
    return _CODES.get(str(error.validator), "invalid")


def body_errors(operation: str, body: dict[str, Any]) -> dict[str, str]:
    """Where a JSON body breaks the operation's documented request schema: a code per field
    (never the value), empty when it conforms. The document is the contract, so the server
    holds every client to it; the parsers behind it then check what a schema cannot say.

    A subschema may name its code with ``x-error`` (an OpenAPI extension), so that a client
    gets the same code whichever of the two layers finds the mistake."""
    validator = _body_validator(operation)
    if validator is None:
        return {}
    errors: dict[str, str] = {}
    for error in validator.iter_errors(body):
        instance = error.instance
        if error.validator == "required" and isinstance(instance, dict):
            # A conditional requirement (if/then) may name its own code.
            code = str(error.schema.get("x-error") or "required")
            for name in error.validator_value:
                if name not in instance:
                    errors.setdefault(_field(error, name), code)
            continue
        if error.validator == "additionalProperties" and isinstance(instance, dict):
            allowed = error.schema.get("properties", {})
            for name in instance:
                if name not in allowed:
                    errors.setdefault(_field(error, name), "not_allowed")
            continue
        errors.setdefault(_field(error), _code(error))
    return errors


def _field(error: ValidationError, name: str | None = None) -> str:
    """Where the mistake is, named as the parsers name it: a dotted path into objects
    (``actors.0.kind``, ``factors.A1.rating``), while an item of a list of plain values is
    reported at its list (``measures``). ``name``: a key of the object at the error's path."""
    path: list[object] = list(error.path)
    if path and isinstance(path[-1], int) and not isinstance(error.instance, dict):
        path.pop()
    if "propertyNames" in error.schema_path:
        path.append(error.instance)  # the key itself is wrong
    if name is not None:
        path.append(name)
    elif isinstance(error.schema, dict) and "x-field" in error.schema:
        path.append(error.schema["x-field"])  # a rule on an object that one of its keys breaks
    return ".".join(str(part) for part in path) or "body"


@functools.cache
def _query_validators(operation: str) -> dict[str, Draft202012Validator]:
    return {
        parameter["name"]: Draft202012Validator(
            parameter.get("schema", {}), format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        for parameter in OPERATIONS.get(operation, {}).get("parameters", [])
        if parameter.get("in") == "query"
    }


def _from_query(raw: str, validator: Draft202012Validator) -> object:
    """A query string value as the schema's type: a number for "integer", else the text."""
    kinds = validator.schema.get("type")
    if "integer" in (kinds if isinstance(kinds, list) else [kinds]):
        try:
            return int(raw)
        except ValueError:
            return raw
    return raw


def query_errors(operation: str, query: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Where the query string breaks the operation's documented query parameters: a code per
    parameter. Undocumented parameters are ignored; a documented one given twice is refused."""
    validators = _query_validators(operation)
    if not validators:
        return {}
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for name, raw in query:
        validator = validators.get(name)
        if validator is None:
            continue
        if name in seen:
            errors.setdefault(name, "repeated")
            continue
        seen.add(name)
        error = next(validator.iter_errors(_from_query(raw, validator)), None)
        if error is not None:
            errors[name] = _code(error)
    return errors


def _shared_answers(operation: dict[str, Any]) -> dict[str, Any]:
    """What the shared checks answer, documented wherever they apply: read_json's 400, 413,
    415 and 422 for an operation with a body, the query check's 422 for one with a query."""
    answers: dict[str, Any] = {}
    if "requestBody" in operation:
        answers.update({k: WRITE_FAILURES[k] for k in ("400", "413", "415", "422")})
    if any(p.get("in") == "query" for p in operation.get("parameters", [])):
        answers["422"] = WRITE_FAILURES["422"]
    return answers


def build_document(app: Starlette) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in app.routes:
        if not getattr(route, "is_api", False):
            continue
        for method in sorted(getattr(route, "methods", set()) - {"HEAD"}):
            operation = {"operationId": route.name, **OPERATIONS[route.name]}
            operation["responses"] = {**_shared_answers(operation), **operation["responses"]}
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
