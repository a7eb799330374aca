"""Excel export of a filtered order list (openpyxl write-only mode, so memory stays flat), with the
same masking as the API: the rows go through `schemas.order_out` for the reader, and every cell
through `hotline.exports` (citizens' text never becomes a live formula). Cells carry what a person
reads: Chinese labels for type, urgency, state and satisfaction, department and category names."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from hotline.audit.service import record
from hotline.exports import row
from hotline.store.base import utcnow
from hotline.workorders.calendar import LOCAL
from hotline.workorders.labels import (
    CHANNEL_ZH,
    SATISFACTION_ZH,
    TYPE_ZH,
    URGENCY_ZH,
    category_paths,
    department_names,
    zh,
)
from hotline.workorders.models import WorkOrder
from hotline.workorders.queries import Filters, build
from hotline.workorders.schemas import order_out
from hotline.workorders.service import Who
from hotline.workorders.states import OPEN, STATE_ZH, State

MAX_ROWS = 50_000
HEADERS = [
    "工单编号",
    "类型",
    "状态",
    "紧急程度",
    "标题",
    "内容",
    "来电人姓名",
    "联系电话",
    "区县",
    "地址",
    "承办单位",
    "创建时间",
    "当前环节时限",
    "分类",
    "渠道",
    "办结时间",
    "答复内容",
    "满意度",
    "是否超期",
]


def _local(value: datetime | None) -> str | None:
    return value.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if value else None


def _overdue(order: WorkOrder, now: datetime) -> bool:
    """Open and past the running clock, or escalated by the sweep (what the list tints red)."""
    return State(order.state) in OPEN and (
        order.alert_level >= 2 or (order.due_at is not None and order.due_at < now)
    )


def xlsx(session: Session, orders: Iterable[WorkOrder], who: Who) -> bytes:
    departments, categories = department_names(session), category_paths(session)
    now = utcnow()
    from openpyxl import Workbook  # loaded on first use (a second of server start-up)

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("工单")
    ws.append(HEADERS)
    for n, order in enumerate(orders):
        if n >= MAX_ROWS:
            break
        o = order_out(order, who)
        ws.append(
            row(
                [
                    o.number,
                    zh(TYPE_ZH, o.type),
                    STATE_ZH[State(o.state)],
                    zh(URGENCY_ZH, o.urgency),
                    o.title,
                    o.content,
                    o.contact_name,
                    o.contact_phone,
                    o.district,
                    o.location,
                    departments.get(o.department_id) if o.department_id else None,
                    _local(o.created_at),
                    _local(o.due_at),
                    categories.get(o.category_id) if o.category_id else None,
                    zh(CHANNEL_ZH, o.channel),
                    _local(o.closed_at),
                    o.reply,
                    zh(SATISFACTION_ZH, o.satisfaction),
                    "是" if _overdue(order, now) else "否",
                ]
            )
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_orders(session: Session, who: Who, f: Filters, now: datetime) -> bytes:
    """The XLSX of the orders matching `f` in the reader's scope; the export (its filters) audited."""
    q = build(session, who, f, now)
    data = xlsx(session, q.rows(session, MAX_ROWS), who)
    record(session, who.actor, "workorder.export", "workorder", None, None, f.as_json())
    return data
