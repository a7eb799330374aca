"""Satisfaction reads: answers by queue, agent, level, flag and period (keyset pages), counts per
queue or agent with the satisfaction rate, the settings of every queue, and what a call hook needs
to know (a queue's settings and the connected agent's number, in one read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.acd.service import runtime_config
from hotline.people.models import User
from hotline.satisfaction.models import QueueSatisfaction, SatisfactionAnswer
from hotline.satisfaction.scales import LEVEL_LABELS_ZH, POSITIVE, RATED, Level
from hotline.satisfaction.schemas import AnswerOut, QueueSettingsOut, SummaryRow
from hotline.store.pagination import PageRequest, paginate


@dataclass(frozen=True)
class AnswerFilters:
    queue: str | None = None
    agent_id: int | None = None
    level: Level | None = None
    flag: str | None = None
    call_uuid: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _where(stmt: Any, f: AnswerFilters) -> Any:
    a = SatisfactionAnswer
    if f.queue:
        stmt = stmt.where(a.queue == f.queue)
    if f.agent_id is not None:
        stmt = stmt.where(a.agent_id == f.agent_id)
    if f.level is not None:
        stmt = stmt.where(a.level == f.level.value)
    if f.flag:
        stmt = stmt.where(a.flag == f.flag)
    if f.call_uuid:
        stmt = stmt.where(a.call_uuid == f.call_uuid)
    if f.since is not None:
        stmt = stmt.where(a.answered_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(a.answered_at < f.until)
    return stmt


def _agent_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}


def answer_out(row: SatisfactionAnswer) -> AnswerOut:
    return AnswerOut(
        **{c: getattr(row, c) for c in AnswerOut.model_fields if c not in ("level_zh", "agent_name")},
        level_zh=LEVEL_LABELS_ZH[Level(row.level)],
    )


def page_answers(session: Session, filters: AnswerFilters, page: PageRequest) -> dict[str, Any]:
    """Answers newest first (or by `answered_at`/`score`), with the agent's name."""
    a = SatisfactionAnswer
    result = paginate(
        session,
        _where(select(a), filters),
        page,
        {"answered_at": a.answered_at, "score": a.score},
        a.id,
        answer_out,
    )
    items: list[AnswerOut] = result["items"]
    names = _agent_names(session, {i.agent_id for i in items if i.agent_id is not None})
    for item in items:
        item.agent_name = names.get(item.agent_id) if item.agent_id is not None else None
    return result


def level_counts(session: Session, filters: AnswerFilters, by: str) -> list[tuple[Any, str, int]]:
    """(queue or agent id, level, count) over the answers the filters select."""
    col = SatisfactionAnswer.queue if by == "queue" else SatisfactionAnswer.agent_id
    stmt = select(col, SatisfactionAnswer.level, func.count()).group_by(col, SatisfactionAnswer.level)
    return [(k, level, int(n)) for k, level, n in session.execute(_where(stmt, filters))]


def summary(session: Session, filters: AnswerFilters, by: str = "queue") -> list[SummaryRow]:
    """Counts per queue (or agent) and level, and the satisfaction rate: (满意 + 基本满意) / rated."""
    table: dict[Any, dict[str, int]] = {}
    for key, level, n in level_counts(session, filters, by):
        table.setdefault(key, {}).setdefault(level, 0)
        table[key][level] += n
    names = _agent_names(session, {k for k in table if k is not None}) if by == "agent" else {}
    rows = []
    for key in sorted(table, key=lambda k: (k is None, str(k))):
        counts = table[key]
        rated = sum(counts.get(lv.value, 0) for lv in RATED)
        positive = sum(counts.get(lv.value, 0) for lv in POSITIVE)
        rows.append(
            SummaryRow(
                key="" if key is None else str(key),
                label=names.get(key) if by == "agent" else key,
                surveyed=sum(counts.values()),
                rated=rated,
                satisfied=counts.get(Level.satisfied.value, 0),
                basically_satisfied=counts.get(Level.basically_satisfied.value, 0),
                dissatisfied=counts.get(Level.dissatisfied.value, 0),
                unrated=counts.get(Level.unrated.value, 0),
                satisfaction_rate=round(positive / rated, 4) if rated else None,
            )
        )
    return rows


def all_settings(session: Session) -> list[QueueSettingsOut]:
    """Every ACD queue's settings (a queue never saved shows the defaults: all off)."""
    queues, _agents = runtime_config(session)
    saved = {r.queue: r for r in session.scalars(select(QueueSatisfaction))}
    out = []
    for name in sorted({q.name for q in queues} | set(saved)):
        row = saved.get(name)
        out.append(QueueSettingsOut.model_validate(row) if row is not None else QueueSettingsOut(queue=name))
    return out


@dataclass(frozen=True)
class InCallSettings:
    """What the call hooks act on: the queue's settings (None: none saved) and the agent's number."""

    settings: QueueSettingsOut | None
    agent_number: str | None


def incall_settings(session: Session, queue: str | None, agent_id: int | None) -> InCallSettings:
    row = session.scalar(select(QueueSatisfaction).where(QueueSatisfaction.queue == queue)) if queue else None
    number = None
    if agent_id is not None:
        number = session.scalar(select(User.agent_number).where(User.id == agent_id))
    return InCallSettings(QueueSettingsOut.model_validate(row) if row is not None else None, number)
