"""API endpoints of the foundation: who am I, and the OpenAPI document."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from helpline.api.openapi import build_document


async def me(request: Request) -> Response:
    user = request.state.user
    return JSONResponse(
        {
            "id": user.id,
            "display_name": user.display_name,
            "role": str(user.role),
            "organisation": {"id": user.organisation_id, "type": str(user.organisation.type)},
            "permissions": sorted(str(p) for p in request.state.permissions),
        }
    )


async def openapi(request: Request) -> Response:
    return JSONResponse(build_document(request.app))
