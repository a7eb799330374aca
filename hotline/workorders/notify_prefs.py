"""Each user's choice of work-order notifications by mail and SMS (通知设置).

The console bell always shows every notification in the user's scope; mail and SMS are off until
the user (or an administrator, for them) turns a kind on for a channel and gives the address:
a mail address for mail, a mainland mobile for SMS. Optional quiet hours (local time, may cross
midnight) hold mail and SMS back until they end; nothing is dropped. Who receives what follows the
bell's scope (`inbox.Reader.has_feed`): a department handler their department's notifications, a
supervisor (or administrator) the center's. Every change is audited, addresses masked in the log.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.errors import Conflict, Invalid
from hotline.masking import mask_phone
from hotline.people.models import User
from hotline.people.permissions import ROLE_PERMISSIONS
from hotline.people.phones import normalize_phone
from hotline.people.service import get_user
from hotline.schemas import StrictIn
from hotline.store.base import utcnow
from hotline.workorders.models import NotifySettings, NotifySubscription

# Notification kinds (`Notification.kind`) a user may have sent by mail or SMS, in display order.
EVENTS: dict[str, str] = {
    "dispatch": "派单",
    "reopened": "不满意重办",
    "returned": "退单",
    "supervision": "督办",
    "warning": "即将超期",
    "escalation": "超期升级",
}
# A returned order (退单) is the center's to re-dispatch: its department is not asked about it.
CENTER_ONLY = frozenset({"returned"})
CHANNELS = ("mail", "sms")
_MAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class NotifyPrefsIn(StrictIn):
    email: str | None = Field(None, max_length=254)
    mobile: str | None = Field(None, max_length=32)
    quiet_start: str | None = Field(None, pattern=_HHMM)
    quiet_end: str | None = Field(None, pattern=_HHMM)
    mail: list[str] = Field(default_factory=list, max_length=len(EVENTS))
    sms: list[str] = Field(default_factory=list, max_length=len(EVENTS))


def feed_roles() -> tuple[list[str], list[str]]:
    """(department roles, center roles): who sees a department's bell, who the center's."""
    dept = [
        r.value
        for r, p in ROLE_PERMISSIONS.items()
        if "workorders.handle" in p and "workorders.read" not in p
    ]
    center = [r.value for r, p in ROLE_PERMISSIONS.items() if "workorders.supervise" in p]
    return dept, center


def has_feed(user: User) -> bool:
    """The same scope as the bell: a handler of a department, or the center's supervisors."""
    dept, center = feed_roles()
    return user.role in center or (user.role in dept and user.department_id is not None)


def masked_email(value: str | None) -> str | None:
    if not value:
        return value
    name, _, domain = value.partition("@")
    return f"{name[:1]}***@{domain}"


def get(session: Session, user: User) -> dict[str, Any]:
    """The user's settings as the console edits them (their own addresses in full)."""
    row = session.get(NotifySettings, user.id)
    subs = {
        (c, e)
        for c, e in session.execute(
            select(NotifySubscription.channel, NotifySubscription.event).where(
                NotifySubscription.user_id == user.id
            )
        )
    }
    chosen = {c: [e for e in EVENTS if (c, e) in subs] for c in CHANNELS}
    return {
        "user_id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "has_feed": has_feed(user),
        "events": [{"key": k, "label": v} for k, v in EVENTS.items() if k in events_for(user)],
        "email": row.email if row else None,
        "mobile": row.mobile if row else None,
        "quiet_start": row.quiet_start if row else None,
        "quiet_end": row.quiet_end if row else None,
        "mail": chosen["mail"],
        "sms": chosen["sms"],
    }


def _audit_view(prefs: dict[str, Any]) -> dict[str, Any]:
    view = {k: prefs[k] for k in ("email", "mobile", "quiet_start", "quiet_end", "mail", "sms")}
    view["email"], view["mobile"] = masked_email(view["email"]), mask_phone(view["mobile"])
    return view


