"""Reading form posts safely: malformed or wrong content types are a 400/415, never a 500."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from helpline.api.openapi import body_errors
from helpline.errors import InvalidInput
from helpline.web.middleware import BodyTooLarge

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Enough for the largest body a request schema admits (a threat assessment at every limit:
# about 127,000 characters), even with each character escaped as \uXXXX: six bytes each.
MAX_JSON_BYTES = 768 * 1024


async def read_form(request: Request) -> FormData:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(FORM_TYPES):
        raise HTTPException(status_code=415, detail="unsupported_media_type")
    try:
        form = await request.form(max_files=0, max_fields=200)
    except (HTTPException, BodyTooLarge):
        raise
    except Exception as exc:  # python-multipart raises several types for broken bodies
        raise HTTPException(status_code=400, detail="malformed_form") from exc
    if any(
        holds_nul(key) or holds_nul(value) or holds_lone_surrogate(key)
        or holds_lone_surrogate(value)
        for key, value in form.multi_items()
    ):
        # No browser sends U+0000 from a form, and PostgreSQL's text cannot store it. Half a
        # surrogate pair is no character: a multipart part in a charset the client names
        # (utf-7, say) can decode to one, and UTF-8 cannot encode it for the database.
        raise HTTPException(status_code=400, detail="malformed_form")
    return form


def holds_nul(value: object) -> bool:
    """Whether text, or any text inside a JSON value, holds U+0000."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_nul(item) for item in value)
    return False


def holds_lone_surrogate(value: object) -> bool:
    """Whether any text inside a JSON value holds half a surrogate pair. JSON can write one
    (``"\\ud800"``) but it is not a character: UTF-8 cannot encode it, so it failed deep inside
    (the audit chain's hash) as a 500. Such a body is malformed (RFC 8259 §8.2), a 400. Not
    in the request schemas: their generators (Schemathesis) cannot express it."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(holds_lone_surrogate(k) or holds_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_lone_surrogate(item) for item in value)
    return False


def text(form: FormData, name: str, *, max_length: int = 1000) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.strip()[:max_length]


def secret(form: FormData, name: str) -> str:
    """A password as typed: unlike ``text``, never stripped or cut, for it must be exactly what
    was set (``helpline.auth.passwords`` bounds its length)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def read_json(request: Request) -> dict[str, Any]:
    """A JSON object body: wrong type 415, too large 413, malformed or not an object 400, not
    as the API operation's documented request schema 422 (a code per field)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HTTPException(status_code=415)
    raw = await request.body()
    if len(raw) > MAX_JSON_BYTES:
        raise HTTPException(status_code=413)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise HTTPException(status_code=400) from None
    if not isinstance(body, dict) or holds_lone_surrogate(body):
        raise HTTPException(status_code=400)
    operation = getattr(request.state, "api_operation", None)
    errors = body_errors(operation, body) if operation else {}
    if errors:
        raise InvalidInput(errors)
    return body
