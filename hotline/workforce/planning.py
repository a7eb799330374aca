"""What a roster is planned from: shift templates, agents' planning profiles (audited writes) with
their approved leave (`leave.py`), and the staffing plan per half hour — the forecast from the
call history, the agents required under Erlang C or A for the target, and after shrinkage the
agents to schedule — beside the calls that actually came (forecast vs actual).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.audit.writes import check_version
from hotline.calls.volume import average_handle_seconds, offered_per_half_hour
from hotline.errors import Conflict, Invalid, NotFound
from hotline.people.queries import active_users
from hotline.workforce import forecast, leave, staffing
from hotline.workforce.clock import LOCAL, local_midnight
from hotline.workforce.models import AgentProfile, ShiftTemplate
from hotline.workforce.roster import AgentSpec, Template
from hotline.workorders.calendar import WorkCalendar

__all__ = ["LOCAL", "local_midnight"]  # re-exported: the routers and rosters plan in local days
PLANNED_ROLES = ("agent", "supervisor")
DEFAULT_TEMPLATES = (
    ("A", "早班 06-14", 6 * 60, 480),
    ("B", "白班 08-16", 8 * 60, 480),
    ("C", "白班 09-17", 9 * 60, 480),
    ("D", "白班 10-18", 10 * 60, 480),
    ("E", "中班 12-20", 12 * 60, 480),
    ("F", "晚班 14-22", 14 * 60, 480),
    ("G", "晚班 16-24", 16 * 60, 480),
    ("N", "夜班 22-06", 22 * 60, 480),
)
HISTORY_DAYS = 365
DEFAULT_AHT = 240.0


# --- shift templates --------------------------------------------------------------------------


def templates(session: Session, active_only: bool = False) -> list[ShiftTemplate]:
    stmt = select(ShiftTemplate).order_by(ShiftTemplate.start_minute, ShiftTemplate.code)
    if active_only:
        stmt = stmt.where(ShiftTemplate.active.is_(True))
    return list(session.scalars(stmt))


def ensure_default_templates(session: Session, actor: Actor) -> list[ShiftTemplate]:
    """The eight 8-hour templates of a 24-hour hotline, when none exist yet."""
    if not templates(session):
        for code, name, start, minutes in DEFAULT_TEMPLATES:
            save_template(session, actor, None, code=code, name=name, start_minute=start, minutes=minutes)
    return templates(session)


def save_template(
    session: Session,
    actor: Actor,
    template_id: int | None,
    *,
    code: str,
    name: str,
    start_minute: int,
    minutes: int,
    active: bool = True,
    version: int | None = None,
) -> ShiftTemplate:
    if start_minute % 30 or minutes % 30 or not 0 <= start_minute < 1440 or not 30 <= minutes <= 16 * 60:
        raise Invalid(
            "shifts start and last in whole half hours, at most 16 h", "班次须按半小时起止，最长 16 小时"
        )
    if template_id is None:
        if session.scalar(select(ShiftTemplate.id).where(ShiftTemplate.code == code)):
            raise Conflict(f"shift template {code} exists", f"班次代码 {code} 已存在")
        new = ShiftTemplate(code=code, name=name, start_minute=start_minute, minutes=minutes, active=active)
        session.add(new)
        session.flush()
        record(session, actor, "create", "workforce_shift_template", new.id, after=snapshot(new))
        return new
    row = session.get(ShiftTemplate, template_id)
    if row is None:
        raise NotFound("no such shift template", "班次不存在")
    check_version(row, version, "shift template")
    before = snapshot(row)
    row.name, row.start_minute, row.minutes, row.active = name, start_minute, minutes, active
    session.flush()
    record(session, actor, "update", "workforce_shift_template", row.id, before, snapshot(row))
    return row


def as_templates(rows: list[ShiftTemplate]) -> list[Template]:
    return [Template(r.code, r.start_minute // 30, r.minutes // 30) for r in rows]


# --- agents and profiles ----------------------------------------------------------------------


def save_profile(
    session: Session,
    actor: Actor,
    user_id: int,
    *,
    skills: list[str],
    templates: list[str] | None,
    weekdays_off: list[int],
    planned: bool,
) -> AgentProfile:
    if user_id not in {u for u, _, _ in active_users(session, PLANNED_ROLES)}:
        raise NotFound(f"no agent or supervisor {user_id}", "该座席不存在或不参与排班")
    row = session.get(AgentProfile, user_id)
    before = snapshot(row) if row else None
    if row is None:
        row = AgentProfile(user_id=user_id)
        session.add(row)
    row.skills, row.templates, row.weekdays_off, row.planned = skills, templates, weekdays_off, planned
    session.flush()
    record(
        session,
        actor,
        "update" if before else "create",
        "workforce_agent_profile",
        user_id,
        before,
        snapshot(row),
    )
    return row


def profiles(session: Session) -> list[dict[str, Any]]:
    """Every agent and supervisor with how they may be planned (defaults without a row: any
    shift, every weekday, planned), for the planners' skills and availability page."""
    rows = {p.user_id: p for p in session.scalars(select(AgentProfile))}
    out = []
    for user_id, name, role in active_users(session, PLANNED_ROLES):
        prof = rows.get(user_id)
        out.append(
            {
                "user_id": user_id,
                "name": name,
                "role": role,
                "skills": list(prof.skills) if prof else [],
                "templates": list(prof.templates) if prof and prof.templates is not None else None,
                "weekdays_off": sorted(prof.weekdays_off) if prof else [],
                "planned": prof.planned if prof else True,
            }
        )
    return out


