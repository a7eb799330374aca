"""Mail attachments of a work order, for the people who may read the order: the console
(`workorders.read`) and the department portal (`workorders.handle`, own department only, and a
confidential order's files withheld — see `hotline.channels.attachments`). Files are downloads
only, under the type their extension allows, never rendered inline."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Response
from pydantic import Field
from sqlalchemy.orm import Session

from hotline.channels import attachments
from hotline.schemas import Out
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, SessionDep
from hotline.workorders.service import Who

router = APIRouter(prefix="/api/channels", tags=["channels"])
Reader = Annotated[Principal, Depends(require("workorders.read"))]
Handler = Annotated[Principal, Depends(require("workorders.handle"))]


class AttachmentOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    status: str = Field(description="stored | refused (type or size not allowed; not kept)")
    note: str | None
    withheld: bool = Field(False, description="confidential order: not shown to this reader")


def _console(p: Principal) -> Who:
    return Who(p.actor, p.permissions, p.department_id)


def _portal(p: Principal) -> Who:
    return Who(p.actor, p.permissions - {"workorders.read"}, p.department_id)


def _list(session: Session, who: Who, order_id: int) -> list[AttachmentOut]:
    rows, withheld = attachments.for_reader(session, who, order_id)
    return [AttachmentOut.model_validate(a).model_copy(update={"withheld": withheld}) for a in rows]


def _download(session: Session, who: Who, attachment_id: int) -> Response:
    att = attachments.readable(session, who, attachment_id)
    assert att.data is not None
    return Response(
        bytes(att.data),
        media_type=att.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(att.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/orders/{order_id}/attachments", response_model=list[AttachmentOut])
def list_attachments(order_id: IdPath, p: Reader, session: SessionDep) -> list[AttachmentOut]:
    return _list(session, _console(p), order_id)


@router.get("/portal/orders/{order_id}/attachments", response_model=list[AttachmentOut])
def portal_attachments(order_id: IdPath, p: Handler, session: SessionDep) -> list[AttachmentOut]:
    return _list(session, _portal(p), order_id)


@router.get("/attachments/{attachment_id}", response_class=Response)
def download_attachment(attachment_id: IdPath, p: Reader, session: SessionDep) -> Response:
    return _download(session, _console(p), attachment_id)


@router.get("/portal/attachments/{attachment_id}", response_class=Response)
def portal_download(attachment_id: IdPath, p: Handler, session: SessionDep) -> Response:
    return _download(session, _portal(p), attachment_id)
