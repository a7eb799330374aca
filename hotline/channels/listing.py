"""The operators' lists of the channels: the intake inbox and the answers' outbox, newest first,
one page at a time by id (`before`: the last id of the page shown), each row with the number of
the order it belongs to (people know orders by number, not by internal id)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.channels.models import InboundMessage, OutboundReply
from hotline.workorders.models import WorkOrder


def inbox_page(
    session: Session, status: str | None, before: int | None, limit: int
) -> list[tuple[InboundMessage, str | None]]:
    stmt = (
        select(InboundMessage, WorkOrder.number)
        .outerjoin(WorkOrder, WorkOrder.id == InboundMessage.workorder_id)
        .order_by(InboundMessage.id.desc())
        .limit(limit)
    )
    if before:
        stmt = stmt.where(InboundMessage.id < before)
    if status:
        stmt = stmt.where(InboundMessage.status == status)
    return [(m, number) for m, number in session.execute(stmt)]


def replies_page(
    session: Session, status: str | None, before: int | None, limit: int
) -> list[tuple[OutboundReply, str]]:
    stmt = (
        select(OutboundReply, WorkOrder.number)
        .join(WorkOrder, WorkOrder.id == OutboundReply.workorder_id)
        .order_by(OutboundReply.id.desc())
        .limit(limit)
    )
    if before:
        stmt = stmt.where(OutboundReply.id < before)
    if status:
        stmt = stmt.where(OutboundReply.status == status)
    return [(r, number) for r, number in session.execute(stmt)]
