"""Leave (请假): an agent asks for whole days or for hours of one day, a supervisor approves or
rejects (the table in `states.py`), and either side may call it off; a planner may also enter an
agent's leave directly, approved at once. Every step audited with an optimistic version and
announced (`workforce.leave_changed`). Only approved leave keeps the agent out of roster
generation (`unavailable`); shifts already planned in it are named as clashes for the planner
to move.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.audit.writes import check_version
from hotline.bus import publish_on_commit
from hotline.errors import Conflict, Forbidden, Invalid, NotFound
from hotline.store.base import utcnow
from hotline.workforce.clock import LOCAL, local_midnight
from hotline.workforce.models import Leave, Shift
from hotline.workforce.states import LEAVE, LeaveAction, LeaveState
from hotline.workforce.topics import LeaveChanged

MAX_DAYS = 92
HOLDING = (LeaveState.pending.value, LeaveState.approved.value)  # states that claim the time


def span(row: Leave) -> tuple[datetime, datetime]:
    """The leave's time in UTC: whole local days, or its hours of its one day."""
    start = local_midnight(row.first_day)
    if row.start_minute is None or row.end_minute is None:
        return start, local_midnight(row.last_day + timedelta(days=1))
    return start + timedelta(minutes=row.start_minute), start + timedelta(minutes=row.end_minute)


def _check(first: date, last: date, start_minute: int | None, end_minute: int | None) -> None:
    if last < first:
        raise Invalid("leave ends before it starts", "请假结束日期早于开始日期")
    if (last - first).days >= MAX_DAYS:
        raise Invalid(f"ask for at most {MAX_DAYS} days at a time", f"一次最多请假 {MAX_DAYS} 天")
    if (start_minute is None) != (end_minute is None):
        raise Invalid("give both the first and the last hour, or neither", "请同时填写开始和结束时间")
    if start_minute is not None and end_minute is not None:
        if first != last:
            raise Invalid("leave by the hour is for one day", "按小时请假只能在同一天内")
        if start_minute % 30 or end_minute % 30 or not 0 <= start_minute < end_minute <= 1440:
            raise Invalid("hours of leave run in whole half hours", "请假时间须按半小时起止，且结束晚于开始")


def _overlapping(
    session: Session, user_id: int, first: date, last: date, but: int | None = None
) -> list[Leave]:
    stmt = select(Leave).where(
        Leave.user_id == user_id,
        Leave.state.in_(HOLDING),
        Leave.last_day >= first,
        Leave.first_day <= last,
    )
    if but is not None:
        stmt = stmt.where(Leave.id != but)
    return list(session.scalars(stmt))


def _no_overlap(session: Session, row: Leave) -> None:
    mine = span(row)
    for other in _overlapping(session, row.user_id, row.first_day, row.last_day, row.id):
        lo, hi = span(other)
        if lo < mine[1] and mine[0] < hi:
            raise Conflict(
                f"leave {other.id} already covers part of that time",
                f"与已有请假（{other.first_day} 至 {other.last_day}）时间重叠",
                leave_id=other.id,
            )


def _announce(session: Session, row: Leave) -> None:
    publish_on_commit(session, LeaveChanged(leave_id=row.id, user_id=row.user_id, state=row.state))


def request(
    session: Session,
    actor: Actor,
    user_id: int,
    *,
    first_day: date,
    last_day: date,
    start_minute: int | None = None,
    end_minute: int | None = None,
    kind: str = "annual",
    note: str = "",
    approved: bool = False,
) -> Leave:
    """Leave asked for `user_id` (pending), or entered by a planner (`approved`: decided at once)."""
    _check(first_day, last_day, start_minute, end_minute)
    row = Leave(
        user_id=user_id,
        first_day=first_day,
        last_day=last_day,
        start_minute=start_minute,
        end_minute=end_minute,
        kind=kind,
        note=note,
        state=LeaveState.pending.value,
        requested_by=actor.id,
    )
    _no_overlap(session, row)
    if approved:
        row.state = LEAVE.next(LeaveState.pending, LeaveAction.approve).value
        row.decided_by, row.decided_at = actor.id, utcnow()
    session.add(row)
    session.flush()
    record(session, actor, "create", "workforce_leave", row.id, after=snapshot(row))
    _announce(session, row)
    return row


def get(session: Session, leave_id: int) -> Leave:
    row = session.get(Leave, leave_id)
    if row is None:
        raise NotFound("no such leave", "请假记录不存在")
    return row


