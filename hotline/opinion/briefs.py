"""Daily and weekly opinion briefs (舆情日报/周报) as Excel, mailed to subscribers.

A brief covers one local (Asia/Shanghai) day, or one Monday-to-Sunday week: an overview (items
collected, new stories, high-risk items, alerts, incidents opened and closed, share of negative
items), the stories that spread most in the period, the high-risk items and the incidents. It is
due at 08:00 on the day after its period; the `opinion.briefs` job mails every subscriber the
briefs due (claimed as an `opinion_brief_runs` row committed before the mail goes out, unique per
subscriber × kind × period, so a restart or a second node never mails one twice; a failed send is
retried with back-off, at most `MAX_ATTEMPTS` times). Cells go through `hotline.exports.cell`
(no formulas from fetched text). Subscriptions are audited writes.
"""

from __future__ import annotations

import io
import logging
import smtplib
from datetime import date, datetime, time, timedelta
from email.utils import make_msgid
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.channels import mail_out
from hotline.channels.settings import ChannelSettings, get_channel_settings
from hotline.errors import Invalid, NotFound
from hotline.exports import row
from hotline.opinion.models import (
    OpinionAlert,
    OpinionBriefRun,
    OpinionBriefSubscription,
    OpinionGroup,
    OpinionIncident,
    OpinionItem,
    OpinionSource,
)
from hotline.opinion.risk import HIGH
from hotline.schemas import StrictIn
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)
LOCAL = ZoneInfo("Asia/Shanghai")
SEND_AT = time(8, 0)
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=10)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Kind = Literal["daily", "weekly"]
NAME_ZH = {"daily": "舆情日报", "weekly": "舆情周报"}


class SubscriptionIn(StrictIn):
    email: str = Field(min_length=3, max_length=255, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    daily: bool = True
    weekly: bool = True


def period(kind: str, first: date) -> tuple[date, date]:
    """The period starting `first` (a week starts on a Monday)."""
    if kind == "weekly":
        if first.weekday() != 0:
            raise Invalid("a weekly brief starts on a Monday", "周报须从周一开始")
        return first, first + timedelta(days=6)
    return first, first


def due_period(kind: str, now: datetime) -> date:
    """The first day of the latest period whose brief is due at `now` (08:00 the day after)."""
    local = now.astimezone(LOCAL)
    today = local.date() if local.time() >= SEND_AT else local.date() - timedelta(days=1)
    if kind == "daily":
        return today - timedelta(days=1)
    return today - timedelta(days=today.weekday() + 7)


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(first, time.min, LOCAL),
        datetime.combine(last + timedelta(days=1), time.min, LOCAL),
    )


def _when(at: datetime | None) -> str:
    return at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if at else ""


def figures(session: Session, first: date, last: date) -> dict[str, Any]:
    lo, hi = _bounds(first, last)
    in_period = (OpinionItem.fetched_at >= lo) & (OpinionItem.fetched_at < hi)
    items = int(session.scalar(select(func.count()).where(in_period)) or 0)
    negative = int(session.scalar(select(func.count()).where(in_period, OpinionItem.negative >= 0.5)) or 0)
    return {
        "items": items,
        "negative_share": round(negative / items, 3) if items else 0.0,
        "stories": int(
            session.scalar(
                select(func.count()).where(OpinionGroup.first_seen >= lo, OpinionGroup.first_seen < hi)
            )
            or 0
        ),
        "high_risk": int(
            session.scalar(select(func.count()).where(in_period, OpinionItem.risk >= HIGH)) or 0
        ),
        "alerts": int(
            session.scalar(
                select(func.count()).where(OpinionAlert.raised_at >= lo, OpinionAlert.raised_at < hi)
            )
            or 0
        ),
        "incidents_opened": int(
            session.scalar(
                select(func.count()).where(OpinionIncident.created_at >= lo, OpinionIncident.created_at < hi)
            )
            or 0
        ),
        "incidents_closed": int(
            session.scalar(
                select(func.count()).where(OpinionIncident.closed_at >= lo, OpinionIncident.closed_at < hi)
            )
            or 0
        ),
    }


