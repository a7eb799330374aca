"""ACD configuration services: queues, agents' skills, business hours (audited writes), and the
runtime configuration the in-memory `Acd` is built from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.acd.hours import validate_schedule
from hotline.acd.models import AcdQueue, AgentSkill, BusinessHours
from hotline.acd.queue import Overflow, OverflowKind, QueueConfig
from hotline.acd.ready import Agent, Strategy
from hotline.acd.schemas import HoursIn, HoursPatch, QueueIn, QueuePatch, SkillIn
from hotline.audit.service import Actor, record, snapshot
from hotline.audit.writes import audited_update
from hotline.errors import Conflict, Invalid, NotFound
from hotline.people.models import User
from hotline.store.pagination import PageRequest, paginate

T = TypeVar("T")


def queues_page(session: Session, params: PageRequest, to_out: Callable[[AcdQueue], T]) -> dict[str, Any]:
    sortable = {"name": AcdQueue.name, "label": AcdQueue.label}
    return paginate(session, select(AcdQueue), params, sortable, AcdQueue.id, to_out, "name")


def list_hours(session: Session) -> list[BusinessHours]:
    return list(session.scalars(select(BusinessHours).order_by(BusinessHours.name)))


def get_hours(session: Session, hours_id: int) -> BusinessHours:
    row = session.get(BusinessHours, hours_id)
    if row is None:
        raise NotFound(f"no business hours {hours_id}", f"营业时间 {hours_id} 不存在")
    return row


def get_queue(session: Session, queue_id: int) -> AcdQueue:
    row = session.get(AcdQueue, queue_id)
    if row is None:
        raise NotFound(f"no queue {queue_id}", f"队列 {queue_id} 不存在")
    return row


def queue_by_name(session: Session, name: str) -> AcdQueue | None:
    return session.scalar(select(AcdQueue).where(AcdQueue.name == name))


def _check_refs(session: Session, row: AcdQueue) -> None:
    if row.overflow_kind == OverflowKind.queue.value:
        target = row.overflow_target
        if not target or target == row.name or queue_by_name(session, target) is None:
            raise Invalid(f"overflow target queue {target!r} does not exist", f"溢出目标队列 {target} 不存在")
    if row.hours_id is not None and session.get(BusinessHours, row.hours_id) is None:
        raise Invalid(f"no business hours {row.hours_id}", f"营业时间 {row.hours_id} 不存在")


def create_queue(session: Session, actor: Actor, data: QueueIn) -> AcdQueue:
    if queue_by_name(session, data.name) is not None:
        raise Conflict(f"queue {data.name!r} exists", f"队列 {data.name} 已存在")
    row = AcdQueue(**data.model_dump(mode="json"))
    _check_refs(session, row)
    session.add(row)
    session.flush()
    record(session, actor, "create", "acd_queue", row.id, None, snapshot(row))
    return row


def update_queue(session: Session, actor: Actor, queue_id: int, data: QueuePatch) -> AcdQueue:
    row = get_queue(session, queue_id)
    with audited_update(session, actor, row, data.version, "queue", "acd_queue") as edit:
        edit.apply(data.model_dump(mode="json", exclude_unset=True, exclude={"version"}))
        _check_refs(session, row)
    return row


def skills_of(session: Session, user_id: int) -> list[tuple[str, int]]:
    stmt = (
        select(AcdQueue.name, AgentSkill.level)
        .join(AcdQueue, AcdQueue.id == AgentSkill.queue_id)
        .where(AgentSkill.user_id == user_id)
        .order_by(AcdQueue.name)
    )
    return [(name, level) for name, level in session.execute(stmt)]


def set_skills(session: Session, actor: Actor, user_id: int, skills: list[SkillIn]) -> list[tuple[str, int]]:
    if session.get(User, user_id) is None:
        raise NotFound(f"no user {user_id}", f"用户 {user_id} 不存在")
    before = dict(skills_of(session, user_id))
    for row in session.scalars(select(AgentSkill).where(AgentSkill.user_id == user_id)):
        session.delete(row)
    session.flush()
    for skill in skills:
        queue = queue_by_name(session, skill.queue)
        if queue is None:
            raise Invalid(f"no queue {skill.queue!r}", f"队列 {skill.queue} 不存在")
        session.add(AgentSkill(user_id=user_id, queue_id=queue.id, level=skill.level))
    session.flush()
    after = dict(skills_of(session, user_id))
    record(session, actor, "set_skills", "user", user_id, {"skills": before}, {"skills": after})
    return list(after.items())


def create_hours(session: Session, actor: Actor, data: HoursIn) -> BusinessHours:
    if session.scalar(select(BusinessHours.id).where(BusinessHours.name == data.name)) is not None:
        raise Conflict(f"business hours {data.name!r} exist", f"营业时间 {data.name} 已存在")
    row = BusinessHours(name=data.name, schedule=validate_schedule(data.schedule))
    session.add(row)
    session.flush()
    record(session, actor, "create", "business_hours", row.id, None, snapshot(row))
    return row


def update_hours(session: Session, actor: Actor, hours_id: int, data: HoursPatch) -> BusinessHours:
    row = get_hours(session, hours_id)
    with audited_update(session, actor, row, data.version, "business hours", "business_hours"):
        if data.name is not None and data.name != row.name:
            if session.scalar(select(BusinessHours.id).where(BusinessHours.name == data.name)) is not None:
                raise Conflict(f"business hours {data.name!r} exist", f"营业时间 {data.name} 已存在")
            row.name = data.name
        if data.schedule is not None:
            row.schedule = validate_schedule(data.schedule)
    return row


def hours_by_name(session: Session) -> dict[str, dict[str, Any]]:
    return {h.name: dict(h.schedule) for h in session.scalars(select(BusinessHours))}


def queue_config(row: AcdQueue) -> QueueConfig:
    overflow = None
    if row.overflow_kind:
        overflow = Overflow(OverflowKind(row.overflow_kind), row.overflow_target)
    return QueueConfig(
        row.name,
        row.label,
        Strategy(row.strategy),
        row.timeout_seconds,
        overflow,
        row.wrap_up_seconds,
        row.ring_timeout_seconds,
        row.max_no_answer,
        row.priority_boost_seconds,
        row.service_level_seconds,
    )


def runtime_config(session: Session) -> tuple[list[QueueConfig], list[Agent]]:
    """Queues and agents (with skills and extensions) to build the in-memory ACD from."""
    queues = [queue_config(q) for q in session.scalars(select(AcdQueue).order_by(AcdQueue.id))]
    stmt = (
        select(User, AcdQueue.name, AgentSkill.level)
        .join(AgentSkill, AgentSkill.user_id == User.id)
        .join(AcdQueue, AcdQueue.id == AgentSkill.queue_id)
        .where(User.active.is_(True))
        .order_by(User.id)
    )
    agents: dict[int, Agent] = {}
    for user, queue, level in session.execute(stmt):
        agent = agents.setdefault(user.id, Agent(user.id, user.display_name, {}, user.extension, user.id))
        agent.skills[queue] = level
    return queues, list(agents.values())
