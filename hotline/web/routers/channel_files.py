"""Mail attachments of a work order, for the people who may read the order: the console
(`workorders.read`) and the department portal (`workorders.handle`, own department only, and a
confidential order's files withheld — see `hotline.channels.attachments`). Files are downloads
only, under the type their extension allows, never rendered inline."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Response
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.channels import attachments
from hotline.channels.models import Attachment
from hotline.errors import Forbidden, NotFound
from hotline.schemas import Out
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, get_session
from hotline.workorders.schemas import hide_identity
from hotline.workorders.service import Who, get_order

router = APIRouter(prefix="/api/channels", tags=["channels"])


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
    order = get_order(session, who, order_id)
    withheld = hide_identity(order, who)
    return [
        AttachmentOut.model_validate(a).model_copy(update={"withheld": withheld})
        for a in attachments.of_order(session, order.id)
    ]


def _download(session: Session, who: Who, attachment_id: int) -> Response:
    row = session.execute(
        select(Attachment.workorder_id, Attachment.status).where(Attachment.id == attachment_id)
    ).one_or_none()
    if row is None or row.workorder_id is None or row.status != "stored":
        raise NotFound(f"attachment {attachment_id} not found", "附件不存在")
    order = get_order(session, who, row.workorder_id)  # NotFound for another department's order
    if hide_identity(order, who):
        raise Forbidden(
            "a confidential order's attachments are not shown to departments",
            "保密工单的附件不对承办单位显示",
        )
    att = session.get(Attachment, attachment_id)
    assert att is not None and att.data is not None
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
def list_attachments(
    order_id: IdPath,
    p: Principal = Depends(require("workorders.read")),
    session: Session = Depends(get_session, scope="function"),
) -> list[AttachmentOut]:
    return _list(session, _console(p), order_id)


@router.get("/portal/orders/{order_id}/attachments", response_model=list[AttachmentOut])
def portal_attachments(
    order_id: IdPath,
    p: Principal = Depends(require("workorders.handle")),
    session: Session = Depends(get_session, scope="function"),
) -> list[AttachmentOut]:
    return _list(session, _portal(p), order_id)


@router.get("/attachments/{attachment_id}", response_class=Response)
def download_attachment(
    attachment_id: IdPath,
    p: Principal = Depends(require("workorders.read")),
    session: Session = Depends(get_session, scope="function"),
) -> Response:
    return _download(session, _console(p), attachment_id)


@router.get("/portal/attachments/{attachment_id}", response_class=Response)
def portal_download(
    attachment_id: IdPath,
    p: Principal = Depends(require("workorders.handle")),
    session: Session = Depends(get_session, scope="function"),
) -> Response:
    return _download(session, _portal(p), attachment_id)
