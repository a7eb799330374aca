"""Excel export of a filtered order list (openpyxl write-only mode, so memory stays flat), with the
same masking as the API: the rows go through `schemas.order_out` for the reader, and every cell
through `hotline.exports` (citizens' text never becomes a live formula)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook

from hotline.exports import row
from hotline.workorders.calendar import LOCAL
from hotline.workorders.models import WorkOrder
from hotline.workorders.schemas import order_out
from hotline.workorders.service import Who
from hotline.workorders.states import STATE_ZH, State

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
    "当前时限",
]


def xlsx(orders: Iterable[WorkOrder], who: Who) -> bytes:
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
                    o.type,
                    STATE_ZH[State(o.state)],
                    o.urgency,
                    o.title,
                    o.content,
                    o.contact_name,
                    o.contact_phone,
                    o.district,
                    o.location,
                    o.department_id,
                    o.created_at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"),
                    o.due_at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if o.due_at else None,
                ]
            )
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
