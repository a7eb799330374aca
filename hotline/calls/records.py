"""The call center's record keeping: ACD events into the queue log, live KPIs and the bus; agent
state changes into the state log; and today's KPIs rebuilt from the queue log at startup.

A part of `CallCenter` (`center.records`), kept apart so each file has one job.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from hotline.acd.engine import AgentChange, QueueEvent
from hotline.acd.states import AgentState
from hotline.bus import Bus
from hotline.calls import cdr
from hotline.calls.host import CenterPort
from hotline.calls.kpi import KpiBook
from hotline.calls.live import LiveCall
from hotline.calls.models import AgentStateRow, QueueEventRow
from hotline.calls.ops import Op
from hotline.calls.topics import AgentStateChanged, QueueEventLogged
from hotline.calls.writer import Writer
from hotline.store.base import utcnow
from hotline.store.db import Database


def local_midnight(tz: str) -> datetime:
    """Today's start in the hotline's time zone, as an aware UTC datetime (KPIs are per local day)."""
    now = datetime.now(ZoneInfo(tz))
    return now.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


class Records:
    """The call center's record keeping (`CallCenter.records`)."""

    def __init__(self, center: CenterPort) -> None:
        self.center = center
        self.db: Database = center.db
        self.bus: Bus = center.bus
        self.kpi: KpiBook = center.kpi
        self.writer: Writer = center.writer
        self.live: dict[str, LiveCall] = center.live
        self.timezone: str = center.timezone

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.timezone)).date()

    def replay_kpis(self) -> int:
        """Rebuild today's counters from the queue log, so a restart does not zero the wallboard
        (wrap-up time, kept only in agent states, starts again from zero)."""
        since = local_midnight(self.timezone)
        with self.db.session() as s:
            rows = s.execute(
                select(
                    QueueEventRow.kind,
                    QueueEventRow.call_uuid,
                    QueueEventRow.queue,
                    QueueEventRow.agent_id,
                    QueueEventRow.wait_seconds,
                    QueueEventRow.data,
                )
                .where(QueueEventRow.at >= since)
                .order_by(QueueEventRow.id)
            ).all()
        for kind, uuid, queue, agent_id, wait, data in rows:
            extra = {k: v for k, v in (data or {}).items() if k not in ("wait", "agent_id")}
            self.kpi.queue_event(kind, uuid, queue, 0.0, wait=wait, agent_id=agent_id, **extra)
        self.kpi.forget_waiting()  # whoever was waiting before the restart is gone
        return len(rows)

    def last_agent_states(self) -> list[tuple[int, str, str | None]]:
        """Each agent's latest row in the state log: what they were when the process stopped."""
        latest = select(func.max(AgentStateRow.id)).group_by(AgentStateRow.agent_id)
        with self.db.session() as s:
            rows = s.execute(
                select(AgentStateRow.agent_id, AgentStateRow.state, AgentStateRow.reason).where(
                    AgentStateRow.id.in_(latest.scalar_subquery())
                )
            ).all()
        return [(int(a), str(state), reason) for a, state, reason in rows]

    # --- ACD events -> queue log, KPIs, bus ------------------------------------------------------

    def on_acd(self, item: QueueEvent | AgentChange) -> None:
        now = utcnow()
        if isinstance(item, QueueEvent):
            data = {
                k: v for k, v in item.data.items() if isinstance(v, str | int | float | bool | type(None))
            }
            self.writer.insert(
                QueueEventRow,
                cdr.queue_event_row(item.call_id, item.queue, item.kind, now, item.agent_id, item.wait, data),
            )
            self.kpi.queue_event(
                item.kind, item.call_id, item.queue, item.at, wait=item.wait, agent_id=item.agent_id, **data
            )
            self.bus.publish(
                QueueEventLogged(
                    kind=item.kind,
                    call_id=item.call_id,
                    queue=item.queue,
                    agent_id=item.agent_id,
                    wait=item.wait,
                    details=data,
                )
            )
            self.center.callbacks.callback_event(item.kind, item.call_id, item.data)
            if item.kind == "callback_failed":
                cause = str(item.data.get("reason") or "callback_failed")
                self.close(item.call_id, "callback_failed", cause)
            elif item.kind == "ring_no_answer" and self.center.loop is not None:
                # Once the ACD has put the call back in line (or offered it again): see then.
                self.center.loop.call_soon(self.center.waiting.back_to_waiting, item.call_id)
            return
        row = {"agent_id": item.agent_id, "state": item.state.value, "reason": item.reason, "at": now}
        self.writer.insert(AgentStateRow, row)
        self.kpi.agent_state(item.agent_id, item.state.value, item.at)
        self.bus.publish(
            AgentStateChanged(
                agent_id=item.agent_id, state=item.state.value, reason=item.reason, call_id=item.call_id
            )
        )
        if item.state is not AgentState.ringing:
            self._drop_ringing(item.agent_id, answered=item.state is AgentState.talking)

    def close(self, uuid: str, outcome: str, cause: str | None = None) -> None:
        self.live.pop(uuid, None)
        self.writer.submit(
            Op.of(cdr.end_call, uuid=uuid, outcome=outcome, cause=cause or outcome, at=utcnow())
        )

    def _drop_ringing(self, agent_id: int, answered: bool) -> None:
        """The ACD took the offer back (timeout, another agent won, caller left): stop the phone."""
        for live in self.live.values():
            leg = live.ringing.get(agent_id)
            if leg is not None and not (answered and live.agent_id == agent_id):
                live.ringing.pop(agent_id, None)
                if leg.is_active:
                    self.center.spawn(leg.hangup("cancelled"))
