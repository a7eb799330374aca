"""The words of a work-order notification sent by mail or SMS to a member of staff (Chinese).

Each carries the order number, its title, the deadline of the step the notification is about and
a link to the order in the console. No citizen's personal data leaves by these channels: the title
has mobiles and ID numbers masked (`mask_text`), a confidential order's title is not sent at all,
and neither the citizen's name, phone, address nor the order's content is ever included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.masking import mask_text
from hotline.workorders.models import Notification, WorkOrder

SIGNATURE = "【民政服务热线】"
TITLE_MAX = 30  # characters of the title in an SMS (the whole message stays within ~3 parts)
# kind -> (label, what happened)
WHAT: dict[str, tuple[str, str]] = {
    "dispatch": ("新派单", "已派至贵单位，请及时签收办理"),
    "reopened": ("不满意重办", "市民对答复不满意，已退回重办"),
    "returned": ("退单待处理", "承办单位已退单，请重新派单"),
    "supervision": ("督办", "已被督办，请尽快办理"),
    "warning": ("即将超期", "当前环节即将超期，请抓紧办理"),
    "escalation": ("超期升级", "已超期未办结，已升级督办"),
}


@dataclass(frozen=True)
class Message:
    subject: str
    sms: str
    mail: str


def _title(order: WorkOrder) -> str:
    return "（保密工单，标题不外发）" if order.confidential else mask_text(order.title.strip())


def _when(at: datetime | None, tz: str, full: bool) -> str:
    if at is None:
        return "无"
    local = at.astimezone(ZoneInfo(tz))
    return local.strftime("%Y-%m-%d %H:%M（北京时间）" if full else "%m月%d日%H:%M")


def compose(order: WorkOrder, note: Notification, console_url: str, tz: str) -> Message:
    label, what = WHAT.get(note.kind, ("工单通知", "有新的动态"))
    link = f"{console_url.rstrip('/')}/workorders/{order.id}"
    title = _title(order)
    short = title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"
    sms = (
        f"{SIGNATURE}{label}：工单{order.number}「{short}」{what}，"
        f"时限{_when(note.due_at, tz, full=False)}。详情：{link}"
    )
    mail = "\n".join(
        [
            "您好：",
            "",
            f"工单 {order.number} {what}。",
            "",
            f"通知类型：{label}",
            f"工单编号：{order.number}",
            f"工单标题：{title}",
            f"当前环节时限：{_when(note.due_at, tz, full=True)}",
            f"查看工单：{link}",
            "",
            "此邮件由民政服务热线系统自动发送，请勿直接回复。如需调整通知方式，请在控制台“通知设置”中修改。",
        ]
    )
    subject = f"{SIGNATURE}{label}：工单 {order.number}"
    return Message(subject, sms, mail)
