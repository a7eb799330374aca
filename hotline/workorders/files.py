"""Files a department attaches to its answer: a photo of the repaired ramp, the approval letter.

Attached by the order's own department while it handles the order (签收 … 答复), one file at a
time, each on the order's timeline and in the audit log. Read by everyone who may read the order
(`get_order` scopes departments to their own). Only images, PDF, office documents and plain text,
each up to `MAX_BYTES`, at most `MAX_FILES` per order; the type is decided by the file name's
extension and the file is always served under that extension's fixed type, as a download.
`FILE_TYPES` and `safe_name` are shared with the citizens' mail attachments
(`hotline.channels.attachments`).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.audit.service import record
from hotline.errors import Conflict, Invalid, NotFound
from hotline.workorders.models import WorkOrderFile
from hotline.workorders.orders import Who, get_order, timeline
from hotline.workorders.states import AT_DEPARTMENT

OFFICE = "application/vnd.openxmlformats-officedocument"
FILE_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".webp": "image/webp", ".bmp": "image/bmp", ".heic": "image/heic",
    ".pdf": "application/pdf",
    ".doc": "application/msword", ".docx": f"{OFFICE}.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel", ".xlsx": f"{OFFICE}.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint", ".pptx": f"{OFFICE}.presentationml.presentation",
    ".wps": "application/vnd.ms-works", ".et": "application/vnd.ms-excel",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".txt": "text/plain", ".csv": "text/csv",
}  # fmt: skip
MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 20


def safe_name(name: str) -> str:
    """The file name without any path, control characters or quotes, at most 200 characters."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = "".join(c for c in base if c.isprintable() and c not in '"<>')
    return cleaned.strip()[:200] or "附件"


def attach(session: Session, who: Who, order_id: int, filename: str, data: bytes) -> WorkOrderFile:
    order = get_order(session, who, order_id, for_update=True)
    if order.state not in AT_DEPARTMENT:
        raise Conflict(
            f"files are attached while the department handles the order (it is {order.state})",
            "只有承办中的工单（已派单或已签收）可以上传附件",
        )
    name = safe_name(filename)
    ctype = FILE_TYPES.get(PurePosixPath(name.lower()).suffix)
    if ctype is None:
        raise Invalid(f"file type of {name!r} not allowed", "文件类型不允许（仅限图片、PDF、办公文档和文本）")
    if not data or len(data) > MAX_BYTES:
        raise Invalid("file empty or too large", f"文件为空或超过 {MAX_BYTES // 1024 // 1024} MB")
    count = session.scalar(select(func.count()).where(WorkOrderFile.workorder_id == order.id)) or 0
    if count >= MAX_FILES:
        raise Invalid(f"at most {MAX_FILES} files per order", f"每张工单最多 {MAX_FILES} 个附件")
    row = WorkOrderFile(
        workorder_id=order.id,
        filename=name,
        content_type=ctype,
        size=len(data),
        department_id=who.department_id,
        uploaded_by=who.actor.name,
        data=data,
    )
    session.add(row)
    session.flush()
    timeline(session, order, who.actor, "attach", order.state, note=name)
    after = {"workorder_id": order.id, "filename": name, "size": len(data)}
    record(session, who.actor, "workorder_file.upload", "workorder_file", row.id, None, after)
    return row


def of_order(session: Session, who: Who, order_id: int) -> list[WorkOrderFile]:
    """An order's files, for a reader who may see the order (404 otherwise)."""
    order = get_order(session, who, order_id)
    stmt = select(WorkOrderFile).where(WorkOrderFile.workorder_id == order.id).order_by(WorkOrderFile.id)
    return list(session.scalars(stmt))


def readable(session: Session, who: Who, file_id: int) -> WorkOrderFile:
    """A file to download, if its order is the reader's to read (404 otherwise)."""
    order_id = session.scalar(select(WorkOrderFile.workorder_id).where(WorkOrderFile.id == file_id))
    if order_id is None:
        raise NotFound(f"file {file_id} not found", "附件不存在")
    get_order(session, who, order_id)
    row = session.get(WorkOrderFile, file_id)
    assert row is not None
    return row
