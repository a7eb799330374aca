"""Satisfaction writes: a queue's settings, a caller's answer, a 不满意 flag handled, a work order
attached. Each write is audited in its transaction and announced on the bus when it commits.

An answer is stored once per call (the CDR's uuid): a second one for the same call is refused
quietly and the first kept, so a retried write or a second survey never counts a call twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.acd.service import queue_by_name
from hotline.audit.service import Actor, record, snapshot
from hotline.audit.writes import audited_update
from hotline.bus import publish_on_commit
from hotline.errors import Conflict, NotFound
from hotline.satisfaction.models import QueueSatisfaction, SatisfactionAnswer
from hotline.satisfaction.scales import Level, rate, unrated
from hotline.satisfaction.schemas import QueueSettingsIn
from hotline.satisfaction.states import TABLE, Flag, FlagAction
from hotline.satisfaction.topics import (
    DissatisfiedFlagged,
    FlagAcknowledged,
    SatisfactionAnswerRecorded,
    SettingsChanged,
)
from hotline.store.base import utcnow


def queue_settings(session: Session, queue: str | None) -> QueueSatisfaction | None:
    if not queue:
        return None
    return session.scalar(select(QueueSatisfaction).where(QueueSatisfaction.queue == queue))


def put_settings(session: Session, actor: Actor, queue: str, data: QueueSettingsIn) -> QueueSatisfaction:
    """Create or change a queue's settings (a change needs the version it was made from)."""
    if queue_by_name(session, queue) is None:
        raise NotFound(f"queue {queue} not found", f"队列 {queue} 不存在")
    changes = data.model_dump(exclude={"version"})
    row = queue_settings(session, queue)
    if row is None:
        row = QueueSatisfaction(queue=queue, **changes)
        session.add(row)
        session.flush()
        record(
            session, actor, "satisfaction.settings.create", "satisfaction_queue", row.id, None, snapshot(row)
        )
    else:
        what = f"satisfaction settings of queue {queue}"
        with audited_update(
            session, actor, row, data.version, what, "satisfaction_queue", "satisfaction.settings.update"
        ) as edit:
            edit.apply(changes)
    publish_on_commit(session, SettingsChanged(queue=queue))
    return row


@dataclass(frozen=True)
class RatedCall:
    """The call an answer belongs to, as the call hook saw it."""

    call_uuid: str
    queue: str | None
    agent_id: int | None
    caller_id: int | None = None
    work_order_id: int | None = None


def answer_for_call(session: Session, call_uuid: str) -> SatisfactionAnswer | None:
    return session.scalar(select(SatisfactionAnswer).where(SatisfactionAnswer.call_uuid == call_uuid))


def record_answer(
    session: Session,
    actor: Actor,
    call: RatedCall,
    scale: int,
    key: str | None,
    reason: str | None = None,
) -> SatisfactionAnswer:
    """Store the caller's key on `scale` (None or a key off the scale: 未评价, with `reason`); a
    不满意 answer is flagged for the supervisor. The call's first answer stands."""
    existing = answer_for_call(session, call.call_uuid)
    if existing is not None:
        return existing
    rating = rate(scale, key) or unrated()
    row = SatisfactionAnswer(
        call_uuid=call.call_uuid,
        queue=call.queue,
        agent_id=call.agent_id,
        caller_id=call.caller_id,
        work_order_id=call.work_order_id,
        channel="ivr",
        scale=scale,
        key=rating.key,
        score=rating.score,
        level=rating.level.value,
        reason=None if rating.level is not Level.unrated else (reason or "no_key"),
        flag=Flag.open.value if rating.level is Level.dissatisfied else None,
        answered_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same call answered meanwhile elsewhere: theirs stands
        first = answer_for_call(session, call.call_uuid)
        if first is None:
            raise
        return first
    record(session, actor, "satisfaction.answer", "satisfaction_answer", row.id, None, snapshot(row))
    publish_on_commit(
        session,
        SatisfactionAnswerRecorded(
            id=row.id,
            call_id=row.call_uuid,
            queue=row.queue,
            agent_id=row.agent_id,
            scale=row.scale,
            score=row.score,
            level=row.level,
            work_order_id=row.work_order_id,
        ),
    )
    if row.flag == Flag.open.value:
        flagged = DissatisfiedFlagged(
            id=row.id, call_id=row.call_uuid, queue=row.queue, agent_id=row.agent_id
        )
        publish_on_commit(session, flagged)
    return row


def get_answer(session: Session, answer_id: int) -> SatisfactionAnswer:
    row = session.get(SatisfactionAnswer, answer_id)
    if row is None:
        raise NotFound(f"satisfaction answer {answer_id} not found", f"满意度评价 {answer_id} 不存在")
    return row


def acknowledge(
    session: Session, actor: Actor, answer_id: int, version: int, note: str
) -> SatisfactionAnswer:
    """A supervisor handled the 不满意 flag of an answer (409 when it has none open)."""
    row = get_answer(session, answer_id)
    what = f"satisfaction answer {answer_id}"
    with audited_update(
        session, actor, row, version, what, "satisfaction_answer", "satisfaction.flag.acknowledge"
    ) as edit:
        if row.flag is None:
            raise Conflict("this answer raised no flag", "该评价没有不满意标记")
        state = TABLE.next(Flag(row.flag), FlagAction.acknowledge)
        edit.apply({"flag": state, "flag_note": note, "flag_by": actor.name, "flag_at": utcnow()})
    publish_on_commit(session, FlagAcknowledged(id=row.id, by=actor.name))
    return row


def attach_work_order(session: Session, actor: Actor, call_uuids: list[str], work_order_id: int) -> int:
    """A work order made from these calls: their answers (still without one) point to it."""
    if not call_uuids:
        return 0
    ids = list(
        session.scalars(
            select(SatisfactionAnswer.id).where(
                SatisfactionAnswer.call_uuid.in_(call_uuids), SatisfactionAnswer.work_order_id.is_(None)
            )
        )
    )
    if not ids:
        return 0
    session.execute(
        update(SatisfactionAnswer)
        .where(SatisfactionAnswer.id.in_(ids))
        .values(work_order_id=work_order_id, version=SatisfactionAnswer.version + 1)
        .execution_options(synchronize_session=False)
    )
    for answer_id in ids:
        after: dict[str, Any] = {"work_order_id": work_order_id}
        record(
            session, actor, "satisfaction.answer.work_order", "satisfaction_answer", answer_id, None, after
        )
    return len(ids)
