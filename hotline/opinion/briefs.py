"""Daily and weekly opinion briefs (舆情日报/周报) as Excel and PDF (`briefpdf.py`), mailed to
subscribers.

A brief (`briefcontent.py`) covers one local (Asia/Shanghai) day, or one Monday-to-Sunday week: an
overview (items collected, new stories, high-risk items, alerts, incidents opened and closed, share
of negative items), the stories that spread most in the period, the high-risk items and the
incidents. It is due at 08:00 on the day after its period; the `opinion.briefs` job mails every subscriber the
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

from pydantic import Field
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.channels import mail_out
from hotline.channels.settings import ChannelSettings, get_channel_settings
from hotline.errors import HotlineError, NotFound
from hotline.exports import row
from hotline.opinion.briefcontent import LOCAL, Brief, content
from hotline.opinion.models import OpinionBriefRun, OpinionBriefSubscription
from hotline.schemas import StrictIn
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)
SEND_AT = time(8, 0)
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=10)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
Kind = Literal["daily", "weekly"]


class SubscriptionIn(StrictIn):
    email: str = Field(min_length=3, max_length=255, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    daily: bool = True
    weekly: bool = True


def due_period(kind: str, now: datetime) -> date:
    """The first day of the latest period whose brief is due at `now` (08:00 the day after)."""
    local = now.astimezone(LOCAL)
    today = local.date() if local.time() >= SEND_AT else local.date() - timedelta(days=1)
    if kind == "daily":
        return today - timedelta(days=1)
    return today - timedelta(days=today.weekday() + 7)


def workbook(session: Session, kind: str, first: date) -> bytes:
    """The brief as an .xlsx: 概况, 热点话题, 高风险条目, 舆情事件."""
    return write_workbook(content(session, kind, first))


def write_workbook(brief: Brief) -> bytes:
    """`brief` as an .xlsx (cells through `exports.row`: fetched text never becomes a formula)."""
    from openpyxl import Workbook  # loaded on first use (a second of server start-up)

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "概况"
    for line in ((brief.title, brief.span), *brief.overview):
        ws.append(row(line))
    for table in brief.tables:
        sheet = wb.create_sheet(table.title)
        sheet.append(list(table.headers))
        for values in table.rows:
            sheet.append(row(values))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def summary(brief: Brief) -> tuple[str, str]:
    """The mail's subject and text."""
    f, name = brief.figures, brief.title
    subject = f"【{name}】{brief.span}"
    text = (
        f"{name}（{brief.span}）\n新采集条目 {f['items']} 条，新话题 {f['stories']} 个，"
        f"高风险条目 {f['high_risk']} 条，告警 {f['alerts']} 次；新立舆情事件 {f['incidents_opened']} 件，"
        f"办结 {f['incidents_closed']} 件。\n详见附件（Excel、PDF）。"
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
        brief = content(s, kind, first)  # read once: the mail's text, the Excel and the PDF
    subject, text = summary(brief)
    data = write_workbook(brief)
    stem = f"opinion-{kind}-{first.isoformat()}"
    files: tuple[tuple[str, str, bytes], ...] = ((f"{stem}.xlsx", XLSX, data),)
    try:
        from hotline.opinion.briefpdf import brief_pdf  # fpdf2, loaded on first use

        files += ((f"{stem}.pdf", PDF, brief_pdf(brief)),)
    except HotlineError as exc:  # no CJK font here: the Excel still goes out
        log.warning("opinion brief %s goes without its PDF: %s", run_id, exc.detail)
    error = None
    try:
        msgid = make_msgid(domain=settings.mailbox_address.split("@")[-1])
        mail_out.send_notice(settings, to, subject, text, msgid, attachments=files)
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
