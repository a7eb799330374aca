"""What the console reads of the WeChat auto-replies: the turns, newest first, with the share
answered from the knowledge base (read-only)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.masking import mask_text
from hotline.newmedia.models import WechatTurn
from hotline.schemas import Out


class TurnOut(Out):
    id: int
    openid: str
    question: str
    outcome: str = Field(description="answered | handed_over")
    reason: str = Field(description="matched | asked_for_person | low_confidence | no_match")
    article_id: int | None
    article_title: str | None
    confidence: float
    reply: str | None
    created_at: datetime


class TurnStats(Out):
    total: int
    answered: int
    handed_over: int


def listing(session: Session, outcome: str | None, before: int | None, limit: int) -> list[TurnOut]:
    stmt = select(WechatTurn).order_by(WechatTurn.id.desc()).limit(limit)
    if outcome:
        stmt = stmt.where(WechatTurn.outcome == outcome)
    if before:
        stmt = stmt.where(WechatTurn.id < before)
    out = []
    for t in session.scalars(stmt):
        row = TurnOut.model_validate(t)
        row.question = mask_text(t.question)  # citizens write their phone numbers into questions
        out.append(row)
    return out


def stats(session: Session) -> TurnStats:
    rows = dict(session.execute(select(WechatTurn.outcome, func.count()).group_by(WechatTurn.outcome)).all())
    answered, handed = int(rows.get("answered", 0)), int(rows.get("handed_over", 0))
    return TurnStats(total=answered + handed, answered=answered, handed_over=handed)


def message(session: Session, turn_id: int) -> tuple[str, datetime] | None:
    """What a citizen wrote to the official account (phone and ID numbers masked) and when, for
    the opinion domain's 公众号留言 source; None for an unknown turn."""
    turn = session.get(WechatTurn, turn_id)
    return None if turn is None else (mask_text(turn.question), turn.created_at)
