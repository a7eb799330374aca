"""Rosters in the database: generate one (requirement → `roster.generate` → shift rows), publish
it, edit a shift by hand, agents' swap requests with the supervisor's decision, and each agent's
own published schedule. Every write audited; published changes announced on the bus.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.audit.writes import check_version
from hotline.bus import publish_on_commit
from hotline.errors import Conflict, Forbidden, Invalid, NotFound
from hotline.store.base import utcnow
from hotline.workforce import leave, planning, roster, staffing
from hotline.workforce.models import Roster, Shift, SwapRequest
from hotline.workforce.states import (
    ROSTER,
    SWAP,
    LeaveState,
    RosterAction,
    RosterState,
    SwapAction,
    SwapState,
)
from hotline.workforce.topics import RosterPublished, ShiftChanged, SwapDecided


def get_roster(session: Session, roster_id: int) -> Roster:
    row = session.get(Roster, roster_id)
    if row is None:
        raise NotFound("no such roster", "排班表不存在")
    return row


def generate(
    session: Session,
    actor: Actor,
    *,
    name: str,
    first_day: date,
    days: int,
    required: list[int] | None = None,
    skill: str | None = None,
    rules: roster.Rules | None = None,
    requirements: dict[str, list[int]] | None = None,
) -> Roster:
    """A draft roster covering `required` (agents to schedule per half hour, days × 48) with
    agents of `skill` (any when None), or `requirements` (skill → agents per half hour) in one
    run, each skill by agents who have it. What cannot be covered is stored with it
    (`shortfall`), never an error. CPU-bound: run in a thread."""
    if (required is None) == (requirements is None) or (requirements is not None and skill):
        raise Invalid(
            "give one requirement (with an optional skill) or a requirement per skill",
            "请提供一个排班需求（可指定技能），或按技能分别提供需求",
        )
    wanted = requirements if requirements is not None else {"": required or []}
    if not wanted or any(len(v) != days * roster.SLOTS_PER_DAY for v in wanted.values()):
        raise Invalid("the requirement needs 48 half hours a day", "需求须为每天 48 个半小时")
    total = np.sum([np.asarray(v, dtype=np.int64) for v in wanted.values()], axis=0)
    rows = planning.ensure_default_templates(session, actor)
    tpl = planning.as_templates([r for r in rows if r.active])
    people = planning.agents(session, first_day, first_day + timedelta(days=days - 1))
    specs = [spec for spec, _ in people]
    if requirements is not None:
        result = roster.generate_by_skill(first_day, days, requirements, tpl, specs, rules)
    else:
        result = roster.generate(first_day, days, total, tpl, specs, rules, skill)
    row = Roster(
        name=name,
        first_day=first_day,
        days=days,
        skill=skill,
        required=[int(v) for v in total],
        requirements={k: [int(x) for x in v] for k, v in requirements.items()} if requirements else None,
        met_share=result.met_share,
        shortfall=[list(p) for p in result.shortfall],
    )
    session.add(row)
    session.flush()
    by_code = {t.code: t for t in tpl}
    for a in result.assignments:
        starts = planning.local_midnight(a.day) + timedelta(minutes=30 * by_code[a.template].start)
        ends = starts + timedelta(minutes=30 * by_code[a.template].length)
        session.add(
            Shift(
                roster_id=row.id,
                user_id=a.agent_id,
                day=a.day,
                template=a.template,
                skill=a.skill,
                starts_at=starts,
                ends_at=ends,
            )
        )
    session.flush()
    record(
        session,
        actor,
        "generate",
        "workforce_roster",
        row.id,
        after={
            **snapshot(row),
            "required": None,
            "requirements": sorted(row.requirements or {}),
            "shifts": len(result.assignments),
            "agents": len(people),
        },
    )
    return row


def publish(session: Session, actor: Actor, roster_id: int, version: int | None) -> Roster:
    row = get_roster(session, roster_id)
    check_version(row, version, "roster")
    row.state = ROSTER.next(RosterState(row.state), RosterAction.publish).value
    row.published_at = utcnow()
    session.flush()
    record(session, actor, "publish", "workforce_roster", row.id, after={"state": row.state})
    users = sorted(set(session.scalars(select(Shift.user_id).where(Shift.roster_id == row.id))))
    publish_on_commit(
        session,
        RosterPublished(roster_id=row.id, first_day=row.first_day.isoformat(), days=row.days, user_ids=users),
    )
    return row


def create(
    session: Session,
    actor: Actor,
    *,
    name: str,
    first_day: date,
    days: int,
    skill: str | None,
    target: staffing.Target,
    model: str,
    aht: float | None,
    required: list[int] | None,
    requirements: dict[str, list[int]] | None = None,
) -> Roster:
    """A draft roster for the staffing plan of its days (or an explicit requirement, or one per
    skill)."""
    if required is None and requirements is None:
        plan = planning.plan(session, first_day, days, target, model=model, aht=aht)
        required = [int(v) for v in plan.scheduled]
    return generate(
        session,
        actor,
        name=name,
        first_day=first_day,
        days=days,
        required=required,
        skill=skill,
        requirements=requirements,
    )


def view(session: Session, roster_id: int) -> dict[str, Any]:
    """The roster with its shifts, the coverage they give per half hour (after any edits), the
    half hours still short with how many agents each misses, and the approved leave in its days
    (with the shifts each clashes with)."""
    row = get_roster(session, roster_id)
    shifts = list(
        session.scalars(select(Shift).where(Shift.roster_id == row.id).order_by(Shift.day, Shift.user_id))
    )
    covered = coverage(row, shifts)
    if row.requirements:  # each skill against its own shifts: one's surplus covers no other's gap
        by_skill = {
            k: {"required": need, "covered": coverage(row, [s for s in shifts if s.skill == k])}
            for k, need in row.requirements.items()
        }
        gaps = [g for k, v in by_skill.items() for g in _gaps(row, v["required"], v["covered"], k)]
        gaps.sort(key=lambda g: (g["start"], g["skill"]))
    else:
        by_skill, gaps = {}, _gaps(row, row.required, covered, row.skill)
    last = row.first_day + timedelta(days=row.days - 1)
    away = leave.between(session, row.first_day, last, states=(LeaveState.approved.value,))
    return {
        "roster": row,
        "required": row.required,
        "covered": covered,
        "shifts": shifts,
        "gaps": gaps,
        "by_skill": by_skill,
        "leaves": leave.with_clashes(session, away),
    }


def _gaps(row: Roster, required: list[int], covered: list[int], skill: str | None) -> list[dict[str, Any]]:
    start = planning.local_midnight(row.first_day)
    return [
        {
            "start": start + timedelta(minutes=30 * i),
            "skill": skill,
            "required": need,
            "scheduled": have,
            "missing": need - have,
        }
        for i, (need, have) in enumerate(zip(required, covered, strict=False))
        if need > have
    ]


def coverage(row: Roster, shifts: list[Shift]) -> list[int]:
    start = planning.local_midnight(row.first_day)
    out = np.zeros(row.days * roster.SLOTS_PER_DAY, dtype=np.int64)
    for s in shifts:
        a = int((s.starts_at - start).total_seconds() // 1800)
        b = int((s.ends_at - start).total_seconds() // 1800)
        out[max(a, 0) : max(min(b, len(out)), 0)] += 1
    return [int(v) for v in out]


def rosters(session: Session) -> list[Roster]:
    return list(session.scalars(select(Roster).order_by(Roster.first_day.desc(), Roster.id.desc()).limit(50)))


def _shift(session: Session, shift_id: int) -> Shift:
    row = session.get(Shift, shift_id)
    if row is None:
        raise NotFound("no such shift", "班次不存在")
    return row


def _free_that_day(session: Session, roster_id: int, user_id: int, day: date, but: int) -> None:
    taken = session.scalar(
        select(Shift.id).where(
            Shift.roster_id == roster_id, Shift.user_id == user_id, Shift.day == day, Shift.id != but
        )
    )
    if taken:
        raise Conflict("that agent already works a shift that day", "该座席当天已有班次")


def _not_on_leave(session: Session, user_id: int, starts: datetime, ends: datetime) -> None:
    off = leave.away(session, user_id, starts, ends)
    if off is not None:
        raise Conflict(
            "that agent is on approved leave then",
            f"该座席已获批请假（{off.first_day} 至 {off.last_day}），不能安排此班次",
            leave_id=off.id,
        )


def edit_shift(
    session: Session,
    actor: Actor,
    shift_id: int,
    version: int | None,
    *,
    user_id: int,
    template: str,
) -> Shift:
    """A supervisor moves a shift to another agent or template (a published roster stays published)."""
    row = _shift(session, shift_id)
    check_version(row, version, "shift")
    parent = get_roster(session, row.roster_id)
    ROSTER.next(RosterState(parent.state), RosterAction.edit)
    tpl = {t.code: t for t in planning.templates(session)}.get(template)
    if tpl is None:
        raise Invalid("unknown shift template", "班次代码无效")
    _free_that_day(session, row.roster_id, user_id, row.day, row.id)
    starts = planning.local_midnight(row.day) + timedelta(minutes=tpl.start_minute)
    ends = starts + timedelta(minutes=tpl.minutes)
    _not_on_leave(session, user_id, starts, ends)
    before = snapshot(row)
    previous = row.user_id
    row.user_id, row.template = user_id, template
    row.starts_at, row.ends_at = starts, ends
    session.flush()
    record(session, actor, "update", "workforce_shift", row.id, before, snapshot(row))
    if parent.state == RosterState.published:
        publish_on_commit(session, ShiftChanged(shift_id=row.id, user_id=user_id, previous_user_id=previous))
    return row


def request_swap(session: Session, actor: Actor, shift_id: int, to_user_id: int, reason: str) -> SwapRequest:
    """The shift's agent asks to hand it to a colleague."""
    row = _shift(session, shift_id)
    if row.user_id != actor.id:
        raise Forbidden("only the shift's own agent can offer it", "只能申请调换自己的班次")
    if to_user_id == actor.id:
        raise Invalid("swap with a colleague, not yourself", "请选择其他同事")
    swap = SwapRequest(shift_id=row.id, from_user_id=row.user_id, to_user_id=to_user_id, reason=reason)
    session.add(swap)
    session.flush()
    record(session, actor, "create", "workforce_swap", swap.id, after=snapshot(swap))
    return swap


