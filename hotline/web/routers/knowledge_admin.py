"""Knowledge-base maintenance over HTTP: Excel and Markdown export and import, rebuilding the
search index, and the scheduled-publish / expiry sweep on demand. Same prefix as `knowledge.py`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Request, Response, UploadFile

from hotline.errors import Invalid
from hotline.knowledge import index, service, transfer
from hotline.store.base import utcnow
from hotline.web.deps import SessionDep
from hotline.web.routers.knowledge import KnowledgeRead, KnowledgeReview, KnowledgeWrite

router = APIRouter(prefix="/api/knowledge", tags=["knowledge"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _index(request: Request) -> index.KnowledgeIndex:
    return index.get_index(request.app.state.settings.data_dir, request.app.state.db.url)


# --- import / export, maintenance -----------------------------------------------------------------


@router.get("/export.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def export_xlsx(p: KnowledgeRead, session: SessionDep) -> Response:
    """Writers export every article's working copy; read-only roles only served articles' live
    versions (what agents read), never unreviewed drafts."""
    return Response(
        transfer.export_xlsx(session, served_only=not p.can("knowledge.write")),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="knowledge.xlsx"'},
    )


@router.get("/export.md", response_class=Response, responses={200: {"content": {"text/markdown": {}}}})
def export_markdown(p: KnowledgeRead, session: SessionDep) -> Response:
    """Writers export every article's working copy; read-only roles only served articles' live
    versions (what agents read), never unreviewed drafts."""
    return Response(
        transfer.export_markdown(session, served_only=not p.can("knowledge.write")),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="knowledge.md"'},
    )


@router.post("/import")
async def import_articles(
    principal: KnowledgeWrite, session: SessionDep, file: UploadFile = File(...)
) -> dict[str, Any]:
    data = await file.read()
    name = (file.filename or "").lower()
    if name.endswith(".xlsx"):
        return transfer.import_xlsx(session, principal.actor, data)
    if name.endswith((".md", ".markdown", ".txt")):
        return transfer.import_markdown(session, principal.actor, data.decode("utf-8", errors="replace"))
    raise Invalid("upload a .xlsx or .md file", "请上传 .xlsx 或 .md 文件")


@router.post("/index/rebuild")
def rebuild(request: Request, _: KnowledgeReview, session: SessionDep) -> dict[str, Any]:
    started = utcnow()
    count = index.rebuild_index(session, _index(request))
    return {"indexed": count, "seconds": round((utcnow() - started).total_seconds(), 3)}


@router.post("/sweep")
def run_sweep(_: KnowledgeReview, session: SessionDep) -> dict[str, list[int]]:
    return service.sweep(session)
