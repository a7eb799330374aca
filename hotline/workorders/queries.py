"""Building the filtered work-order select shared by the list, the portal, saved views and export.

Filters map onto the composite indexes of `workorders` ((state, id), (department_id, state, id),
(category_id, id), (caller_id, id), created_at, due_at), so a filtered newest-first page is an
index range scan; text goes through the token table (`search.restrict`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hotline.errors import Invalid
from hotline.workorders import search
from hotline.workorders.models import WorkOrder
from hotline.workorders.service import Who
from hotline.workorders.states import OPEN, State


@dataclass
class Filters:
    state: str | None = None
    overdue: bool | None = None
    department_id: int | None = None
    category_id: int | None = None
    caller_id: int | None = None
    type: str | None = None
    channel: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None
    view: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in asdict(self).items()
            if v is not None and k != "view"
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Filters:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise Invalid(f"unknown filters: {', '.join(sorted(unknown))}", "筛选条件无效")
        values = dict(data)
        for key in ("created_from", "created_to"):
            if isinstance(values.get(key), str):
                values[key] = datetime.fromisoformat(values[key])
        return cls(**values)


def build(session: Session, who: Who, f: Filters, now: datetime) -> Select[Any]:
    stmt = select(WorkOrder)
    if who.department_only:
        stmt = stmt.where(WorkOrder.department_id == who.department_id)
    if f.state:
        states = [s for s in f.state.split(",") if s]
        bad = [s for s in states if s not in State.__members__]
        if bad:
            raise Invalid(f"unknown state {bad[0]!r}", "工单状态无效")
        stmt = (
            stmt.where(WorkOrder.state.in_(states))
            if len(states) > 1
            else stmt.where(WorkOrder.state == states[0])
        )
    if f.overdue is not None:
        if f.overdue:
            stmt = stmt.where(WorkOrder.due_at < now)
        else:
            stmt = stmt.where((WorkOrder.due_at.is_(None)) | (WorkOrder.due_at >= now))
    if f.department_id is not None:
        stmt = stmt.where(WorkOrder.department_id == f.department_id)
    if f.category_id is not None:
        stmt = stmt.where(WorkOrder.category_id == f.category_id)
    if f.caller_id is not None:
        stmt = stmt.where(WorkOrder.caller_id == f.caller_id)
    if f.type:
        stmt = stmt.where(WorkOrder.type == f.type)
    if f.channel:
        stmt = stmt.where(WorkOrder.channel == f.channel)
    if f.created_from:
        stmt = stmt.where(WorkOrder.created_at >= f.created_from)
    if f.created_to:
        stmt = stmt.where(WorkOrder.created_at < f.created_to)
    if f.q:
        stmt = search.restrict(session, stmt, f.q)
    return stmt


OPEN_STATES = sorted(s.value for s in OPEN)
