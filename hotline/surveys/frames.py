"""Sample frames for the three ways of reaching respondents (CATI, IVR campaigns, SMS invites):
callers by district, age and care profile (`people.sampling`), or the people whose work orders
were closed in a period, for a return-visit survey (`workorders.sampling`). One shape for both,
with the stratum fields quotas cut by and the work order behind a return-visit respondent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy.orm import Session

from hotline.people.sampling import FrameFilter, sample_frame
from hotline.workorders.sampling import ClosedOrderFilter, closed_order_frame


@dataclass(frozen=True)
class Frame:
    """What to sample (the fields of the other source are ignored; the HTTP shape refuses them)."""

    source: Literal["callers", "closed_orders"] = "callers"
    district: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    living_alone: bool | None = None
    assistance_status: str | None = None
    care_only: bool = False
    closed_from: date | None = None
    closed_to: date | None = None
    category_id: int | None = None
    department_id: int | None = None


@dataclass(frozen=True)
class Member:
    phone: str
    district: str
    age_band: str
    caller_id: int | None
    work_order_id: int | None = None


def age_band(age: int | None) -> str:
    """The age band quotas and cross-tabs cut by: tens ("70-79"), "90+", "" when unknown."""
    if age is None:
        return ""
    if age >= 90:
        return "90+"
    low = age // 10 * 10
    return f"{low}-{low + 9}"


def members(session: Session, f: Frame, limit: int) -> list[Member]:
    """At most `limit` members of the frame: callers in id order; closed orders latest first."""
    if f.source == "closed_orders":
        orders = ClosedOrderFilter(f.closed_from, f.closed_to, f.category_id, f.district, f.department_id)
        return [
            Member(m.phone, m.district, age_band(m.age), m.caller_id, m.work_order_id)
            for m in closed_order_frame(session, orders, limit)
        ]
    callers = FrameFilter(f.district, f.min_age, f.max_age, f.living_alone, f.assistance_status, f.care_only)
    return [
        Member(m.phone, m.district, age_band(m.age), m.caller_id)
        for m in sample_frame(session, callers, limit)
    ]
