"""Emergency modes switched on and off (audited, announced on the bus) and the callback worklist.

A mode is on while `starts_at <= now < ends_at` and nobody ended it early; the running call
centers hold the modes in force in memory (`runtime.ModeBoard`) and reload them after each
`contingency.mode_switched`. Callback numbers collected from callers are written by the system
(the call), then worked by agents through the callback state table (`states.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import SYSTEM, Actor, record, snapshot
from hotline.audit.writes import audited_update
from hotline.bus import publish_on_commit
from hotline.contingency.models import ContingencyCallback, ContingencyMode
from hotline.contingency.schemas import CallbackMove, ModeIn
from hotline.contingency.states import CALLBACK, CallbackAction, CallbackState
from hotline.contingency.topics import CallbackCollected, ModeSwitched
from hotline.errors import Conflict, NotFound
from hotline.store.base import utcnow
from hotline.store.pagination import PageRequest, paginate

T = TypeVar("T")


def is_active(row: ContingencyMode, now: datetime) -> bool:
    return row.ended_at is None and row.starts_at <= now < row.ends_at


def _announce(session: Session, row: ContingencyMode, on: bool) -> None:
    event = ModeSwitched(
        mode_id=row.id, kind=row.kind, reason=row.reason, on=on, ends_at=row.ends_at.isoformat()
    )
    publish_on_commit(session, event)


def switch_on(session: Session, actor: Actor, data: ModeIn, now: datetime | None = None) -> ContingencyMode:
    """Switch a mode on from now for `data.minutes`."""
    now = now or utcnow()
    fields = data.model_dump(exclude={"minutes"})
    row = ContingencyMode(**fields, starts_at=now, ends_at=now + timedelta(minutes=data.minutes))
    row.created_by = actor.id
    session.add(row)
    session.flush()
    record(session, actor, "switch_on", "contingency_mode", row.id, None, snapshot(row))
    _announce(session, row, True)
    return row


def get_mode(session: Session, mode_id: int) -> ContingencyMode:
    row = session.get(ContingencyMode, mode_id)
    if row is None:
        raise NotFound(f"no emergency mode {mode_id}", f"应急模式 {mode_id} 不存在")
    return row


def switch_off(
    session: Session, actor: Actor, mode_id: int, version: int, now: datetime | None = None
) -> ContingencyMode:
    """End a mode before its time (an ended or expired one: 409)."""
    now = now or utcnow()
    row = get_mode(session, mode_id)
    if not is_active(row, now):
        raise Conflict("the mode is not on", "该应急模式未在生效中")
    with audited_update(
        session, actor, row, version, "mode", "contingency_mode", action="switch_off"
    ) as edit:
        edit.apply({"ended_at": now, "ended_by": actor.id})
    _announce(session, row, False)
    return row


def active_modes(session: Session, now: datetime | None = None) -> list[ContingencyMode]:
    """The modes in force, oldest first (the first one's routing wins when two route calls)."""
    now = now or utcnow()
    stmt = (
        select(ContingencyMode)
        .where(
            ContingencyMode.ended_at.is_(None),
            ContingencyMode.ends_at > now,
            ContingencyMode.starts_at <= now,
        )
        .order_by(ContingencyMode.id)
    )
    return list(session.scalars(stmt))


def modes_page(
    session: Session, params: PageRequest, to_out: Callable[[ContingencyMode], T]
) -> dict[str, Any]:
    sortable = {"starts_at": ContingencyMode.starts_at}
    return paginate(session, select(ContingencyMode), params, sortable, ContingencyMode.id, to_out)


def collect_callback(
    session: Session, mode_id: int | None, call_uuid: str, caller: str, number: str
) -> ContingencyCallback:
    """A caller left `number` during callback collection (written for the call, by the system)."""
    row = ContingencyCallback(
        mode_id=mode_id, call_uuid=call_uuid, caller_number=caller, callback_number=number
    )
    session.add(row)
    session.flush()
    record(session, SYSTEM, "collect", "contingency_callback", row.id, None, snapshot(row))
    event = CallbackCollected(callback_id=row.id, mode_id=mode_id, call_id=call_uuid, number=number)
    publish_on_commit(session, event)
    return row


def move_callback(
    session: Session, actor: Actor, callback_id: int, data: CallbackMove
) -> ContingencyCallback:
    row = session.get(ContingencyCallback, callback_id)
    if row is None:
        raise NotFound(f"no callback {callback_id}", f"回拨记录 {callback_id} 不存在")
    state = CALLBACK.next(CallbackState(row.status), CallbackAction(data.action))
    handled = state is not CallbackState.open
    changes = {
        "status": state.value,
        "note": data.note or row.note,
        "handled_by": actor.id if handled else None,
        "handled_at": utcnow() if handled else None,
    }
    with audited_update(
        session, actor, row, data.version, "callback", "contingency_callback", data.action
    ) as edit:
        edit.apply(changes)
    return row


def callbacks_page(
    session: Session, params: PageRequest, status: str | None, to_out: Callable[[ContingencyCallback], T]
) -> dict[str, Any]:
    stmt = select(ContingencyCallback)
    if status:
        stmt = stmt.where(ContingencyCallback.status == status)
    sortable = {"collected_at": ContingencyCallback.collected_at}
    return paginate(session, stmt, params, sortable, ContingencyCallback.id, to_out)
