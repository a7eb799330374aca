"""Queue alerts from the call center's live state: too many callers waiting, and the longest wait
over the 15-s answer target for N minutes.

`QueueWatch.check` reads one KPI snapshot (`CallCenter.views.kpis()`: per queue `waiting` and
`longest_wait`, in memory) with the time it was taken and says which alerts to raise and which
to resolve; it is pure, so the rules are tested on an explicit clock. A queue over
`queue_waiting_max` waiting callers raises `queue_over:<queue>` at once; a queue whose longest wait
stays above `wait_target_seconds` at every sample for `long_wait_minutes` raises
`long_wait:<queue>`; each resolves when its condition is gone. The contingency plug-in samples every
`watch_seconds` and writes only the changes (`alerts.raise_alert` / `alerts.resolve`: one open
alert per key, delivered and escalated like every alert).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.contingency import alerts
from hotline.contingency.alert_settings import AlertSettings
from hotline.contingency.models import ContingencyAlert
from hotline.store.db import Database

log = logging.getLogger(__name__)

CENTER = "*"  # the center's totals in the snapshot: each queue is told on its own


@dataclass(frozen=True)
class Change:
    """Raise (`kind`, `text`) or resolve (`kind` = "") the alert `key`."""

    key: str
    kind: str = ""
    text: str = ""

    @property
    def raise_it(self) -> bool:
        return bool(self.kind)


@dataclass
class QueueWatch:
    settings: AlertSettings
    long_since: dict[str, float] = field(default_factory=dict)  # queue -> first sample over target
    raised: set[str] = field(default_factory=set)  # keys this watch has raised and not resolved

    def check(self, snapshot: dict[str, Any], now: float) -> list[Change]:
        s, out = self.settings, []
        for queue, kpi in snapshot.items():
            if queue == CENTER or not isinstance(kpi, dict):
                continue
            label = kpi.get("label") or queue
            waiting, longest = int(kpi.get("waiting") or 0), float(kpi.get("longest_wait") or 0.0)
            over = f"queue_over:{queue}"
            if waiting > s.queue_waiting_max:
                text = (
                    f"排队超限：{label} 有 {waiting} 位来电等待（上限 {s.queue_waiting_max}），"
                    "请增派坐席或启用应急模式。"
                )
                out += self._raise(over, "queue_over", text)
            else:
                out += self._resolve(over)
            long_key = f"long_wait:{queue}"
            if longest > s.wait_target_seconds:
                since = self.long_since.setdefault(queue, now)
                if now - since >= s.long_wait_minutes * 60:
                    minutes = (now - since) / 60
                    text = (
                        f"等待超时：{label} 最长等待 {longest:.0f} 秒，已连续 {minutes:.0f} 分钟超过 "
                        f"{s.wait_target_seconds:g} 秒接通目标。"
                    )
                    out += self._raise(long_key, "long_wait", text)
            else:
                self.long_since.pop(queue, None)
                out += self._resolve(long_key)
        return out

    def _raise(self, key: str, kind: str, text: str) -> list[Change]:
        if key in self.raised:
            return []
        self.raised.add(key)
        return [Change(key, kind, text)]

    def _resolve(self, key: str) -> list[Change]:
        if key not in self.raised:
            return []
        self.raised.discard(key)
        return [Change(key)]


def open_keys(session: Session) -> set[str]:
    """The queue alerts still open (after a restart the watch resolves them when they clear)."""
    rows = session.scalars(
        select(ContingencyAlert.key).where(
            ContingencyAlert.status != "resolved", ContingencyAlert.kind.in_(("queue_over", "long_wait"))
        )
    )
    return set(rows)


def apply(session: Session, changes: list[Change]) -> None:
    for change in changes:
        if change.raise_it:
            alerts.raise_alert(session, change.kind, change.key, change.text)
        else:
            alerts.resolve(session, change.key)


async def run(
    watch: QueueWatch,
    kpis: Callable[[], dict[str, Any]],
    db: Database,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Sample the live KPIs every `watch_seconds` and write the changes (until cancelled)."""
    watch.raised |= await db.run(_open_keys, db)
    while True:
        await asyncio.sleep(watch.settings.watch_seconds)
        changes = watch.check(kpis(), clock())
        if not changes:
            continue
        try:
            await db.run(_apply, db, changes)
        except Exception as exc:  # the database away: try these again at the next sample
            log.warning("queue alerts not written: %s", exc)
            for change in changes:
                (watch.raised.discard if change.raise_it else watch.raised.add)(change.key)


def _open_keys(db: Database) -> set[str]:
    with db.session() as s:
        return open_keys(s)


def _apply(db: Database, changes: list[Change]) -> None:
    with db.session() as s:
        apply(s, changes)
