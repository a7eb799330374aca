"""The duty roster (值班表): for each day its duty slots (day, night, weekend, holiday) with the
leader on duty, their phone number and the members; written by supervisors (audited), read by
everybody and shown on the wallboard (today's and tonight's slots)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.bus import publish_on_commit
from hotline.errors import Invalid, NotFound
from hotline.workforce.models import Duty
from hotline.workforce.topics import DutyChanged

KINDS = ("day", "night", "weekend", "holiday")


def save(
    session: Session,
    actor: Actor,
    *,
    day: date,
    kind: str,
    leader_user_id: int | None,
    leader_name: str,
    phone: str,
    members: list[str],
    note: str,
) -> Duty:
    """Set the slot (day, kind): created or replaced."""
    if kind not in KINDS:
        raise Invalid(f"duty kind is one of {', '.join(KINDS)}", "值班类型无效")
    row = session.scalar(select(Duty).where(Duty.day == day, Duty.kind == kind))
    before = snapshot(row) if row else None
    if row is None:
        row = Duty(day=day, kind=kind)
        session.add(row)
    row.leader_user_id, row.leader_name, row.phone = leader_user_id, leader_name, phone
    row.members, row.note = members, note
    session.flush()
    record(session, actor, "update" if before else "create", "workforce_duty", row.id, before, snapshot(row))
    publish_on_commit(session, DutyChanged(day=day.isoformat()))
    return row


def remove(session: Session, actor: Actor, duty_id: int) -> None:
    row = session.get(Duty, duty_id)
    if row is None:
        raise NotFound("no such duty slot", "值班安排不存在")
    record(session, actor, "delete", "workforce_duty", duty_id, before=snapshot(row))
    day = row.day
    session.delete(row)
    session.flush()
    publish_on_commit(session, DutyChanged(day=day.isoformat()))


def between(session: Session, first: date, last: date) -> list[Duty]:
    return list(
        session.scalars(select(Duty).where(Duty.day >= first, Duty.day <= last).order_by(Duty.day, Duty.kind))
    )
