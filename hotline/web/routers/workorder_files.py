"""Files a department attaches to its answer, over HTTP: uploaded through the department portal
(`workorders.handle`, own department only), listed and downloaded by everyone who reads the order
(the console with `workorders.read`, the portal). Downloads only, under the type their extension
allows, never rendered inline (see `hotline.workorders.files`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Response, UploadFile

from hotline.schemas import Out
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, SessionDep
from hotline.workorders import files
from hotline.workorders.models import WorkOrderFile
from hotline.workorders.orders import Who

router = APIRouter(prefix="/api/workorders", tags=["workorders"])
Reader = Annotated[Principal, Depends(require("workorders.read"))]
Handler = Annotated[Principal, Depends(require("workorders.handle"))]


class FileOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    uploaded_by: str
    created_at: datetime


def _console(p: Principal) -> Who:
    return Who(p.actor, p.permissions, p.department_id)


def _portal(p: Principal) -> Who:
    return Who(p.actor, p.permissions - {"workorders.read"}, p.department_id)


def _download(row: WorkOrderFile) -> Response:
    return Response(
        bytes(row.data),
        media_type=row.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/portal/{order_id}/files", response_model=FileOut, status_code=201)
def upload_file(
    order_id: IdPath, p: Handler, session: SessionDep, file: Annotated[UploadFile, File()]
) -> FileOut:
    """Attach one file to the order the department is handling (before or with its answer)."""
    data = file.file.read(files.MAX_BYTES + 1)
    return FileOut.model_validate(files.attach(session, _portal(p), order_id, file.filename or "", data))


@router.get("/{order_id}/files", response_model=list[FileOut])
def list_files(order_id: IdPath, p: Reader, session: SessionDep) -> list[FileOut]:
    return [FileOut.model_validate(f) for f in files.of_order(session, _console(p), order_id)]


@router.get("/portal/{order_id}/files", response_model=list[FileOut])
def portal_files(order_id: IdPath, p: Handler, session: SessionDep) -> list[FileOut]:
    return [FileOut.model_validate(f) for f in files.of_order(session, _portal(p), order_id)]


@router.get("/files/{file_id}", response_class=Response)
def download_file(file_id: IdPath, p: Reader, session: SessionDep) -> Response:
    return _download(files.readable(session, _console(p), file_id))


@router.get("/portal/files/{file_id}", response_class=Response)
def portal_download(file_id: IdPath, p: Handler, session: SessionDep) -> Response:
    return _download(files.readable(session, _portal(p), file_id))
