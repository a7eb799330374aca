"""Alerts to the people on duty: faults raised from bus events and checks, de-duplicated, sent by
SMS (the channels' signed gateway), mail (`send_notice`) and WeChat template messages (the WeChat
channel's client, `wechat_out.send_template`, to staff following the official account), escalated
to the duty leader when nobody acknowledges them in time, and a recovery notice when the fault clears.

`raise_alert` keeps one open alert per key (a trunk, "disk", "recordings"): a fault seen again
counts a repeat. `deliver` (the `contingency.deliver_alerts` job) sends what is due: new alerts to
the people on duty, unacknowledged ones past `escalate_after_seconds` to the leader too, recoveries
of alerts that went out; each send is stamped in the row before the next, so a restart never
sends a copy. What raises them: `trunk.failed` (trunk down) / `trunk.recovered`,
`call.recording_failed`, and `check` (disk nearly full, the job runner stalled).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import SYSTEM, Actor, record, snapshot
from hotline.audit.writes import audited_update
from hotline.bus import publish_on_commit
from hotline.channels import mail_out, sms_out, wechat_out
from hotline.channels.settings import ChannelSettings
from hotline.contingency.alert_settings import AlertSettings
from hotline.contingency.models import ContingencyAlert
from hotline.contingency.topics import AlertRaised
from hotline.errors import Conflict, NotFound
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)
PREFIX = "【热线告警】"
CONFIRM = "请在控制台“应急模式 › 告警”中确认，未确认将升级至值班长。"


def raise_alert(
    session: Session, kind: str, key: str, text: str, now: datetime | None = None
) -> ContingencyAlert | None:
    """A new open alert, or None when one for `key` is open already (its repeat is counted)."""
    now = now or utcnow()
    open_one = session.scalars(
        select(ContingencyAlert).where(ContingencyAlert.key == key, ContingencyAlert.status != "resolved")
    ).first()
    if open_one is not None:
        open_one.repeats += 1
        open_one.last_seen_at = now
        return None
    row = ContingencyAlert(kind=kind, key=key, text=text, raised_at=now, last_seen_at=now)
    session.add(row)
    session.flush()
    record(session, SYSTEM, "raise", "contingency_alert", row.id, None, snapshot(row))
    publish_on_commit(session, AlertRaised(alert_id=row.id, kind=kind, key=key, text=text))
    return row


def resolve(session: Session, key: str, now: datetime | None = None) -> int:
    """The fault behind `key` cleared: its open alert is resolved (a recovery notice follows)."""
    rows = list(
        session.scalars(
            select(ContingencyAlert).where(ContingencyAlert.key == key, ContingencyAlert.status != "resolved")
        )
    )
    for row in rows:
        with audited_update(
            session, SYSTEM, row, row.version, "alert", "contingency_alert", "resolve"
        ) as edit:
            edit.apply({"status": "resolved", "resolved_at": now or utcnow()})
    return len(rows)


def acknowledge(session: Session, actor: Actor, alert_id: int, version: int) -> ContingencyAlert:
    row = session.get(ContingencyAlert, alert_id)
    if row is None:
        raise NotFound(f"no alert {alert_id}", f"告警 {alert_id} 不存在")
    if row.status != "open":
        raise Conflict("the alert is not open", "该告警不是待处理状态")
    with audited_update(session, actor, row, version, "alert", "contingency_alert", "acknowledge") as edit:
        edit.apply({"status": "acknowledged", "acknowledged_by": actor.id, "acknowledged_at": utcnow()})
    return row


def recent(session: Session, limit: int = 50) -> list[ContingencyAlert]:
    return list(session.scalars(select(ContingencyAlert).order_by(ContingencyAlert.id.desc()).limit(limit)))


@dataclass(frozen=True)
class Recipients:
    """Who one send goes to, on each channel."""

    mobiles: list[str]
    mails: list[str]
    openids: list[str] = field(default_factory=list)

    @classmethod
    def duty(cls, s: AlertSettings) -> Recipients:
        return cls(s.duty_mobiles, s.duty_mails, s.duty_openids)

    @classmethod
    def leader(cls, s: AlertSettings) -> Recipients:
        return cls(s.leader_mobiles, s.leader_mails, s.leader_openids)

    def __add__(self, other: Recipients) -> Recipients:
        return Recipients(
            self.mobiles + other.mobiles, self.mails + other.mails, self.openids + other.openids
        )


def _send(
    channels: ChannelSettings,
    client: httpx.Client,
    ref: str,
    to: Recipients,
    text: str,
    template_id: str = "",
    now: datetime | None = None,
) -> None:
    """SMS, mail and WeChat template message; a channel that fails is logged, the others still go."""
    for mobile in to.mobiles:
        if channels.sms_gateway_url:
            sms_out.post(channels, client, ref, mobile, PREFIX + text)
    for mail in to.mails:
        try:
            mail_out.send_notice(channels, mail, PREFIX + text[:60], text, f"<{ref}@hotline.alerts>")
        except OSError as exc:
            log.warning("alert mail to %s failed: %s", mail, exc)
    if not template_id:
        return
    at = (now or utcnow()).astimezone(ZoneInfo("Asia/Shanghai"))
    fields = {"first": PREFIX, "keyword1": text, "keyword2": f"{at:%Y-%m-%d %H:%M}", "remark": CONFIRM}
    for openid in to.openids:
        try:
            wechat_out.send_template(channels, client, openid, template_id, fields)
        except (wechat_out.Refused, wechat_out.Failed) as exc:
            log.warning("alert WeChat message to %s failed: %s", openid[:6], exc)


def send_now(
    ref: str, to: Recipients, text: str, settings: AlertSettings, channels: ChannelSettings | None = None
) -> None:
    """Send one alert at once, without the database (its outage is what is being told)."""
    with httpx.Client(timeout=10) as client:
        _send(channels or ChannelSettings(), client, ref, to, text, settings.wechat_template_id)


def deliver(
    db: Database,
    now: datetime | None = None,
    settings: AlertSettings | None = None,
    channels: ChannelSettings | None = None,
    key_prefix: str | None = None,
) -> int:
    """Send what is due (of the alerts whose key starts with `key_prefix`, when given: a watcher
    sending its own); returns how many alerts went out (first send, escalation or recovery)."""
    now = now or utcnow()
    settings = settings or AlertSettings()
    channels = channels or ChannelSettings()
    escalate_before = now - timedelta(seconds=settings.escalate_after_seconds)
    sent = 0
    query = select(ContingencyAlert).where(
        (ContingencyAlert.sent_at.is_(None))
        | ((ContingencyAlert.status == "open") & ContingencyAlert.escalated_at.is_(None))
        | ((ContingencyAlert.status == "resolved") & ContingencyAlert.recovery_sent_at.is_(None))
    )
    if key_prefix is not None:
        query = query.where(ContingencyAlert.key.startswith(key_prefix, autoescape=True))
    with db.session() as s:
        due = list(s.scalars(query.order_by(ContingencyAlert.id)))
        ids = [(r.id, r.status, r.sent_at, r.raised_at, r.escalated_at, r.text) for r in due]
    with httpx.Client(timeout=10) as client:
        for alert_id, status, sent_at, raised_at, escalated_at, text in ids:
            if sent_at is None:
                step, to = "sent_at", Recipients.duty(settings)
                body = text if status != "resolved" else f"{text}（已恢复）"
            elif status == "resolved":
                step, to, body = "recovery_sent_at", Recipients.duty(settings), f"已恢复：{text}"
            elif status == "open" and escalated_at is None and raised_at <= escalate_before:
                step, to = "escalated_at", Recipients.leader(settings)
                body = f"无人确认，已升级：{text}"
            else:
                continue
            with db.session() as s:  # stamped first: a crash mid-send never sends a second copy
                row = s.get(ContingencyAlert, alert_id)
                if row is None or getattr(row, step) is not None:
                    continue
                setattr(row, step, now)
                if step == "sent_at" and status == "resolved":
                    row.recovery_sent_at = now
            _send(channels, client, f"alert-{alert_id}-{step}", to, body, settings.wechat_template_id, now)
            sent += 1
    return sent


def disk_nearly_full(path: Path, free_percent: float) -> bool:
    usage = shutil.disk_usage(path)
    return usage.free * 100 < usage.total * free_percent
