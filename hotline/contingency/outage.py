"""The database outage told to the people on duty, without the database.

Every other alert is a `contingency_alerts` row that the delivery job sends; this one cannot be:
the database is what is gone. The call-record writer announces `calls.database_lost` (its journal
holds the call records meanwhile), and this board sends "database unreachable" at once by SMS,
mail and WeChat template message (when configured) to the people on duty, once per outage (a
second process, or a second announcement, is the same outage), escalates it to the duty leader
when it lasts past `escalate_after_seconds`, tells them when the journal is full (records then
kept in memory only), and sends the recovery notice on `calls.database_recovered`. Then the
outage goes into the alert history as a resolved row whose sends are stamped, so the delivery job
never repeats them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit.service import SYSTEM, record, snapshot
from hotline.channels.settings import ChannelSettings
from hotline.contingency import alerts
from hotline.contingency.alert_settings import AlertSettings
from hotline.contingency.alerts import Recipients
from hotline.contingency.models import ContingencyAlert
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)
KEY = "database"
Send = Callable[[str, Recipients, str], None]  # ref, to whom, text


class OutageBoard:
    """One process's view of the database outage (on the contingency plug-in's loop)."""

    def __init__(
        self,
        db: Database,
        settings: AlertSettings | None = None,
        channels: ChannelSettings | None = None,
        send: Send | None = None,
    ) -> None:
        self.db = db
        self.settings = settings or AlertSettings()
        self.send: Send = send or (
            lambda ref, to, text: alerts.send_now(ref, to, text, self.settings, channels)
        )
        self.since: datetime | None = None
        self.error = ""
        self.escalated_at: datetime | None = None
        self.full_told = False
        self._escalation: asyncio.Task[None] | None = None
        self.tasks: set[asyncio.Future[Any]] = set()

    def _spawn(self, fn: Callable[[], None]) -> None:
        task = asyncio.ensure_future(asyncio.to_thread(fn))
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("database outage alert not sent", exc_info=task.exception())

    def lost(self, error: str, journal: str) -> None:
        if self.since is not None:
            return  # the same outage
        self.since, self.error = utcnow(), error
        where = f"，通话记录暂存本地日志 {journal}" if journal else "，通话记录暂存内存"
        text = f"数据库无法连接：{error[:80]}{where}；来电仍在接听，请立即处理。"
        ref = f"db-{self.since:%Y%m%d%H%M%S}"
        duty = Recipients.duty(self.settings)
        self._spawn(lambda: self.send(ref + "-sent", duty, text))
        self._escalation = asyncio.ensure_future(self._escalate(ref, text))

    async def _escalate(self, ref: str, text: str) -> None:
        await asyncio.sleep(self.settings.escalate_after_seconds)
        if self.since is None:
            return
        self.escalated_at = utcnow()
        body, leader = f"未恢复，已升级：{text}", Recipients.leader(self.settings)
        self._spawn(lambda: self.send(ref + "-escalated", leader, body))

    def journal_filled(self, journal: str, size_bytes: int, error: str) -> None:
        if self.full_told:
            return
        self.full_told = True
        text = (
            f"本地通话记录日志已满（{journal}，{size_bytes // 1024} KB：{error[:60]}）；"
            "之后的通话记录仅存内存，进程重启将丢失，请尽快恢复数据库或腾出磁盘。"
        )
        everyone = Recipients.duty(self.settings) + Recipients.leader(self.settings)
        self._spawn(lambda: self.send("db-journal-full", everyone, text))

    def recovered(self, seconds: float, replayed: int, dropped: int) -> None:
        if self.since is None:
            return
        since, escalated = self.since, self.escalated_at
        self.since, self.escalated_at, self.full_told = None, None, False
        if self._escalation is not None:
            self._escalation.cancel()
        lost = f"，{dropped} 条记录丢失" if dropped else "，无记录丢失"
        text = f"数据库已恢复：中断 {seconds:.0f} 秒，补写通话记录 {replayed} 条{lost}。"
        to = Recipients.duty(self.settings)
        if escalated:
            to = to + Recipients.leader(self.settings)
        ref = f"db-{since:%Y%m%d%H%M%S}-recovered"
        error = self.error

        def send_and_keep() -> None:
            self.send(ref, to, text)
            with self.db.session() as session:
                history(session, since, escalated, error, text)

        self._spawn(send_and_keep)

    async def close(self) -> None:
        if self._escalation is not None:
            self._escalation.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def history(
    session: Session, since: datetime, escalated: datetime | None, error: str, text: str
) -> ContingencyAlert:
    """The outage, over, as an alert row whose sends are all stamped (audited)."""
    now = utcnow()
    row = ContingencyAlert(
        kind="database_down",
        key=KEY,
        text=f"数据库无法连接：{error[:200]}",
        status="resolved",
        raised_at=since,
        last_seen_at=now,
        sent_at=since,
        escalated_at=escalated,
        resolved_at=now,
        recovery_sent_at=now,
    )
    session.add(row)
    session.flush()
    record(session, SYSTEM, "raise", "contingency_alert", row.id, None, snapshot(row) | {"note": text})
    return row
