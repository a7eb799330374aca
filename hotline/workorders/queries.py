"""Building the filtered work-order select shared by the list, the portal, saved views and export.

Filters map onto the composite indexes of `workorders` ((state, id), (department_id, state, id),
(category_id, id), (caller_id, id), created_at, due_at), so a filtered newest-first page is an
index range scan; text goes through the token table: most relevant first (`ranking.page`), or
newest first with `sort=-id` and in exports (`search.TextScan`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar

from pydantic import Field, ValidationError
from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from hotline.errors import Invalid
from hotline.masking import mask_text
from hotline.schemas import StrictIn
from hotline.store.pagination import PageRequest, decode_cursor, encode_cursor, paginate
from hotline.workorders import overview, ranking, search
from hotline.workorders.calendar import LOCAL
from hotline.workorders.models import ReturnVisit, WorkOrder
from hotline.workorders.service import Who
from hotline.workorders.states import State

T = TypeVar("T")


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
    bucket: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in asdict(self).items()
            if v is not None and k != "view"
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Filters:
        try:
            checked = FiltersIn.model_validate(data)
        except ValidationError as exc:
            raise Invalid(f"invalid saved filters: {exc.errors()[0]['msg']}", "筛选条件无效") from exc
        return cls(**checked.model_dump())


class FiltersIn(StrictIn):
    """The filters a saved view may hold (validated like query parameters)."""

    state: str | None = Field(None, max_length=200)
    overdue: bool | None = None
    department_id: int | None = Field(None, ge=1, le=2**31 - 1)
    category_id: int | None = Field(None, ge=1, le=2**31 - 1)
    caller_id: int | None = Field(None, ge=1, le=2**31 - 1)
    type: str | None = Field(None, max_length=16)
    channel: str | None = Field(None, max_length=16)
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = Field(None, max_length=200)
    bucket: str | None = Field(None, max_length=32)


def _aware(value: datetime) -> datetime:
    """Dates typed without a zone are the hotline's local time (Asia/Shanghai); a date that has no
    UTC equivalent (year 1 at +00:01) is a clear 422, not a 500 from the database layer."""
    aware = value.replace(tzinfo=LOCAL) if value.tzinfo is None else value
    try:
        aware.astimezone(UTC)
    except OverflowError as exc:
        raise Invalid(f"date out of range: {value.isoformat()}", "日期超出范围") from exc
    return aware


@dataclass
class Query:
    stmt: Select[Any]  # the filters without the text
    text: search.Plan | None  # the text query
    hide_identity: bool = False  # the viewer may not find confidential orders by who they are from

    def scan(self, session: Session, before: int | None = None) -> search.TextScan:
        assert self.text is not None
        return search.TextScan(session, self.stmt, self.text.required, before, self.hide_identity)

    def rows(self, session: Session, limit: int) -> Iterator[WorkOrder]:
        """Newest first, up to `limit` (exports)."""
        if self.text is None:
            return iter(session.scalars(self.stmt.order_by(WorkOrder.id.desc()).limit(limit)))
        return islice(self.scan(session), limit)


def build(session: Session, who: Who, f: Filters, now: datetime) -> Query:
    stmt = select(WorkOrder)
    if who.department_only:
        # A handler with no department sees nothing (never the undispatched, department-less orders).
        stmt = stmt.where(WorkOrder.department_id == who.department_id if who.department_id else false())
    states = [s for s in (f.state or "").split(",") if s]  # "," alone names no state: no filter
    bad = [s for s in states if s not in State.__members__]
    if bad:
        raise Invalid(f"unknown state {bad[0]!r}", "工单状态无效")
    if states:
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
        stmt = stmt.where(WorkOrder.created_at >= _aware(f.created_from))
    if f.created_to:
        stmt = stmt.where(WorkOrder.created_at < _aware(f.created_to))
    if f.bucket:
        stmt = stmt.where(overview.condition(f.bucket, now))
    text = search.plan(session, f.q) if f.q and f.q.strip() else None
    return Query(stmt, text, who.department_only)


SORTABLE = {"created_at": WorkOrder.created_at, "due_at": WorkOrder.due_at, "number": WorkOrder.number}


def page(session: Session, q: Query, params: PageRequest, to_out: Callable[[WorkOrder], T]) -> dict[str, Any]:
    """One keyset page; text searches are most relevant first, or newest first (`sort=-id`)."""
    if q.text is None:
        return paginate(session, q.stmt, params, SORTABLE, WorkOrder.id, to_out)
    if params.sort is None:
        return ranking.page(session, q.stmt, q.text, params.limit, params.cursor, to_out, q.hide_identity)
    if params.sort != "-id":
        raise Invalid(
            "text search results are sorted by relevance or newest first (sort=-id)",
            "全文检索结果只能按相关度或时间倒序排列",
        )
    before = int(decode_cursor(params.cursor)[1]) if params.cursor else None
    scan = q.scan(session, before)
    rows = list(islice(scan, params.limit + 1))
    cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        cursor = encode_cursor([rows[-1].id, rows[-1].id])
    elif scan.capped and scan.before is not None:
        cursor = encode_cursor([scan.before, scan.before])  # scan budget spent: resume from here
    return {"items": [to_out(r) for r in rows], "next_cursor": cursor}


def pending_return_visits(session: Session, limit: int) -> list[dict[str, Any]]:
    """Return visits still to be made, oldest first, with their order's number."""
    rows = session.execute(
        select(ReturnVisit, WorkOrder.number)
        .join(WorkOrder, WorkOrder.id == ReturnVisit.workorder_id)
        .where(ReturnVisit.status == "pending")
        .order_by(ReturnVisit.id)
        .limit(limit)
    ).all()
    return [
        {"id": v.id, "workorder_id": v.workorder_id, "number": n, "created_at": v.created_at} for v, n in rows
    ]


def caller_return_visits(session: Session, caller_id: int, limit: int, pii: bool) -> list[dict[str, Any]]:
    """Return visits (pending and done) of the caller's work orders, newest first."""
    rows = session.execute(
        select(ReturnVisit, WorkOrder.number)
        .join(WorkOrder, WorkOrder.id == ReturnVisit.workorder_id)
        .where(WorkOrder.caller_id == caller_id)
        .order_by(ReturnVisit.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": v.id,
            "workorder_id": v.workorder_id,
            "number": n,
            "status": v.status,
            "method": v.method,
            "satisfaction": v.satisfaction,
            # A free-text note may carry a phone number: masked like every other note.
            "note": v.note if pii or v.note is None else mask_text(v.note),
            "created_at": v.created_at,
            "done_at": v.done_at,
        }
        for v, n in rows
    ]