def agents(session: Session, first: date, last: date) -> list[tuple[AgentSpec, str]]:
    """The plannable agents with their days off (approved leave, weekdays never available) in
    [first, last]; approved leave for hours of a day keeps them off the shifts it overlaps."""
    profiles = {p.user_id: p for p in session.scalars(select(AgentProfile))}
    off, hours_off = leave.unavailable(session, first, last)
    out = []
    for user_id, name, _role in active_users(session, PLANNED_ROLES):
        prof = profiles.get(user_id)
        if prof is not None and not prof.planned:
            continue
        days_off = set(off.get(user_id, set()))
        if prof is not None and prof.weekdays_off:
            day = first
            while day <= last:
                if day.weekday() in prof.weekdays_off:
                    days_off.add(day)
                day += timedelta(days=1)
        spec = AgentSpec(
            user_id,
            frozenset(prof.skills if prof else ()),
            frozenset(days_off),
            frozenset(prof.templates) if prof is not None and prof.templates is not None else None,
            tuple(hours_off.get(user_id, ())),
        )
        out.append((spec, name))
    return out


# --- the staffing plan ------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    first_day: date
    days: int
    aht: float
    forecast: np.ndarray  # offered calls per half hour
    actual: list[int | None]  # per half hour; None for half hours still ahead
    required: np.ndarray  # agents on the phones
    scheduled: np.ndarray  # agents to schedule (after shrinkage)

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_day": self.first_day.isoformat(),
            "days": self.days,
            "aht": round(self.aht, 1),
            "forecast": [round(float(v), 2) for v in self.forecast],
            "actual": self.actual,
            "required": [int(v) for v in self.required],
            "scheduled": [int(v) for v in self.scheduled],
        }


def history(session: Session, first: date, days: int) -> np.ndarray:
    """Offered calls per half hour for `days` local days from `first` (days × 48)."""
    start = local_midnight(first)
    counts = offered_per_half_hour(session, start, start + timedelta(days=days))
    out = np.zeros(days * forecast.SLOTS)
    for at, n in counts.items():
        i = int((at - start).total_seconds() // 1800)
        if 0 <= i < len(out):
            out[i] = n
    return out.reshape(days, forecast.SLOTS)


def plan(
    session: Session,
    first: date,
    days: int,
    target: staffing.Target,
    *,
    model: str = "erlang_a",
    aht: float | None = None,
    overrides: dict[date, bool] | None = None,
    today: date | None = None,
) -> Plan:
    """Forecast `days` days from `first` on the year of history before it, staff it for `target`.
    CPU-bound for a long horizon: call it from a worker thread (`Database.run`)."""
    if not 1 <= days <= 62:
        raise Invalid("plan 1 to 62 days at a time", "一次可规划 1 到 62 天")
    if overrides is None:
        overrides = WorkCalendar.load(session).overrides  # the center's own 调休 corrections
    hist_start = first - timedelta(days=HISTORY_DAYS)
    past = history(session, hist_start, HISTORY_DAYS)
    fitted = forecast.fit(hist_start, past, overrides)
    expected = fitted.days(first, days).ravel()
    start = local_midnight(first)
    handle = aht or average_handle_seconds(session, start - timedelta(days=28), start) or DEFAULT_AHT
    required = (staffing.required_a if model == "erlang_a" else staffing.required_c)(expected, handle, target)
    today = today or datetime.now(LOCAL).date()
    seen = history(session, first, days).ravel()
    past_slots = max(0, min(days, (today - first).days + 1)) * forecast.SLOTS
    actual: list[int | None] = [int(v) if i < past_slots else None for i, v in enumerate(seen)]
    return Plan(first, days, handle, expected, actual, required, staffing.scheduled(required, target))
