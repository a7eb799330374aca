"""Files attached to a citizen's mail, kept for the order (the raw mail keeps them all anyway).

Only images, PDF, office documents and plain text are kept, each up to `attachment_max_bytes`
(10 MB) and together up to `attachments_max_total_bytes` (20 MB); anything else is refused, and
the order's text says which file was not kept and why, so the handler can ask for it another way.
The type is decided by the file name's extension, and the file is always served under that
extension's fixed type as a download (`Content-Disposition: attachment`, `nosniff`, a sandbox CSP):
a sender's declared type is never echoed, so no attached HTML or script can run in the console.
Readers are those of the order: `get_order` scopes department handlers to their department, and
a confidential order's files (an ID card photo names the writer) are withheld from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.channels.mailparse import Part
from hotline.channels.models import Attachment
from hotline.channels.settings import ChannelSettings
from hotline.errors import Forbidden, NotFound
from hotline.store.base import utcnow
from hotline.workorders.files import FILE_TYPES, safe_name
from hotline.workorders.schemas import hide_identity
from hotline.workorders.service import Who, get_order

# One list of the file types kept, shared with the files a department attaches to its answer.
ALLOWED = FILE_TYPES


@dataclass(frozen=True)
class Decision:
    part: Part
    content_type: str
    refused: str | None  # why it is not kept (Chinese, shown on the order), None when kept


_safe_name = safe_name


def decide(parts: list[Part], cfg: ChannelSettings) -> list[Decision]:
    out: list[Decision] = []
    total = 0
    mb = 1024 * 1024
    for part in parts:
        ext = PurePosixPath(_safe_name(part.filename).lower()).suffix
        ctype = ALLOWED.get(ext)
        size = len(part.data)
        why = None
        if ctype is None:
            why = "文件类型不允许（仅接收图片、PDF、办公文档和文本）"
        elif size > cfg.attachment_max_bytes:
            why = f"文件超过 {cfg.attachment_max_bytes // mb} MB"
        elif total + size > cfg.attachments_max_total_bytes:
            why = f"附件合计超过 {cfg.attachments_max_total_bytes // mb} MB"
        if why is None:
            total += size
        out.append(Decision(part, ctype or "application/octet-stream", why))
    return out


def note(decisions: list[Decision]) -> str:
    """What the order's text says about the attachments not kept ("" when all were)."""
    lines = [f"- {_safe_name(d.part.filename)}：{d.refused}" for d in decisions if d.refused]
    return "\n\n（以下附件未保存，原邮件保存在收件箱）\n" + "\n".join(lines) if lines else ""


def save(session: Session, inbound_id: int, workorder_id: int, decisions: list[Decision]) -> None:
    for d in decisions:
        session.add(
            Attachment(
                inbound_id=inbound_id,
                workorder_id=workorder_id,
                filename=_safe_name(d.part.filename),
                content_type=d.content_type,
                size=len(d.part.data),
                status="refused" if d.refused else "stored",
                note=d.refused,
                data=None if d.refused else d.part.data,
                created_at=utcnow(),
            )
        )


def of_order(session: Session, workorder_id: int) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment).where(Attachment.workorder_id == workorder_id).order_by(Attachment.id)
        )
    )


def for_reader(session: Session, who: Who, order_id: int) -> tuple[list[Attachment], bool]:
    """An order's attachments for a reader who may see the order (404 otherwise), and whether they
    are withheld from this reader (a confidential order, read by a department)."""
    order = get_order(session, who, order_id)
    return of_order(session, order.id), hide_identity(order, who)


def readable(session: Session, who: Who, attachment_id: int) -> Attachment:
    """A stored attachment the reader may download: 404 unless its order is theirs to read, 403 on
    a confidential order read by a department."""
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
    return att
