"""CSV of a rollup's rows for a period (every rollup, keyed as stored: 0 / "" mean none), for
the bureau's own BI tools; UTF-8 with a BOM so Excel reads the Chinese headers."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.analytics.periods import Period
from hotline.analytics.reports import ROLLUPS
from hotline.errors import NotFound
from hotline.exports import cell

HEADERS_ZH = {
    "day": "日期",
    "slot": "半小时段",
    "hour": "小时",
    "queue": "队列",
    "agent_id": "座席",
    "offered": "呼入",
    "entered": "进线(中心)",
    "answered": "接通",
    "answered_15s": "15秒内接通",
    "abandoned": "放弃",
    "short_abandoned": "短时放弃",
    "lost": "溢出未接",
    "lost_center": "溢出未接(中心)",
    "callbacks": "回呼",
    "completed": "完成",
    "wait_total": "等待总秒数",
    "talk_total": "通话总秒数",
    "category_id": "分类",
    "district": "区县",
    "department_id": "承办单位",
    "channel": "渠道",
    "state": "状态",
    "orders": "工单数",
    "closed": "办结",
    "closed_on_time": "按时办结",
    "supervised": "督办",
    "visited": "已回访",
    "satisfied": "满意",
    "received": "签收",
    "received_on_time": "按时签收",
    "replied": "答复",
    "replied_on_time": "按时答复",
    "extended": "延期",
    "returned": "退单",
}


def rollup_csv(session: Session, name: str, period: Period) -> str:
    rollup = ROLLUPS.get(name)
    if rollup is None:
        raise NotFound(f"no rollup {name!r} (calls, call_hours, orders)", f"没有名为 {name} 的汇总表")
    table = rollup.table.__table__
    columns = [c.name for c in table.columns]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([f"{HEADERS_ZH.get(c, c)}({c})" for c in columns])
    stmt = (
        select(table)
        .where(table.c.day >= period.first, table.c.day <= period.last)
        .order_by(*table.primary_key)
    )
    for row in session.execute(stmt):
        writer.writerow([cell(v.isoformat() if hasattr(v, "isoformat") else v) for v in row])
    return out.getvalue()