def decide(
    session: Session, actor: Actor, leave_id: int, version: int | None, *, approve: bool, note: str = ""
) -> Leave:
    """A supervisor approves or rejects a pending request (never their own)."""
    row = get(session, leave_id)
    check_version(row, version, "leave")
    if row.user_id == actor.id:
        raise Forbidden("someone else decides on your own leave", "不能审批自己的请假")
    action = LeaveAction.approve if approve else LeaveAction.reject
    state = LEAVE.next(LeaveState(row.state), action)
    before = snapshot(row)
    row.state, row.decided_by, row.decided_at, row.decision_note = state.value, actor.id, utcnow(), note
    session.flush()
    record(session, actor, action.value, "workforce_leave", row.id, before, snapshot(row))
    _announce(session, row)
    return row


def cancel(session: Session, actor: Actor, leave_id: int, version: int | None, *, may_plan: bool) -> Leave:
    """The agent calls off their own leave, or a planner anyone's (pending or approved)."""
    row = get(session, leave_id)
    if row.user_id != actor.id and not may_plan:
        raise Forbidden("only your own leave", "只能撤销自己的请假")
    check_version(row, version, "leave")
    state = LEAVE.next(LeaveState(row.state), LeaveAction.cancel)
    before = snapshot(row)
    row.state = state.value
    session.flush()
    record(session, actor, "cancel", "workforce_leave", row.id, before, snapshot(row))
    _announce(session, row)
    return row


def between(
    session: Session,
    first: date,
    last: date,
    *,
    user_id: int | None = None,
    states: Iterable[str] | None = None,
    limit: int | None = 500,
) -> list[Leave]:
    """Leave touching [first, last] (one agent's, or everybody's), oldest first."""
    stmt = select(Leave).where(Leave.last_day >= first, Leave.first_day <= last)
    if user_id is not None:
        stmt = stmt.where(Leave.user_id == user_id)
    if states is not None:
        stmt = stmt.where(Leave.state.in_(list(states)))
    return list(session.scalars(stmt.order_by(Leave.first_day, Leave.id).limit(limit)))


def pending(session: Session) -> list[Leave]:
    stmt = select(Leave).where(Leave.state == LeaveState.pending.value).order_by(Leave.first_day, Leave.id)
    return list(session.scalars(stmt.limit(500)))


def clashes(session: Session, rows: list[Leave]) -> dict[int, list[int]]:
    """Per pending or approved leave, the planned shifts (any roster) its time overlaps."""
    live = [r for r in rows if r.state in HOLDING]
    if not live:
        return {}
    lo = min(span(r)[0] for r in live)
    hi = max(span(r)[1] for r in live)
    shifts = session.scalars(
        select(Shift).where(
            Shift.user_id.in_({r.user_id for r in live}), Shift.starts_at < hi, Shift.ends_at > lo
        )
    ).all()
    out: dict[int, list[int]] = {}
    for r in live:
        a, b = span(r)
        hit = [s.id for s in shifts if s.user_id == r.user_id and s.starts_at < b and s.ends_at > a]
        if hit:
            out[r.id] = sorted(hit)
    return out


def away(session: Session, user_id: int, start: datetime, end: datetime) -> Leave | None:
    """The user's approved leave overlapping [start, end), if any."""
    first = start.astimezone(LOCAL).date() - timedelta(days=1)
    last = end.astimezone(LOCAL).date()
    for row in between(session, first, last, user_id=user_id, states=(LeaveState.approved.value,)):
        lo, hi = span(row)
        if lo < end and start < hi:
            return row
    return None


def with_clashes(session: Session, rows: list[Leave]) -> list[dict[str, Any]]:
    """The rows as plain dicts (every column) with their clashing shift ids, for lists."""
    marks = clashes(session, rows)
    columns = [c.key for c in inspect(Leave).column_attrs]
    return [{**{c: getattr(r, c) for c in columns}, "clashes": marks.get(r.id, [])} for r in rows]


def unavailable(
    session: Session, first: date, last: date
) -> tuple[dict[int, set[date]], dict[int, list[tuple[date, int, int]]]]:
    """Approved leave in [first, last] for the roster generator: whole days off per agent, and
    hours off as (day, first half hour, end half hour)."""
    days: dict[int, set[date]] = {}
    hours: dict[int, list[tuple[date, int, int]]] = {}
    for row in between(session, first, last, states=(LeaveState.approved.value,), limit=None):
        if row.start_minute is not None and row.end_minute is not None:
            hours.setdefault(row.user_id, []).append(
                (row.first_day, row.start_minute // 30, -(-row.end_minute // 30))
            )
            continue
        day = max(row.first_day, first)
        while day <= min(row.last_day, last):
            days.setdefault(row.user_id, set()).add(day)
            day += timedelta(days=1)
    return days, hours