def decide_swap(
    session: Session, actor: Actor, swap_id: int, version: int | None, approve: bool
) -> SwapRequest:
    swap = session.get(SwapRequest, swap_id)
    if swap is None:
        raise NotFound("no such swap request", "换班申请不存在")
    check_version(swap, version, "swap request")
    action = SwapAction.approve if approve else SwapAction.refuse
    state = SWAP.next(SwapState(swap.state), action)
    before = snapshot(swap)
    if approve:
        row = _shift(session, swap.shift_id)
        if row.user_id != swap.from_user_id:
            raise Conflict("the shift changed hands since the request", "班次已变更，申请失效")
        _free_that_day(session, row.roster_id, swap.to_user_id, row.day, row.id)
        _not_on_leave(session, swap.to_user_id, row.starts_at, row.ends_at)
        shift_before = snapshot(row)
        row.user_id = swap.to_user_id
        session.flush()
        record(session, actor, "swap", "workforce_shift", row.id, shift_before, snapshot(row))
        publish_on_commit(
            session, ShiftChanged(shift_id=row.id, user_id=row.user_id, previous_user_id=swap.from_user_id)
        )
    swap.state, swap.decided_by, swap.decided_at = state.value, actor.id, utcnow()
    session.flush()
    record(session, actor, action.value, "workforce_swap", swap.id, before, snapshot(swap))
    publish_on_commit(
        session,
        SwapDecided(
            swap_id=swap.id, state=swap.state, from_user_id=swap.from_user_id, to_user_id=swap.to_user_id
        ),
    )
    return swap


def swaps(session: Session, user_id: int | None = None, pending_only: bool = False) -> list[SwapRequest]:
    stmt = select(SwapRequest).order_by(SwapRequest.id.desc()).limit(200)
    if user_id is not None:
        stmt = stmt.where((SwapRequest.from_user_id == user_id) | (SwapRequest.to_user_id == user_id))
    if pending_only:
        stmt = stmt.where(SwapRequest.state == SwapState.pending.value)
    return list(session.scalars(stmt))


def schedule(session: Session, start: datetime, end: datetime, user_id: int | None = None) -> list[Shift]:
    """Published shifts overlapping [start, end) (one agent's, or everybody's)."""
    stmt = (
        select(Shift)
        .join(Roster, Roster.id == Shift.roster_id)
        .where(Roster.state == RosterState.published.value, Shift.starts_at < end, Shift.ends_at > start)
        .order_by(Shift.starts_at, Shift.user_id)
    )
    if user_id is not None:
        stmt = stmt.where(Shift.user_id == user_id)
    return list(session.scalars(stmt))
