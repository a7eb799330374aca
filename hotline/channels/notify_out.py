"""Work-order notifications delivered by mail and SMS to the staff who asked for them.

`queue_due` turns each recent notification (`workorder_notifications`, made by dispatch,
supervision, the deadline sweep...) into one outbox row per (notification, user, channel) for
every user in its scope (the bell's: the order's department for handlers, the whole center for
supervisors) who had subscribed to its kind on that channel before it was made (no backlog for
a new subscriber); one INSERT ... SELECT, and the unique key means nothing is queued twice.
`send_due` delivers what is due: each row is first claimed (`sending`, committed) and only then
sent, so a crash or restart mid-send leaves it `sending`, and the next run settles it as
`unknown` instead of sending it again (an operator may retry it). A failed try backs off
exponentially; `dead` after the last (the states are a table: `notify_states.py`). Just
before sending, a row that no longer applies (unsubscribed, user inactive or moved out of scope,
order ended) is `skipped`, and one inside the user's quiet hours waits until they end.

Here, beside the other outboxes that use the channels' senders (`replies.py`, `mail_out.py`,
`sms_out.py`), rather than in the work-orders package: channels build on work orders, never the
other way round. What a user subscribed to is `hotline.workorders.notify_prefs`.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, case, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.audit.service import SYSTEM, Actor, record
from hotline.bus import Event
from hotline.channels import mail_out, sms_out
from hotline.channels.notify_states import TABLE, Status, Step, sources
from hotline.channels.settings import ChannelSettings, get_channel_settings
from hotline.config import get_settings
from hotline.errors import NotFound
from hotline.masking import mask_phone
from hotline.people.models import User
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.workorders import notify_prefs, notify_text
from hotline.workorders.models import (
    Notification,
    NotifyDelivery,
    NotifySettings,
    NotifySubscription,
    WorkOrder,
)
from hotline.workorders.states import TERMINAL

log = logging.getLogger(__name__)
LOOK_BACK = timedelta(days=1)  # an older notification is news no longer
LATE_MARGIN = 1000  # notification ids
STALE_SENDING = timedelta(minutes=5)  # a claim older than this was a process that stopped


class Failed(Exception):
    """This try did not go out (relay or gateway down, refused); retried with back-off."""


def _recipients(now: datetime, floor: int) -> Any:
    """(notification, user, channel, recipient) for every opted-in user in scope, not yet queued."""
    dept_roles, center_roles = notify_prefs.feed_roles()
    recipient = case(
        (NotifySubscription.channel == "mail", NotifySettings.email), else_=NotifySettings.mobile
    )
    queued = (
        select(NotifyDelivery.id)
        .where(
            NotifyDelivery.notification_id == Notification.id,
            NotifyDelivery.user_id == User.id,
            NotifyDelivery.channel == NotifySubscription.channel,
        )
        .exists()
    )
    return (
        select(
            Notification.id,
            User.id,
            NotifySubscription.channel,
            recipient,
            literal("queued"),
            literal(0),
            literal(now, NotifyDelivery.created_at.type),
        )
        .select_from(NotifySubscription)
        .join(User, User.id == NotifySubscription.user_id)
        .join(NotifySettings, NotifySettings.user_id == User.id)
        .join(
            Notification,
            and_(
                Notification.kind == NotifySubscription.event,
                Notification.created_at >= NotifySubscription.created_at,
                Notification.created_at > now - LOOK_BACK,
                Notification.id > floor,
            ),
        )
        .where(
            User.active.is_(True),
            or_(
                User.role.in_(center_roles),
                and_(User.role.in_(dept_roles), User.department_id == Notification.department_id),
            ),
            recipient.is_not(None),
            recipient != "",
            ~queued,
        )
    )


def queue_due(db: Database, now: datetime | None = None) -> int:
    """Queue a delivery for each new notification × subscribed user × channel; returns how many."""
    now = now or utcnow()
    with db.session() as s:
        cols = ["notification_id", "user_id", "channel", "recipient", "status", "attempts", "created_at"]
        # RETURNING, not rowcount: the drivers disagree on rowcount for INSERT ... SELECT.
        # Scan from just before the newest notification already queued (a primary-key range, not
        # the whole day's notifications each run); the margin catches ones committed late.
        floor = (s.scalar(select(func.max(NotifyDelivery.notification_id))) or 0) - LATE_MARGIN
        stmt = insert(NotifyDelivery).from_select(cols, _recipients(now, floor)).returning(NotifyDelivery.id)
        try:
            with s.begin_nested():
                n = len(s.execute(stmt).all())
        except IntegrityError:
            # Another worker queued the same rows meanwhile (a lapsed lease): theirs stand.
            log.info("notification deliveries queued concurrently; leaving them to the other run")
            return 0
        if n:
            record(s, SYSTEM, "workorder_notify.queue", "workorder_notify_out", None, None, {"queued": n})
    return n


def _view(d: NotifyDelivery) -> dict[str, Any]:
    """What the audit log keeps of a row: no text (it is the order's), the address masked."""
    return {
        "delivery_id": d.id,
        "notification_id": d.notification_id,
        "user_id": d.user_id,
        "channel": d.channel,
        "recipient": mask_phone(d.recipient)
        if d.channel == "sms"
        else notify_prefs.masked_email(d.recipient),
        "status": d.status,
        "attempts": d.attempts,
        "error": d.error,
    }


def _settle(s: Session, d: NotifyDelivery, actor: Actor, before: dict[str, Any]) -> None:
    s.flush()
    record(s, actor, f"workorder_notify.{d.status}", "workorder_notify_out", d.id, before, _view(d))


def recover(db: Database, now: datetime | None = None) -> int:
    """Rows left `sending` by a process that stopped: `unknown`, never sent again by the job."""
    now = now or utcnow()
    with db.session() as s:
        rows = list(
            s.scalars(
                select(NotifyDelivery).where(
                    NotifyDelivery.status == "sending", NotifyDelivery.claimed_at < now - STALE_SENDING
                )
            )
        )
        for d in rows:
            before = _view(d)
            d.status, d.next_attempt_at = TABLE.next(Status(d.status), Step.interrupt), None
            d.error = "sending was interrupted (process stopped): it may have gone out, so it is not resent"
            _settle(s, d, SYSTEM, before)
    return len(rows)


def _why_not(s: Session, d: NotifyDelivery, note: Notification, order: WorkOrder | None) -> str | None:
    """Why this row no longer applies, or None."""
    user = s.get(User, d.user_id)
    if user is None or not user.active:
        return "the user is inactive"
    subscribed = s.get(NotifySubscription, (d.user_id, note.kind, d.channel))
    if subscribed is None:
        return "the user turned this notification off"
    if order is None or order.state in TERMINAL:
        return "the order has ended"
    if not notify_prefs.has_feed(user) or (
        user.role in notify_prefs.feed_roles()[0] and user.department_id != order.department_id
    ):
        return "the order is outside the user's scope"
    return None


def _claim(
    db: Database, delivery_id: int, now: datetime, cfg: ChannelSettings, tz: str
) -> NotifyDelivery | None:
    """Decide and claim one row in its own committed transaction; the row to send, or None."""
    with db.session() as s:
        d = s.get(NotifyDelivery, delivery_id)
        if d is None or not TABLE.can(Status(d.status), Step.claim):
            return None
        note = s.get(Notification, d.notification_id)
        order = s.get(WorkOrder, note.workorder_id) if note is not None else None
        before = _view(d)
        why = "the notification is gone" if note is None else _why_not(s, d, note, order)
        if why is not None:
            d.status, d.error, d.next_attempt_at = TABLE.next(Status(d.status), Step.skip), why, None
            _settle(s, d, SYSTEM, before)
            return None
        assert note is not None and order is not None
        until = notify_prefs.quiet_until(s.get(NotifySettings, d.user_id), now, tz)
        if until is not None:
            # Quiet hours: a wait, not an attempt (only the time of the next look changes).
            d.next_attempt_at = until
            return None
        msg = notify_text.compose(order, note, cfg.console_url or _default_url(), tz)
        claimed = s.execute(
            update(NotifyDelivery)
            .where(NotifyDelivery.id == d.id, NotifyDelivery.status.in_(sources(Step.claim)))
            .values(
                status=Status.sending.value,
                attempts=NotifyDelivery.attempts + 1,
                claimed_at=now,
                subject=msg.subject if d.channel == "mail" else None,
                text=msg.mail if d.channel == "mail" else msg.sms,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return None  # another worker took it
        s.flush()
        s.refresh(d)
        s.expunge(d)
        return d


def _default_url() -> str:
    settings = get_settings()
    return f"http://{settings.http_host}:{settings.http_port}"


def _deliver(d: NotifyDelivery, cfg: ChannelSettings, client: httpx.Client) -> str:
    """Send one claimed row; returns the far end's reference. Raises Failed."""
    text = d.text or ""
    if d.channel == "sms":
        if not cfg.sms_gateway_url:
            raise Failed("no SMS gateway configured")
        ref = f"notify-{d.id}"
        why = sms_out.post(cfg, client, ref, d.recipient, text)
        if why is not None:
            raise Failed(why)
        return ref
    domain = cfg.mailbox_address.split("@")[-1]
    try:
        return mail_out.send_notice(cfg, d.recipient, d.subject or "", text, f"<notify-{d.id}@{domain}>")
    except (OSError, smtplib.SMTPException) as exc:
        raise Failed(f"mail relay: {exc}") from exc


def send_one(
    db: Database, delivery_id: int, cfg: ChannelSettings, client: httpx.Client, now: datetime
) -> bool:
    tz = get_settings().timezone
    d = _claim(db, delivery_id, now, cfg, tz)
    if d is None:
        return False
    error = None
    ref = None
    try:
        ref = _deliver(d, cfg, client)
    except Failed as exc:
        error = str(exc)[:2000]
    with db.session() as s:
        row = s.get(NotifyDelivery, delivery_id)
        if row is None or row.status != Status.sending:
            return False
        before = _view(row)
        if error is None:
            row.status = TABLE.next(Status.sending, Step.succeed)
            row.sent_at, row.error, row.external_ref = now, None, (ref or "")[:255]
            row.next_attempt_at = None
        elif row.attempts >= cfg.reply_max_attempts:
            row.status, row.error, row.next_attempt_at = TABLE.next(Status.sending, Step.give_up), error, None
        else:
            delay = min(cfg.reply_retry_base_s * 2 ** (row.attempts - 1), cfg.reply_retry_max_s)
            row.status, row.error = TABLE.next(Status.sending, Step.fail), error
            row.next_attempt_at = now + timedelta(seconds=delay)
        _settle(s, row, SYSTEM, before)
        return row.status == Status.sent


def send_due(db: Database, now: datetime | None = None, settings: ChannelSettings | None = None) -> int:
    """Send queued rows and failed ones whose retry is due; returns how many went out."""
    cfg = settings or get_channel_settings()
    now = now or utcnow()
    recover(db, now)
    with db.session() as s:
        ids = list(
            s.scalars(
                select(NotifyDelivery.id)
                .where(
                    NotifyDelivery.status.in_(sources(Step.claim)),
                    or_(NotifyDelivery.next_attempt_at.is_(None), NotifyDelivery.next_attempt_at <= now),
                )
                .order_by(NotifyDelivery.id)
                .limit(100)
            )
        )
    if not ids:
        return 0
    with httpx.Client(timeout=10) as client:
        return sum(send_one(db, i, cfg, client, now) for i in ids)


def run(db: Database, now: datetime | None = None, settings: ChannelSettings | None = None) -> int:
    """The job: queue new deliveries, then send what is due."""
    queue_due(db, now)
    return send_due(db, now, settings)


class Nudge:
    """A bus handler that runs the outbox as soon as a notification was made (a dispatch, a
    supervision, a deadline stage), so mail and SMS leave within seconds, not at the job's next
    run. One run at a time per process, and one more if nudged meanwhile; the periodic job stays
    the safety net (and the claim makes concurrent runs safe: a row is sent by one of them)."""

    def __init__(self, db: Database, settings: ChannelSettings | None = None) -> None:
        self.db = db
        self.settings = settings
        self._running = False
        self._again = False

    async def __call__(self, event: Event) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        try:
            while True:
                self._again = False
                await asyncio.to_thread(run, self.db, None, self.settings)
                if not self._again:
                    break
        except Exception:
            log.exception("notification outbox run after %s failed; the job will retry", event.topic)
        finally:
            self._running = False


def page(session: Session, status: str | None, before: int | None, limit: int) -> list[dict[str, Any]]:
    """One page of deliveries for operators, newest first by id (`before`: the last id shown),
    each with its order's number, the notification's kind and the user; addresses masked."""
    stmt = (
        select(NotifyDelivery, Notification.kind, WorkOrder.id, WorkOrder.number, User.username)
        .join(Notification, Notification.id == NotifyDelivery.notification_id)
        .join(WorkOrder, WorkOrder.id == Notification.workorder_id)
        .join(User, User.id == NotifyDelivery.user_id)
        .order_by(NotifyDelivery.id.desc())
        .limit(limit)
    )
    if status:
        stmt = stmt.where(NotifyDelivery.status == status)
    if before:
        stmt = stmt.where(NotifyDelivery.id < before)
    return [
        {
            "id": d.id,
            **_view(d),
            "kind": kind,
            "workorder_id": order_id,
            "number": number,
            "username": username,
            "created_at": d.created_at,
            "sent_at": d.sent_at,
            "next_attempt_at": d.next_attempt_at,
        }
        for d, kind, order_id, number, username in session.execute(stmt).all()
    ]


def retry(session: Session, actor: Actor, delivery_id: int) -> dict[str, Any]:
    """An operator sends a dead, unknown or failed row again (on the next run, from attempt 1)."""
    d = session.get(NotifyDelivery, delivery_id)
    if d is None:
        raise NotFound(f"delivery {delivery_id} not found", f"通知发送记录 {delivery_id} 不存在")
    before = _view(d)
    d.status = TABLE.next(Status(d.status), Step.retry)
    d.attempts, d.next_attempt_at, d.error = 0, None, None
    session.flush()
    record(session, actor, "workorder_notify.retry", "workorder_notify_out", d.id, before, _view(d))
    return _view(d)
