"""Reading form posts safely: malformed or wrong content types are a 400/415, never a 500."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from helpline.web.middleware import BodyTooLarge

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_JSON_BYTES = 32 * 1024


async def read_form(request: Request) -> FormData:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(FORM_TYPES):
        raise HTTPException(status_code=415, detail="unsupported_media_type")
    try:
        return await request.form(max_files=0, max_fields=200)
    except (HTTPException, BodyTooLarge):
        raise
    except Exception as exc:  # python-multipart raises several types for broken bodies
        raise HTTPException(status_code=400, detail="malformed_form") from exc


def text(form: FormData, name: str, *, max_length: int = 1000) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.strip()[:max_length]


async def read_json(request: Request) -> dict[str, Any]:
    """A JSON object body: wrong type 415, too large 413, malformed or not an object 400."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HTTPException(status_code=415)
    raw = await request.body()
    if len(raw) > MAX_JSON_BYTES:
        raise HTTPException(status_code=413)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise HTTPException(status_code=400) from None
    if not isinstance(body, dict):
        raise HTTPException(status_code=400)
    return body