def workbook(session: Session, kind: str, first: date) -> bytes:
    """The brief as an .xlsx: 概况, 热点话题, 高风险条目, 舆情事件."""
    first, last = period(kind, first)
    lo, hi = _bounds(first, last)
    f = figures(session, first, last)
    from openpyxl import Workbook  # loaded on first use (a second of server start-up)

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "概况"
    span = first.isoformat() if first == last else f"{first.isoformat()} 至 {last.isoformat()}"
    for line in (
        (NAME_ZH.get(kind, kind), span),
        ("新采集条目", f["items"]),
        ("负面条目占比", f["negative_share"]),
        ("新话题", f["stories"]),
        ("高风险条目", f["high_risk"]),
        ("告警", f["alerts"]),
        ("新立舆情事件", f["incidents_opened"]),
        ("办结舆情事件", f["incidents_closed"]),
    ):
        ws.append(row(line))
    in_period = (OpinionItem.fetched_at >= lo) & (OpinionItem.fetched_at < hi)
    hot = wb.create_sheet("热点话题")
    hot.append(["话题", "期内条数", "累计传播", "最高风险", "首次发现"])
    stories = session.execute(
        select(OpinionGroup, func.count(OpinionItem.id), func.max(OpinionItem.risk))
        .join(OpinionItem, OpinionItem.group_id == OpinionGroup.id)
        .where(in_period)
        .group_by(OpinionGroup.id)
        .order_by(func.count(OpinionItem.id).desc(), OpinionGroup.id)
        .limit(20)
    ).all()
    for group, count, risk in stories:
        hot.append(
            row((group.title, int(count), group.size, round(float(risk or 0), 1), _when(group.first_seen)))
        )
    risky = wb.create_sheet("高风险条目")
    risky.append(["采集时间", "来源", "标题", "风险", "负面概率", "敏感词", "链接"])
    for item, source in session.execute(
        select(OpinionItem, OpinionSource.name)
        .join(OpinionSource, OpinionSource.id == OpinionItem.source_id)
        .where(in_period, OpinionItem.risk >= HIGH)
        .order_by(OpinionItem.risk.desc(), OpinionItem.id)
        .limit(200)
    ).all():
        risky.append(
            row(
                (
                    _when(item.fetched_at), source, item.title, round(item.risk, 1), round(item.negative, 3),
                    "、".join(item.risk_terms or []), item.url,
                )
            )
        )  # fmt: skip
    events = wb.create_sheet("舆情事件")
    events.append(["标题", "级别", "状态", "发现时间", "办结时间"])
    for inc in session.scalars(
        select(OpinionIncident)
        .where(
            or_(
                (OpinionIncident.created_at >= lo) & (OpinionIncident.created_at < hi),
                (OpinionIncident.closed_at >= lo) & (OpinionIncident.closed_at < hi),
            )
        )
        .order_by(OpinionIncident.id)
    ):
        events.append(row((inc.title, inc.level, inc.state, _when(inc.created_at), _when(inc.closed_at))))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def summary(session: Session, kind: str, first: date) -> tuple[str, str]:
    """The mail's subject and text."""
    first, last = period(kind, first)
    f = figures(session, first, last)
    span = first.isoformat() if first == last else f"{first.isoformat()} 至 {last.isoformat()}"
    subject = f"【{NAME_ZH[kind]}】{span}"
    text = (
        f"{NAME_ZH[kind]}（{span}）\n新采集条目 {f['items']} 条，新话题 {f['stories']} 个，"
        f"高风险条目 {f['high_risk']} 条，告警 {f['alerts']} 次；新立舆情事件 {f['incidents_opened']} 件，"
        f"办结 {f['incidents_closed']} 件。\n详见附件 Excel。"
    )
    return subject, text


def subscribe(session: Session, actor: Actor, data: SubscriptionIn) -> dict[str, Any]:
    sub = OpinionBriefSubscription(email=data.email, daily=data.daily, weekly=data.weekly)
    session.add(sub)
    session.flush()
    record(
        session, actor, "opinion.brief_subscribe", "opinion_brief_subscription", sub.id, None, snapshot(sub)
    )
    return subscription_out(sub)