def events_for(user: User) -> list[str]:
    """The kinds this user may choose: a department's handlers are not offered the center's."""
    _, center = feed_roles()
    return [e for e in EVENTS if user.role in center or e not in CENTER_ONLY]


def _check(user: User, body: NotifyPrefsIn) -> tuple[str | None, str | None]:
    offered = events_for(user)
    for channel in CHANNELS:
        unknown = [e for e in getattr(body, channel) if e not in offered]
        if unknown:
            raise Invalid(f"unknown notification kind {unknown[0]!r}", f"未知的通知类型：{unknown[0]}")
    email = (body.email or "").strip() or None
    if email is not None and not _MAIL.match(email):
        raise Invalid("the mail address is not valid", "邮箱地址格式不正确")
    mobile = normalize_phone(body.mobile) if body.mobile else None
    if mobile is not None and not _MOBILE.match(mobile):
        raise Invalid("the mobile number must be an 11-digit mainland mobile", "手机号应为 11 位大陆手机号码")
    if body.mail and email is None:
        raise Invalid("mail notifications need a mail address", "开启邮件通知需填写邮箱地址")
    if body.sms and mobile is None:
        raise Invalid("SMS notifications need a mobile number", "开启短信通知需填写手机号码")
    if (body.quiet_start is None) != (body.quiet_end is None) or (
        body.quiet_start is not None and body.quiet_start == body.quiet_end
    ):
        raise Invalid("quiet hours need a different start and end", "免打扰时段需填写不同的开始和结束时间")
    return email, mobile


def put(session: Session, actor: Actor, user: User, body: NotifyPrefsIn) -> dict[str, Any]:
    """Replace the user's settings. Kinds kept on keep their subscription time (no backlog is
    sent for a kind just turned on: only notifications made after it)."""
    email, mobile = _check(user, body)
    before = get(session, user)
    now = utcnow()
    row = session.get(NotifySettings, user.id)
    if row is None:
        row = NotifySettings(user_id=user.id)
        session.add(row)
    row.email, row.mobile = email, mobile
    row.quiet_start, row.quiet_end = body.quiet_start, body.quiet_end
    row.updated_at = now
    wanted = {(c, e) for c in CHANNELS for e in getattr(body, c)}
    have = {(c, e) for c in CHANNELS for e in before[c]}
    for channel, event in have - wanted:
        session.execute(
            delete(NotifySubscription).where(
                NotifySubscription.user_id == user.id,
                NotifySubscription.channel == channel,
                NotifySubscription.event == event,
            )
        )
    for channel, event in sorted(wanted - have):
        session.add(NotifySubscription(user_id=user.id, event=event, channel=channel, created_at=now))
    session.flush()
    after = get(session, user)
    record(
        session, actor, "workorder_notify.settings", "user", user.id, _audit_view(before), _audit_view(after)
    )
    return after


def quiet_until(row: NotifySettings | None, now: datetime, tz: str) -> datetime | None:
    """When `now` (UTC) falls in the user's quiet hours: the UTC time they end; else None."""
    if row is None or not row.quiet_start or not row.quiet_end:
        return None
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    start, end = time.fromisoformat(row.quiet_start), time.fromisoformat(row.quiet_end)
    t = local.time().replace(tzinfo=None)
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(now.tzinfo)


def read(session: Session, user_id: int) -> dict[str, Any]:
    """`get` for the user with this id (404 when there is none)."""
    return get(session, get_user(session, user_id))


def update(session: Session, actor: Actor, user_id: int, body: NotifyPrefsIn) -> dict[str, Any]:
    """`put` for the user with this id; a user whose role gets no notifications is a 409."""
    user = get_user(session, user_id)
    if not has_feed(user):
        raise Conflict(
            f"role {user.role} gets no work-order notifications",
            "该用户的角色不接收工单通知（仅承办单位和班长座席/管理员接收）",
        )
    return put(session, actor, user, body)
