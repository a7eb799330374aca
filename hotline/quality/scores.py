"""Scoring a call and the appeal (申诉) that may follow, every step audited.

An inspector starts a score on a call against one published form version (from a task of the
work queue, or as a calibration score), saves answers and timed comments as often as needed and
submits; the total is graded against that version even if the form has been re-published since.
The agent sees their own submitted scores (never calibration ones) and acknowledges or appeals
with a reason; a supervisor upholds the score or changes it (new answers, the first total kept
as `original_total`). Every move is one `SCORE_TABLE` transition guarded by the row's `version`.
A score outlives its recording: `audio_state` says when the file is gone (retention).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.bus import publish_on_commit
from hotline.calls import feed
from hotline.errors import Conflict, Forbidden, Invalid, NotFound, stale_version
from hotline.quality import forms
from hotline.quality.models import Score, Task
from hotline.quality.schemas import AnswerIn, AudioState, CommentIn, ScoreOut
from hotline.quality.states import SCORE_TABLE, STATE_ZH, VISIBLE_TO_AGENT, ScoreAction, ScoreState
from hotline.quality.topics import ScoreChanged
from hotline.store.base import utcnow


def _snapshot(score: Score) -> dict[str, Any]:
    return {
        "state": score.state,
        "total": score.total,
        "critical_failed": score.critical_failed,
        "answers": score.answers,
        "comments": len(score.comments or []),
    }


def get(session: Session, score_id: int) -> Score:
    score = session.get(Score, score_id)
    if score is None:
        raise NotFound(f"no score {score_id}", f"评分 {score_id} 不存在")
    return score


def _move(session: Session, actor: Actor, score: Score, action: ScoreAction, version: int) -> dict[str, Any]:
    if version != score.version:
        raise stale_version("quality_score", version, score.version)
    before = _snapshot(score)
    score.state = SCORE_TABLE.next(ScoreState(score.state), action)
    score.version += 1
    return before


def _finish(
    session: Session, actor: Actor, score: Score, action: ScoreAction, before: dict[str, Any]
) -> Score:
    session.flush()
    record(
        session, actor, f"quality.score.{action.value}", "quality_score", score.id, before, _snapshot(score)
    )
    if action is not ScoreAction.save:
        event = ScoreChanged(
            score_id=score.id,
            call_id=score.call_uuid,
            agent_id=score.agent_id,
            state=score.state,
            action=action.value,
        )
        publish_on_commit(session, event)
    return score


def start(
    session: Session, actor: Actor, call_id: str, form_id: int, task_id: int | None, calibration: bool
) -> Score:
    form = forms.get(session, form_id)
    if form.status != "published":
        raise Conflict("score with a published form", "请使用已发布的评分表", state=form.status)
    task = session.get(Task, task_id) if task_id is not None else None
    if task_id is not None and (task is None or task.call_uuid != call_id):
        raise NotFound(f"no task {task_id} for call {call_id}", "质检任务不存在")
    calls = feed.calls_by_uuid(session, [call_id])
    if call_id not in calls:
        raise NotFound(f"no call {call_id}", f"通话 {call_id} 不存在")
    if not calibration:
        mine = session.scalar(
            select(Score).where(
                Score.call_uuid == call_id, Score.inspector_id == actor.id, Score.calibration.is_(False)
            )
        )
        if mine is not None:
            return mine  # starting again opens the same score (a second click, a reload)
    recordings = feed.recordings_of_call(session, call_id)
    score = Score(
        call_uuid=call_id,
        recording_id=recordings[0].id if recordings else None,
        task_id=task_id,
        agent_id=calls[call_id].agent_id,
        inspector_id=actor.id,
        form_id=form.id,
        state=ScoreState.draft,
        calibration=calibration,
        answers={},
        comments=[],
        max_points=form.max_points,
    )
    session.add(score)
    session.flush()
    if task is not None and task.inspector_id is None:
        task.inspector_id = actor.id
    record(session, actor, "quality.score.start", "quality_score", score.id, None, _snapshot(score))
    return score


def _own(score: Score, actor: Actor) -> None:
    if score.inspector_id != actor.id:
        raise Forbidden("only the inspector who started a score changes it", "只能修改自己的评分")


def save(
    session: Session,
    actor: Actor,
    score_id: int,
    version: int,
    answers: dict[str, AnswerIn],
    comments: list[CommentIn],
    submit: bool,
) -> Score:
    score = get(session, score_id)
    _own(score, actor)
    action = ScoreAction.submit if submit else ScoreAction.save
    before = _move(session, actor, score, action, version)
    # The version the score was started with, whatever the form's code has published since.
    total, failed, stored = forms.grade(forms.get(session, score.form_id), answers, complete=submit)
    score.answers, score.total, score.critical_failed = stored, total, failed
    score.comments = [c.model_dump(exclude_none=True) for c in sorted(comments, key=lambda c: c.at)]
    if submit:
        score.submitted_at = utcnow()
        if score.task_id is not None and not score.calibration:
            task = session.get(Task, score.task_id)
            if task is not None:
                task.state = "scored"
    return _finish(session, actor, score, action, before)


def acknowledge(session: Session, actor: Actor, score_id: int, version: int) -> Score:
    score = _agents(session, actor, score_id)
    before = _move(session, actor, score, ScoreAction.acknowledge, version)
    score.acknowledged_at = utcnow()
    return _finish(session, actor, score, ScoreAction.acknowledge, before)


def appeal(session: Session, actor: Actor, score_id: int, version: int, reason: str) -> Score:
    score = _agents(session, actor, score_id)
    before = _move(session, actor, score, ScoreAction.appeal, version)
    score.appeal_reason, score.appealed_at = reason, utcnow()
    return _finish(session, actor, score, ScoreAction.appeal, before)


def decide(
    session: Session,
    actor: Actor,
    score_id: int,
    version: int,
    decision: str,
    note: str,
    answers: dict[str, AnswerIn] | None,
) -> Score:
    score = get(session, score_id)
    action = ScoreAction(decision)
    before = _move(session, actor, score, action, version)
    if action is ScoreAction.change:
        if answers is None:
            raise Invalid("a change needs the corrected answers", "改判需给出修改后的评分")
        total, failed, stored = forms.grade(forms.get(session, score.form_id), answers, complete=True)
        score.original_total = score.total
        score.answers, score.total, score.critical_failed = stored, total, failed
    score.decision_note, score.decided_by, score.decided_at = note, actor.id, utcnow()
    return _finish(session, actor, score, action, before)


def own(session: Session, agent_id: int | None, score_id: int) -> Score:
    """One of the agent's own scores as they may see it (404 for anyone else's, or a draft)."""
    score = get(session, score_id)
    if score.agent_id != agent_id or score.calibration or score.state not in VISIBLE_TO_AGENT:
        raise NotFound(f"no score {score_id} of yours", "没有这条评分")
    return score


def _agents(session: Session, actor: Actor, score_id: int) -> Score:
    return own(session, actor.id, score_id)


def audio_state(rec: feed.RecordingFact | None, recorded: bool) -> AudioState:
    if not recorded:
        return AudioState(available=False, reason="the call was not recorded", reason_zh="该通话没有录音")
    if rec is None or rec.deleted:
        return AudioState(
            available=False,
            reason="the recording has expired and was deleted; the score stays",
            reason_zh="录音已超过保存期限被删除，评分仍保留",
        )
    return AudioState(available=True)


def out(session: Session, score: Score) -> ScoreOut:
    state = ScoreState(score.state)
    rec = feed.recording(session, score.recording_id) if score.recording_id is not None else None
    percent = None
    if score.total is not None and score.max_points:
        percent = round(100.0 * score.total / score.max_points, 1)
    return ScoreOut(
        id=score.id,
        call_id=score.call_uuid,
        recording_id=score.recording_id,
        task_id=score.task_id,
        agent_id=score.agent_id,
        inspector_id=score.inspector_id,
        form_id=score.form_id,
        state=state.value,
        state_zh=STATE_ZH[state],
        calibration=score.calibration,
        answers=score.answers or {},
        comments=score.comments or [],
        total=score.total,
        max_points=score.max_points,
        percent=percent,
        critical_failed=score.critical_failed,
        original_total=score.original_total,
        appeal_reason=score.appeal_reason,
        decision_note=score.decision_note,
        decided_by=score.decided_by,
        created_at=score.created_at,
        submitted_at=score.submitted_at,
        acknowledged_at=score.acknowledged_at,
        appealed_at=score.appealed_at,
        decided_at=score.decided_at,
        version=score.version,
        allowed=[a.value for a in SCORE_TABLE.allowed(state)],
        audio=audio_state(rec, score.recording_id is not None),
        work_order_id=rec.work_order_id if rec is not None else None,
    )


def listing(
    session: Session,
    *,
    agent_id: int | None = None,
    inspector_id: int | None = None,
    state: str | None = None,
    call_id: str | None = None,
    calibration: bool | None = None,
    limit: int = 200,
) -> list[Score]:
    stmt = select(Score).order_by(Score.id.desc()).limit(limit)
    if agent_id is not None:
        stmt = stmt.where(Score.agent_id == agent_id)
    if inspector_id is not None:
        stmt = stmt.where(Score.inspector_id == inspector_id)
    if state:
        stmt = stmt.where(Score.state == state)
    if call_id:
        stmt = stmt.where(Score.call_uuid == call_id)
    if calibration is not None:
        stmt = stmt.where(Score.calibration.is_(calibration))
    return list(session.scalars(stmt))


def mine(session: Session, agent_id: int) -> list[Score]:
    """The agent's own scores as they may see them."""
    stmt = (
        select(Score)
        .where(Score.agent_id == agent_id, Score.calibration.is_(False), Score.state.in_(VISIBLE_TO_AGENT))
        .order_by(Score.id.desc())
        .limit(200)
    )
    return list(session.scalars(stmt))