def unsubscribe(session: Session, actor: Actor, sub_id: int) -> None:
    sub = session.get(OpinionBriefSubscription, sub_id)
    if sub is None:
        raise NotFound("subscription not found", "订阅不存在")
    record(
        session, actor, "opinion.brief_unsubscribe", "opinion_brief_subscription", sub.id, snapshot(sub), None
    )
    session.delete(sub)


def subscription_out(sub: OpinionBriefSubscription) -> dict[str, Any]:
    return {"id": sub.id, "email": sub.email, "daily": sub.daily, "weekly": sub.weekly}


def subscriptions(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(OpinionBriefSubscription).order_by(OpinionBriefSubscription.id))
    return [subscription_out(s) for s in rows]


def _claim(db: Database, sub_id: int, kind: str, first: date, now: datetime) -> int | None:
    """A new run for this subscriber and period, committed before sending; None if one exists."""
    try:
        with db.session() as s:
            run = OpinionBriefRun(subscription_id=sub_id, kind=kind, period_first=first, created_at=now)
            s.add(run)
            s.flush()
            return run.id
    except IntegrityError:
        return None


def _retry_claim(db: Database, now: datetime) -> list[int]:
    """Failed runs whose retry is due, taken by a conditional update (one node wins each)."""
    with db.session() as s:
        due = list(
            s.scalars(
                select(OpinionBriefRun.id).where(
                    OpinionBriefRun.status == "failed", OpinionBriefRun.next_try_at <= now
                )
            )
        )
    won = []
    for run_id in due:
        with db.session() as s:
            res = s.execute(
                update(OpinionBriefRun)
                .where(OpinionBriefRun.id == run_id, OpinionBriefRun.status == "failed")
                .values(status="sending", attempts=OpinionBriefRun.attempts + 1, next_try_at=None)
            )
            if res.rowcount:  # type: ignore[attr-defined]
                won.append(run_id)
    return won


def _send(db: Database, run_id: int, now: datetime, settings: ChannelSettings) -> str:
    with db.session() as s:
        run = s.get(OpinionBriefRun, run_id)
        assert run is not None
        sub = s.get(OpinionBriefSubscription, run.subscription_id)
        kind, first, attempts = run.kind, run.period_first, run.attempts
        to = sub.email if sub else ""
        subject, text = summary(s, kind, first)
        data = workbook(s, kind, first)
    error = None
    try:
        msgid = make_msgid(domain=settings.mailbox_address.split("@")[-1])
        name = f"opinion-{kind}-{first.isoformat()}.xlsx"
        mail_out.send_notice(settings, to, subject, text, msgid, attachments=((name, XLSX, data),))
    except (OSError, smtplib.SMTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning("opinion brief %s failed (attempt %s): %s", run_id, attempts, error)
    with db.session() as s:
        run = s.get(OpinionBriefRun, run_id)
        assert run is not None
        if error is None:
            run.status, run.sent_at, run.error = "sent", utcnow(), None
        else:
            run.status, run.error = "failed", error
            run.next_try_at = now + RETRY_BASE * 2 ** (attempts - 1) if attempts < MAX_ATTEMPTS else None
        return run.status


def deliver_due(db: Database, now: datetime | None = None, settings: ChannelSettings | None = None) -> int:
    """Mail every brief due at `now` that a subscriber has not had; retry failed ones that are due.
    Returns how many mails went out."""
    now = now or utcnow()
    settings = settings or get_channel_settings()
    with db.session() as s:
        subs = [(x.id, x.daily, x.weekly) for x in s.scalars(select(OpinionBriefSubscription))]
    claimed = []
    for sub_id, daily, weekly in subs:
        for kind, wanted in (("daily", daily), ("weekly", weekly)):
            if wanted:
                run_id = _claim(db, sub_id, kind, due_period(kind, now), now)
                if run_id is not None:
                    claimed.append(run_id)
    claimed += _retry_claim(db, now)
    return sum(_send(db, run_id, now, settings) == "sent" for run_id in claimed)


def job(db: Database, now: datetime) -> None:
    deliver_due(db, now)
