"""Sampling plans: which calls go into the inspectors' work queue, and why.

A plan's rules pick calls that ended in a window: abandoned after waiting more than X s, talk
longer than N s, emergency calls, a number that called again within H hours (the earlier call
is the one that failed the caller), calls whose automatic checks raised chosen flags, calls that
other domains flagged (`CallFlag`: unsatisfied, complaint, ...). Then `random_per_agent_week`
tops each agent's ISO week up to N tasks from their remaining answered calls, drawn with a seed
made of the plan, week and agent, so a re-run picks the same calls and adds none (one task per
plan and call; the run is idempotent and safe for the hourly job).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.calls import feed
from hotline.errors import Invalid, NotFound
from hotline.quality.metrics import FLAGS
from hotline.quality.models import AudioCheck, CallFlag, Plan, Task
from hotline.quality.schemas import PlanIn, Rules, TaskOut
from hotline.store.db import Database

ACTOR = Actor(None, "quality-sampling")
JOB_WINDOW_DAYS = 8  # the job re-reads the last 8 days: a week's random top-up sees the whole week


def week_of(at: datetime) -> str:
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def _known_flags(data: PlanIn) -> None:
    unknown = sorted(set(data.rules.auto_flags) - set(FLAGS))
    if unknown:
        raise Invalid(
            f"unknown automatic flags: {', '.join(unknown)}", f"未知的自动质检标记：{'、'.join(unknown)}"
        )


def _plan_snapshot(plan: Plan) -> dict[str, Any]:
    return {"name": plan.name, "form_code": plan.form_code, "rules": plan.rules, "enabled": plan.enabled}


def create_plan(session: Session, actor: Actor, data: PlanIn) -> Plan:
    _known_flags(data)
    plan = Plan(name=data.name, form_code=data.form_code, rules=data.rules.model_dump(), enabled=data.enabled)
    session.add(plan)
    session.flush()
    record(session, actor, "quality.plan.create", "quality_plan", plan.id, None, data.model_dump())
    return plan


def update_plan(session: Session, actor: Actor, plan_id: int, data: PlanIn) -> Plan:
    """Change a plan's rules (or switch it off); calls it already picked stay in the queue."""
    _known_flags(data)
    plan = get_plan(session, plan_id)
    before = _plan_snapshot(plan)
    plan.name, plan.form_code, plan.enabled = data.name, data.form_code, data.enabled
    plan.rules = data.rules.model_dump()
    session.flush()
    record(session, actor, "quality.plan.edit", "quality_plan", plan.id, before, _plan_snapshot(plan))
    return plan


def get_plan(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"no plan {plan_id}", f"抽检方案 {plan_id} 不存在")
    return plan


def plans(session: Session) -> list[Plan]:
    return list(session.scalars(select(Plan).order_by(Plan.id)))


def _reasons(
    call: feed.CallFact,
    rules: Rules,
    auto: dict[str, list[str]],
    flagged: dict[str, set[str]],
    repeats: set[str],
) -> list[str]:
    out = []
    abandon = rules.abandon_wait_over
    if abandon is not None and call.outcome == "abandoned" and (call.wait_seconds or 0) > abandon:
        out.append("abandoned_wait")
    if rules.long_call_over is not None and (call.talk_seconds or 0) > rules.long_call_over:
        out.append("long_call")
    if rules.emergency and call.outcome == "emergency":
        out.append("emergency")
    if call.uuid in repeats:
        out.append("repeat_call")
    out += [f"auto:{f}" for f in auto.get(call.uuid, []) if f in rules.auto_flags]
    out += [f"flag:{f}" for f in sorted(flagged.get(call.uuid, set())) if f in rules.call_flags]
    return out


def _repeats(session: Session, calls: list[feed.CallFact], hours: float | None, until: datetime) -> set[str]:
    """Calls followed by another call from the same number within `hours`."""
    if hours is None:
        return set()
    numbers = sorted({c.caller_number for c in calls if c.caller_number})
    since = min((c.started_at for c in calls), default=until)
    later = feed.calls_from(session, numbers, since, until + timedelta(hours=hours))
    by_number: dict[str, list[datetime]] = defaultdict(list)
    for c in later:
        by_number[c.caller_number or ""].append(c.started_at)
    window = timedelta(hours=hours)
    return {
        c.uuid
        for c in calls
        if c.caller_number
        and any(c.started_at < t <= c.started_at + window for t in by_number[c.caller_number])
    }


