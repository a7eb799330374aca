"""Chinese labels of work-order codes (type, urgency, satisfaction, channel) and the readable names
of categories ("养老服务 / 居家养老") and departments, for exports and anything a person reads
outside the console (which has its own i18n tables). Codes never reach a spreadsheet."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.people.models import Department
from hotline.workorders.models import Category

TYPE_ZH = {
    "inquiry": "咨询",
    "help_request": "求助",
    "complaint": "投诉",
    "suggestion": "建议",
    "praise": "表扬",
    "report": "举报",
    "emergency": "紧急",
}
URGENCY_ZH = {"normal": "一般", "urgent": "紧急", "emergency": "特急"}
SATISFACTION_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
CHANNEL_ZH = {
    "phone": "电话",
    "mailbox": "邮件",
    "sms": "短信",
    "wechat": "微信",
    "web": "网上留言",
    "voicemail": "留言",
}


def zh(table: dict[str, str], code: str | None) -> str | None:
    """The label of `code`, or the code itself when it is new (better than a blank cell)."""
    return None if code is None else table.get(code, code)


def department_names(session: Session) -> dict[int, str]:
    return {i: n for i, n in session.execute(select(Department.id, Department.name))}


def category_paths(session: Session) -> dict[int, str]:
    """Category id -> "parent / child" path (the tree is small: a few hundred nodes at most)."""
    rows = {c.id: c for c in session.scalars(select(Category))}

    def path(cid: int) -> str:
        parts: list[str] = []
        c = rows.get(cid)
        for _ in range(6):  # bounded: a bad parent loop cannot hang an export
            if c is None:
                break
            parts.insert(0, c.name)
            c = rows.get(c.parent_id) if c.parent_id else None
        return " / ".join(parts)

    return {cid: path(cid) for cid in rows}
