"""The OpenAPI document and the interactive API docs, for signed-in users only.

They list every endpoint, which helps an attacker more than anyone else on the open network; the
console reads /openapi.json after sign-in to know which features this server has.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from hotline.web.deps import PrincipalDep

router = APIRouter(include_in_schema=False)


@router.get("/openapi.json")
def openapi_document(request: Request, _: PrincipalDep) -> dict[str, Any]:
    schema: dict[str, Any] = request.app.openapi()
    return schema


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request, _: PrincipalDep) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} API")