def aware(at: datetime) -> datetime:
    """A time without a zone is taken as UTC (the API's documented default)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def run(session: Session, actor: Actor, plan: Plan, since: datetime, until: datetime) -> list[Task]:
    since, until = aware(since), aware(until)
    if until <= since:
        raise Invalid("the window ends before it starts", "时间范围无效")
    rules = Rules.model_validate(plan.rules)
    calls = feed.ended_calls(session, since, until)
    uuids = [c.uuid for c in calls]
    auto: dict[str, list[str]] = {}
    flagged: dict[str, set[str]] = defaultdict(set)
    if uuids:
        for uuid, flags in session.execute(
            select(AudioCheck.call_uuid, AudioCheck.flags).where(AudioCheck.call_uuid.in_(uuids))
        ):
            auto.setdefault(uuid, []).extend(flags or [])
        for uuid, reason in session.execute(
            select(CallFlag.call_uuid, CallFlag.reason).where(CallFlag.call_uuid.in_(uuids))
        ):
            flagged[uuid].add(reason)
    repeats = _repeats(session, calls, rules.repeat_within_hours, until)
    existing = (
        {
            t.call_uuid: t
            for t in session.scalars(select(Task).where(Task.plan_id == plan.id, Task.call_uuid.in_(uuids)))
        }
        if uuids
        else {}
    )
    picked: dict[str, list[str]] = {}
    for call in calls:
        reasons = _reasons(call, rules, auto, flagged, repeats)
        if reasons:
            picked[call.uuid] = reasons
    if rules.random_per_agent_week:
        pool: dict[tuple[int, str], list[feed.CallFact]] = defaultdict(list)
        for call in calls:
            if call.agent_id is not None and call.outcome == "answered":
                pool[(call.agent_id, week_of(call.started_at))].append(call)
        for (agent, week), candidates in sorted(pool.items()):
            have = session.scalars(
                select(Task.call_uuid).where(
                    Task.plan_id == plan.id, Task.agent_id == agent, Task.week == week
                )
            ).all()
            chosen = set(have) | {u for u, r in picked.items() if any(c.uuid == u for c in candidates)}
            need = rules.random_per_agent_week - len(chosen)
            rest = sorted(c.uuid for c in candidates if c.uuid not in chosen)
            if need > 0 and rest:
                draw = random.Random(f"{plan.id}/{week}/{agent}").sample(rest, min(need, len(rest)))
                for uuid in draw:
                    picked.setdefault(uuid, []).append("random")
    by_uuid = {c.uuid: c for c in calls}
    created: list[Task] = []
    for uuid, reasons in picked.items():
        if uuid in existing:
            continue
        call = by_uuid[uuid]
        recs = feed.recordings_of_call(session, uuid)
        task = Task(
            plan_id=plan.id,
            call_uuid=uuid,
            recording_id=recs[0].id if recs else None,
            agent_id=call.agent_id,
            reasons=reasons,
            week=week_of(call.started_at),
            state="open",
            call_started_at=call.started_at,
        )
        try:
            with session.begin_nested():
                session.add(task)
                session.flush()
        except IntegrityError:
            continue  # another run picked it meanwhile
        created.append(task)
    if created:
        record(
            session,
            actor,
            "quality.sampling.run",
            "quality_plan",
            plan.id,
            None,
            {"since": since.isoformat(), "until": until.isoformat(), "tasks": [t.id for t in created]},
        )
    return created


def sampling_job(db: Database, now: datetime) -> int:
    created = 0
    with db.session() as session:
        for plan in session.scalars(select(Plan).where(Plan.enabled.is_(True))):
            created += len(run(session, ACTOR, plan, now - timedelta(days=JOB_WINDOW_DAYS), now))
    return created


def queue(
    session: Session, inspector_id: int | None, state: str | None = "open", limit: int = 200
) -> list[Task]:
    """The work queue: open tasks, the inspector's own first, then unclaimed, oldest call first."""
    stmt = select(Task).order_by(Task.call_started_at, Task.id).limit(limit)
    if state:
        stmt = stmt.where(Task.state == state)
    if inspector_id is not None:
        stmt = stmt.where((Task.inspector_id == inspector_id) | Task.inspector_id.is_(None))
    return list(session.scalars(stmt))


def flag_call(session: Session, actor: Actor, call_uuid: str, reason: str, source: str | None) -> CallFlag:
    """Flag a call for sampling (idempotent per call and reason); for other domains and by hand."""
    found = session.scalar(select(CallFlag).where(CallFlag.call_uuid == call_uuid, CallFlag.reason == reason))
    if found is not None:
        return found
    flag = CallFlag(call_uuid=call_uuid, reason=reason, source=source)
    session.add(flag)
    session.flush()
    record(session, actor, "quality.flag", "call", call_uuid, None, {"reason": reason, "source": source})
    return flag


def task_out(t: Task) -> TaskOut:
    return TaskOut(
        id=t.id,
        plan_id=t.plan_id,
        call_id=t.call_uuid,
        recording_id=t.recording_id,
        agent_id=t.agent_id,
        reasons=list(t.reasons or []),
        week=t.week,
        state=t.state,
        inspector_id=t.inspector_id,
        call_started_at=t.call_started_at,
        created_at=t.created_at,
    )


def flag_in_db(db: Database, call_uuid: str, reason: str, source: str) -> None:
    """`flag_call` in its own transaction (a bus subscriber's)."""
    with db.session() as session:
        flag_call(session, Actor(None, source), call_uuid, reason, source)
