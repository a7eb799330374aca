"""The toy domain's HTTP: what its call hook did (GET /api/toy/hooks, for readers of calls)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from hotline.web.auth import Principal, require
from hotline.web.services import ServicesDep
from tests.plugins.toy.plugin import TOY

router = APIRouter(prefix="/api/toy", tags=["toy"])
Reader = Annotated[Principal, Depends(require("calls.read"))]


@router.get("/hooks")
def hooks(_: Reader, ctx: ServicesDep) -> list[dict[str, Any]]:
    state = ctx.find(TOY)
    return list(state.hooks) if state is not None else []
