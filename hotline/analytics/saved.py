"""Saved reports: an analyst's named pivot specs, their own or shared with every reader of reports;
only the owner renames, changes, shares or deletes one. Every write audited in its transaction
(updates through `audited_update`, so a stale copy is a 409); a spec is checked before it is kept,
so a saved report always runs."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.analytics import pivots
from hotline.analytics.models import SavedReport
from hotline.analytics.periods import Kind, Period, resolve
from hotline.audit.service import Actor, record, snapshot
from hotline.audit.writes import audited_update
from hotline.errors import Forbidden, Invalid, NotFound
from hotline.people.models import User
from hotline.store.base import utcnow

ENTITY = "saved_report"


def spec_of(stored: dict[str, Any]) -> pivots.Spec:
    return pivots.Spec(
        str(stored.get("rollup", "")),
        tuple(stored.get("dimensions") or ()),
        tuple(stored.get("measures") or ()),
        dict(stored.get("filters") or {}),
    )


def out(r: SavedReport, user_id: int, owners: dict[int, str]) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "spec": r.spec,
        "shared": r.shared,
        "mine": r.owner_id == user_id,
        "owner": owners.get(r.owner_id or 0, ""),
        "version": r.version,
        "created_at": r.created_at.isoformat(),
        "updated_at": (r.updated_at or r.created_at).isoformat(),
    }


def _owners(session: Session, rows: list[SavedReport]) -> dict[int, str]:
    ids = {r.owner_id for r in rows if r.owner_id}
    if not ids:
        return {}
    return {i: n for i, n in session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))}


def listing(session: Session, user_id: int) -> list[dict[str, Any]]:
    """The user's own reports, then those others shared."""
    rows = list(
        session.scalars(
            select(SavedReport)
            .where(or_(SavedReport.owner_id == user_id, SavedReport.shared.is_(True)))
            .order_by(SavedReport.name, SavedReport.id)
        )
    )
    owners = _owners(session, rows)
    rows.sort(key=lambda r: r.owner_id != user_id)
    return [out(r, user_id, owners) for r in rows]


def visible(session: Session, user_id: int, report_id: int) -> SavedReport:
    """A report the user owns or one shared; anyone else's private report does not exist for them."""
    r = session.get(SavedReport, report_id)
    if r is None or (r.owner_id != user_id and not r.shared):
        raise NotFound(f"saved report {report_id} not found", f"自定义报表 {report_id} 不存在")
    return r


def _own(session: Session, user_id: int, report_id: int) -> SavedReport:
    r = visible(session, user_id, report_id)
    if r.owner_id != user_id:
        raise Forbidden("only its owner changes a shared report", "共享报表只能由创建人修改")
    return r


def one(session: Session, user_id: int, report_id: int) -> dict[str, Any]:
    r = visible(session, user_id, report_id)
    return out(r, user_id, _owners(session, [r]))


def _check(spec: dict[str, Any]) -> None:
    """A saved report must run: its pivot and its period are checked now."""
    pivots.check(spec_of(spec))
    _period(spec, date.today())


def create(
    session: Session, actor: Actor, user_id: int, name: str, spec: dict[str, Any], shared: bool
) -> dict[str, Any]:
    _check(spec)
    r = SavedReport(owner_id=user_id, name=name, spec=spec, shared=shared, updated_at=utcnow())
    session.add(r)
    session.flush()
    record(session, actor, f"{ENTITY}.create", ENTITY, r.id, None, snapshot(r))
    return out(r, user_id, _owners(session, [r]))


def update(
    session: Session, actor: Actor, user_id: int, report_id: int, version: int, changes: dict[str, Any]
) -> dict[str, Any]:
    r = _own(session, user_id, report_id)
    if changes.get("spec") is not None:
        _check(changes["spec"])
    with audited_update(session, actor, r, version, "saved report", ENTITY, f"{ENTITY}.update") as edit:
        edit.apply({k: v for k, v in changes.items() if v is not None})
        r.updated_at = utcnow()
    return out(r, user_id, _owners(session, [r]))


def delete(session: Session, actor: Actor, user_id: int, report_id: int) -> None:
    r = _own(session, user_id, report_id)
    record(session, actor, f"{ENTITY}.delete", ENTITY, r.id, snapshot(r), None)
    session.delete(r)


def _date(text: Any) -> date | None:
    return date.fromisoformat(text) if text else None


def run(session: Session, user_id: int, report_id: int, today: date) -> tuple[str, dict[str, Any], Period]:
    """(name, pivot, period) of a visible saved report; a period without a date is the current one."""
    r = visible(session, user_id, report_id)
    period = _period(r.spec, today)
    return r.name, pivots.run(session, spec_of(r.spec), period), period


def _period(spec: dict[str, Any], today: date) -> Period:
    p = spec.get("period") or {}
    kind = Kind(p.get("kind", "month"))
    try:
        return resolve(kind, _date(p.get("date")), _date(p.get("start")), _date(p.get("end")), today)
    except (OverflowError, ValueError) as exc:  # a period reaching past year 9999
        raise Invalid(f"the period cannot be reported: {exc}", "报表期间超出范围", field="period") from exc
