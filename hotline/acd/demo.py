"""Demo ACD setup: business hours, the four skill-group queues plus a general one, and skills for
agent1..agent4 (extensions 1001..1004)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.acd.hours import DEFAULT_SCHEDULE
from hotline.acd.queue import OverflowKind
from hotline.acd.schemas import HoursIn, QueueIn, SkillIn
from hotline.acd.service import create_hours, create_queue, queue_by_name, set_skills
from hotline.audit.service import Actor
from hotline.people.service import user_by_username

QUEUES = [
    ("general", "综合咨询", OverflowKind.callback, None, 120.0),
    ("elderly", "养老服务", OverflowKind.queue, "general", 60.0),
    ("assistance", "社会救助", OverflowKind.queue, "general", 90.0),
    ("disability", "残疾人服务", OverflowKind.queue, "general", 90.0),
    ("child_welfare", "儿童福利", OverflowKind.queue, "general", 90.0),
]

SKILLS = {
    "agent1": {"elderly": 9, "general": 5, "disability": 3},
    "agent2": {"assistance": 9, "general": 5, "elderly": 4},
    "agent3": {"disability": 8, "elderly": 6, "general": 5},
    "agent4": {"child_welfare": 8, "assistance": 5, "general": 5},
}


def load(session: Session, actor: Actor) -> None:
    if queue_by_name(session, "general") is not None:
        return
    hours = create_hours(session, actor, HoursIn(name="hotline", schedule=dict(DEFAULT_SCHEDULE)))
    for name, label, kind, target, timeout in QUEUES:
        create_queue(
            session,
            actor,
            QueueIn(
                name=name,
                label=label,
                timeout_seconds=timeout,
                overflow_kind=kind,
                overflow_target=target,
                wrap_up_seconds=15,
                hours_id=hours.id,
            ),
        )
    for username, skills in SKILLS.items():
        user = user_by_username(session, username)
        if user is not None:
            set_skills(session, actor, user.id, [SkillIn(queue=q, level=lv) for q, lv in skills.items()])
