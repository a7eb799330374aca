"""Sample frames for surveys: callers picked by district, age, living alone, assistance status and
care profile, with the number to ring (their first phone). The surveys domain asks here rather
than reading the callers' tables; the caller's name never leaves, only what a survey may cut by."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Subquery, func, select
from sqlalchemy.orm import Session

from hotline.people.models import Caller, CallerPhone, CareProfile


@dataclass(frozen=True)
class FrameFilter:
    district: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    living_alone: bool | None = None
    assistance_status: str | None = None
    care_only: bool = False


@dataclass(frozen=True)
class FrameMember:
    caller_id: int
    phone: str
    district: str
    age: int | None


def first_phones() -> Subquery:
    """Each caller's first phone (`caller_id`, `number`): the number a sample rings."""
    first = (
        select(CallerPhone.caller_id, func.min(CallerPhone.id).label("phone_id"))
        .group_by(CallerPhone.caller_id)
        .subquery()
    )
    return (
        select(CallerPhone.caller_id, CallerPhone.number)
        .join(first, CallerPhone.id == first.c.phone_id)
        .subquery()
    )


def sample_frame(session: Session, f: FrameFilter, limit: int) -> list[FrameMember]:
    """Callers matching `f` that have a phone, in id order (at most `limit`)."""
    phone = first_phones()
    q = (
        select(Caller.id, phone.c.number, Caller.district, CareProfile.age)
        .join(phone, phone.c.caller_id == Caller.id)
        .outerjoin(CareProfile, CareProfile.caller_id == Caller.id)
    )
    if f.district:
        q = q.where(Caller.district == f.district)
    if f.min_age is not None:
        q = q.where(CareProfile.age >= f.min_age)
    if f.max_age is not None:
        q = q.where(CareProfile.age <= f.max_age)
    if f.living_alone is not None:
        q = q.where(CareProfile.living_alone.is_(f.living_alone))
    if f.assistance_status:
        q = q.where(CareProfile.assistance_status == f.assistance_status)
    if f.care_only:
        q = q.where(CareProfile.id.is_not(None))
    rows = session.execute(q.order_by(Caller.id).limit(limit)).all()
    return [FrameMember(cid, number, district or "", age) for cid, number, district, age in rows]
