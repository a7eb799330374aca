"""The OpenAPI document and the interactive API docs, for signed-in users only, and the short list
of endpoints the console reads after sign-in to know which features this server has.

They list every endpoint, which helps an attacker more than anyone else on the open network. The
console reads `/api/capabilities` (method and path template of each API route, a few kilobytes,
read off the routes), not the OpenAPI document: building that takes a second of CPU on a quiet
server (far more on a busy one) and it weighs a megabyte.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts

from hotline.web.deps import PrincipalDep

router = APIRouter(include_in_schema=False)


@router.get("/openapi.json")
def openapi_document(request: Request, _: PrincipalDep) -> dict[str, Any]:
    schema: dict[str, Any] = request.app.openapi()
    return schema


@router.get("/api/capabilities")
def capabilities(request: Request, _: PrincipalDep) -> dict[str, list[tuple[str, str]]]:
    """Every API route as [METHOD, path template], what the console checks its pages against."""
    app = request.app
    found = getattr(app.state, "capabilities", None)
    if found is None:
        found = sorted(
            {
                (method, str(ctx.path_format))
                for ctx in iter_route_contexts(app.routes)  # what get_openapi walks, included routers too
                if isinstance(ctx.original_route, APIRoute) and ctx.include_in_schema
                for method in ctx.methods or ()
            }
        )
        app.state.capabilities = found
    return {"routes": found}


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request, _: PrincipalDep) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} API")
