"""Read-only figures other domains plan with (the workforce forecast and adherence): offered
inbound calls per half hour and average handle time over a period, the agent state log over a
period, and the callbacks still owed. Counting is done in the database, grouped by half hour
(Asia/Shanghai has no daylight saving, so UTC half hours are local half hours).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Float, Integer, cast, func, select
from sqlalchemy.orm import Session

from hotline.calls.models import AgentStateRow, Call, PendingCallback

HALF_HOUR = 1800
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _bucket(session: Session) -> ColumnElement[int]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", Call.started_at) / HALF_HOUR), Integer)
    return cast(cast(func.strftime("%s", Call.started_at), Integer) / HALF_HOUR, Integer)


def offered_per_half_hour(session: Session, start: datetime, end: datetime) -> dict[datetime, int]:
    """Inbound calls that started in [start, end), keyed by the UTC start of their half hour."""
    bucket = _bucket(session).label("bucket")
    rows = session.execute(
        select(bucket, func.count())
        .where(Call.direction == "inbound", Call.started_at >= start, Call.started_at < end)
        .group_by(bucket)
    ).all()
    return {EPOCH + timedelta(seconds=int(b) * HALF_HOUR): int(n) for b, n in rows}


def average_handle_seconds(session: Session, start: datetime, end: datetime) -> float | None:
    """Mean talk time of the answered inbound calls in [start, end) (None: no answered call)."""
    value = session.execute(
        select(func.avg(cast(Call.talk_seconds, Float))).where(
            Call.direction == "inbound",
            Call.answered_at.is_not(None),
            Call.talk_seconds.is_not(None),
            Call.started_at >= start,
            Call.started_at < end,
        )
    ).scalar()
    return float(value) if value is not None else None


def agent_states(session: Session, start: datetime, end: datetime) -> list[tuple[int, str, datetime]]:
    """(agent, state, since) for every change in [start, end), plus each agent's last state before
    `start` (dated `start`), oldest first: enough to know any agent's state at any moment."""
    before = (
        select(func.max(AgentStateRow.id)).where(AgentStateRow.at < start).group_by(AgentStateRow.agent_id)
    ).scalar_subquery()
    prior = session.execute(
        select(AgentStateRow.agent_id, AgentStateRow.state).where(AgentStateRow.id.in_(before))
    ).all()
    rows = session.execute(
        select(AgentStateRow.agent_id, AgentStateRow.state, AgentStateRow.at)
        .where(AgentStateRow.at >= start, AgentStateRow.at < end)
        .order_by(AgentStateRow.at, AgentStateRow.id)
    ).all()
    return [(a, s, start) for a, s in prior] + [(a, s, at) for a, s, at in rows]


def callbacks_owed(session: Session) -> int:
    """Callbacks promised to callers and not yet made (the handover names them)."""
    return int(session.execute(select(func.count()).select_from(PendingCallback)).scalar() or 0)
