"""The IVR's writes to a response, one answer at a time: each keyed answer is committed before the
next question is read, so a respondent who hangs up (or a dialler that dies) keeps every answer
already heard. The response is the same one the web and agents fill (a one-time link of channel
"ivr"); completing it goes through `respond.submit`, so it is counted once, like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit.service import record
from hotline.store.base import utcnow
from hotline.surveys import keypad, logic, respond
from hotline.surveys.definition import Definition
from hotline.surveys.models import SurveyLink, SurveyResponse, SurveyVoiceAnswer
from hotline.surveys.service import definition_by_id


@dataclass
class Begun:
    response_id: int
    survey_id: int
    resume_key: str
    definition: Definition
    answers: dict[str, Any]
    seed: int  # the response's: a randomised question's options are read in this respondent's order


def begin(session: Session, link_id: int) -> Begun:
    link = session.get(SurveyLink, link_id)
    assert link is not None
    started = respond.start_link(session, link, None, f"ivr-{link_id}")
    r = started.response
    return Begun(r.id, r.survey_id, started.resume_key, started.definition, dict(r.answers or {}), r.seed)


def save(session: Session, response_id: int, ask: keypad.Ask, value: Any) -> dict[str, Any]:
    """Keep one answer (already checked by `keypad.valid`); returns the answers kept."""
    r = session.get(SurveyResponse, response_id)
    assert r is not None and r.state == "in_progress"
    defn = definition_by_id(session, r.version_id)
    _, kept = logic.visible(defn, keypad.merge(r.answers or {}, ask, value))
    r.answers = kept
    r.updated_at = utcnow()
    record(session, respond.RESPONDENT, "save_answer", "survey_response", r.id, after={"question": ask.key})
    return kept


def voice(session: Session, response_id: int, ask: keypad.Ask, path: Path, seconds: float) -> dict[str, Any]:
    """A spoken answer: its WAV beside the response, and a text answer standing for it."""
    r = session.get(SurveyResponse, response_id)
    assert r is not None
    session.add(
        SurveyVoiceAnswer(
            response_id=r.id,
            survey_id=r.survey_id,
            question=ask.question.code,
            path=str(path),
            seconds=seconds,
        )
    )
    return save(session, response_id, ask, keypad.voice_text(seconds))


def complete(session: Session, link_id: int, resume_key: str) -> None:
    """Submit (422 when a required question was left unanswered: the caller keeps it partial)."""
    link = session.get(SurveyLink, link_id)
    assert link is not None
    respond.submit(session, link, resume_key)
