"""Automated phone (IVR) campaigns: respondents, the do-not-call list, the durable claim of each
call before it is dialled, its outcome, pause/resume and progress.

A campaign's respondents are `survey_interviews` with its `campaign_id`, each with its own
one-time link (channel "ivr"), so its answers count like any other, once. The dialler
(`dialer.py`) asks `claim_due` for at most its free lines: inside the calling window
(`cati.in_window`, explicit clock), respondents never rung, or rung busy / unanswered fewer than
`max_attempts` times and due again (`next_at`). A claim moves the interview to `in_progress` by a
conditional UPDATE and writes its `survey_dial_attempts` row (unique per interview and attempt
number) in one transaction that commits before the INVITE leaves: after a crash, `recover`
finds the attempts left open and closes them as `interrupted`, never to be rung again by the
dialler, so nobody is called twice; the answers given so far stay in their response.
A number on the do-not-call list is never claimed: its interview becomes `do_not_call`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from hotline.audit.service import SYSTEM, Actor, record
from hotline.config import DialPlanSettings
from hotline.dialplan.plan import DialPlan, normalise
from hotline.errors import Conflict, NotFound
from hotline.surveys import links
from hotline.surveys.cati import in_window, rates
from hotline.surveys.models import (
    SurveyCampaign,
    SurveyDialAttempt,
    SurveyDoNotCall,
    SurveyInterview,
    SurveyLink,
    SurveyVoiceAnswer,
)
from hotline.surveys.quotas import Quota
from hotline.surveys.service import get_survey
from hotline.surveys.states import (
    CAMPAIGN_STATES,
    INTERVIEW_STATES,
    CampaignAction,
    CampaignState,
    InterviewAction,
    InterviewState,
    SurveyState,
)

CHANNEL = "ivr"
RETRYABLE = (InterviewState.no_answer, InterviewState.busy)


@dataclass(frozen=True)
class CampaignSettings:
    name: str
    max_lines: int = 10
    max_attempts: int = 3
    retry_minutes: int = 30
    ring_seconds: int = 30
    caller_number: str = ""
    quotas: dict[str, Any] | None = None  # {"by": "district" | "age_band", "targets": {stratum: n}}


@dataclass(frozen=True)
class Respondent:
    phone: str
    district: str = ""
    age_band: str = ""
    caller_id: int | None = None
    work_order_id: int | None = None  # a return-visit respondent's closed order


@dataclass(frozen=True)
class Claim:
    """One call the dialler may now place (committed before it dials)."""

    campaign_id: int
    survey_id: int
    interview_id: int
    attempt_id: int
    attempt: int
    link_id: int
    phone: str
    caller_number: str
    ring_seconds: int


def get_campaign(session: Session, campaign_id: int) -> SurveyCampaign:
    c = session.get(SurveyCampaign, campaign_id)
    if c is None:
        raise NotFound(f"campaign {campaign_id} does not exist", f"调查任务 {campaign_id} 不存在")
    return c


def create(session: Session, actor: Actor, survey_id: int, cfg: CampaignSettings) -> SurveyCampaign:
    survey = get_survey(session, survey_id)
    if survey.state != SurveyState.published:
        raise Conflict("publish the survey before its campaign", "问卷发布后才能创建调查任务")
    c = SurveyCampaign(survey_id=survey_id, created_by=actor.id, **cfg.__dict__)
    session.add(c)
    session.flush()
    record(session, actor, "create", "survey_campaign", c.id, after=dict(cfg.__dict__, survey_id=survey_id))
    return c


def act(session: Session, actor: Actor, campaign_id: int, action: CampaignAction) -> SurveyCampaign:
    """Start (or resume), pause or finish a campaign (409 naming the allowed actions otherwise)."""
    c = get_campaign(session, campaign_id)
    before = c.state
    c.state = CAMPAIGN_STATES.next(CampaignState(c.state), action)
    session.flush()
    record(
        session,
        actor,
        f"campaign_{action.value}",
        "survey_campaign",
        c.id,
        before={"state": before},
        after={"state": c.state},
    )
    return c


@dataclass
class Added:
    added: int
    rejected: list[dict[str, Any]]  # {"row", "phone", "reason", "reason_zh"}: the validation report


def add_respondents(
    session: Session, actor: Actor, campaign_id: int, rows: Iterable[Respondent], dial_plan: DialPlanSettings
) -> Added:
    """Add numbers to a campaign; each refused one is named in the report (not a number, not a
    class the dial plan lets callbacks ring, already in this campaign, or given twice)."""
    c = get_campaign(session, campaign_id)
    if c.state == CampaignState.finished:
        raise Conflict("the campaign has finished", "调查任务已结束")
    plan = DialPlan(dial_plan)
    taken = set(session.scalars(select(SurveyInterview.phone).where(SurveyInterview.campaign_id == c.id)))
    # A caller is asked once per questionnaire, whichever way (its phone interviews, any campaign).
    callers = set(
        session.scalars(
            select(SurveyInterview.caller_id).where(
                SurveyInterview.survey_id == c.survey_id, SurveyInterview.caller_id.is_not(None)
            )
        )
    )
    added, rejected = 0, []
    for i, r in enumerate(rows, start=1):
        decision = plan.check_callback(r.phone, None)
        number = decision.number
        if not decision.allowed:
            rejected.append(
                {"row": i, "phone": r.phone, "reason": decision.reason, "reason_zh": decision.reason_zh}
            )
            continue
        if number in taken:
            rejected.append(
                {"row": i, "phone": r.phone, "reason": "already in the campaign", "reason_zh": "号码重复"}
            )
            continue
        if r.caller_id is not None and r.caller_id in callers:
            rejected.append(
                {
                    "row": i,
                    "phone": r.phone,
                    "reason": "this caller is already in the questionnaire's sample",
                    "reason_zh": "该来电人已在本问卷的样本中",
                }
            )
            continue
        taken.add(number)
        if r.caller_id is not None:
            callers.add(r.caller_id)
        link = SurveyLink(
            survey_id=c.survey_id,
            kind="token",
            token_hash=links.digest(links.new_secret()),
            channel=CHANNEL,
            district=r.district,
            age_band=r.age_band,
            caller_id=r.caller_id,
            work_order_id=r.work_order_id,
        )
        session.add(link)
        session.flush()
        session.add(
            SurveyInterview(
                survey_id=c.survey_id,
                campaign_id=c.id,
                link_id=link.id,
                caller_id=r.caller_id,
                phone=number,
                district=r.district,
                age_band=r.age_band,
                work_order_id=r.work_order_id,
            )
        )
        added += 1
    session.flush()
    record(
        session,
        actor,
        "add_respondents",
        "survey_campaign",
        c.id,
        after={"added": added, "rejected": len(rejected)},
    )
    return Added(added, rejected)


# --- the do-not-call list ----------------------------------------------------------------------


def add_do_not_call(session: Session, actor: Actor, phone: str, reason: str = "") -> SurveyDoNotCall:
    number = normalise(phone) or phone.strip()
    row = session.scalars(select(SurveyDoNotCall).where(SurveyDoNotCall.phone == number)).first()
    if row is None:
        row = SurveyDoNotCall(phone=number, reason=reason[:200], created_by=actor.id)
        session.add(row)
        session.flush()
        record(session, actor, "create", "survey_do_not_call", row.id, after={"reason": row.reason})
    return row


def remove_do_not_call(session: Session, actor: Actor, entry_id: int) -> None:
    done = session.execute(delete(SurveyDoNotCall).where(SurveyDoNotCall.id == entry_id))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound(f"do-not-call entry {entry_id} does not exist", f"勿扰号码 {entry_id} 不存在")
    record(session, actor, "delete", "survey_do_not_call", entry_id)


def do_not_call(session: Session) -> list[SurveyDoNotCall]:
    return list(session.scalars(select(SurveyDoNotCall).order_by(SurveyDoNotCall.id.desc()).limit(1000)))


# --- the dialler's side ------------------------------------------------------------------------


def running(session: Session) -> list[SurveyCampaign]:
    return list(session.scalars(select(SurveyCampaign).where(SurveyCampaign.state == CampaignState.running)))


def claim_due(session: Session, campaign_id: int, lines: int, now: datetime) -> list[Claim]:
    """Claim up to `lines` respondents due now (none outside the calling window or unless the
    campaign runs); the caller commits before dialling any of them."""
    c = get_campaign(session, campaign_id)
    if lines <= 0 or c.state != CampaignState.running or not in_window(now):
        return []
    due = or_(
        SurveyInterview.state == InterviewState.pending,
        and_(
            SurveyInterview.state.in_(list(RETRYABLE)),
            SurveyInterview.attempts < c.max_attempts,
            SurveyInterview.next_at <= now,
        ),
    )
    blocked = select(SurveyDoNotCall.phone)
    claims: list[Claim] = []
    quota = Quota.of(session, c)
    candidates = session.scalars(
        select(SurveyInterview)
        .where(SurveyInterview.campaign_id == c.id, due, *quota.open_strata())
        .order_by(SurveyInterview.attempts, SurveyInterview.id)
        .limit(lines * 2 + 5)
    ).all()
    dnc = set(session.scalars(blocked.where(SurveyDoNotCall.phone.in_([iv.phone for iv in candidates]))))
    for iv in candidates:
        if len(claims) >= lines:
            break
        if iv.phone in dnc:
            _move(session, iv, InterviewAction.exclude, now)
            continue
        if not quota.take(iv):
            continue  # its stratum filled up within this batch
        moved = session.execute(
            update(SurveyInterview)
            .where(
                SurveyInterview.id == iv.id,
                SurveyInterview.state == iv.state,
                SurveyInterview.attempts == iv.attempts,
            )
            .values(state=InterviewState.in_progress, attempts=iv.attempts + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another dialler took it
        attempt = SurveyDialAttempt(
            campaign_id=c.id, interview_id=iv.id, number=iv.attempts + 1, claimed_at=now
        )
        session.add(attempt)
        session.flush()
        record(session, SYSTEM, "dial", "survey_interview", iv.id, after={"attempt": attempt.number})
        claims.append(
            Claim(
                campaign_id=c.id,
                survey_id=c.survey_id,
                interview_id=iv.id,
                attempt_id=attempt.id,
                attempt=attempt.number,
                link_id=iv.link_id,
                phone=iv.phone,
                caller_number=c.caller_number,
                ring_seconds=c.ring_seconds,
            )
        )
    session.expire_all()
    return claims


def answered(session: Session, attempt_id: int, now: datetime) -> None:
    session.execute(
        update(SurveyDialAttempt).where(SurveyDialAttempt.id == attempt_id).values(answered_at=now)
    )


# The attempt's outcome -> the interview's action.
OUTCOME_ACTION = {
    "completed": InterviewAction.complete,
    "partial": InterviewAction.break_off,
    "refused": InterviewAction.refuse,
    "busy": InterviewAction.busy,
    "no_answer": InterviewAction.no_answer,
    "wrong_number": InterviewAction.wrong_number,
    "interrupted": InterviewAction.interrupt,
}


def finish(
    session: Session, claim: Claim, outcome: str, now: datetime, sip_status: int | None = None
) -> SurveyInterview:
    """Close an attempt: the interview moves to its outcome; busy / no answer are due again after
    the campaign's spacing (while attempts remain)."""
    c = get_campaign(session, claim.campaign_id)
    session.execute(
        update(SurveyDialAttempt)
        .where(SurveyDialAttempt.id == claim.attempt_id, SurveyDialAttempt.ended_at.is_(None))
        .values(ended_at=now, outcome=outcome, sip_status=sip_status)
    )
    iv = session.get(SurveyInterview, claim.interview_id)
    assert iv is not None
    if iv.state != InterviewState.in_progress:
        return iv  # already closed (recovered by another process meanwhile)
    if outcome in ("busy", "no_answer"):
        iv.next_at = now + timedelta(minutes=c.retry_minutes)
    return _move(session, iv, OUTCOME_ACTION[outcome], now)


def _move(session: Session, iv: SurveyInterview, action: InterviewAction, now: datetime) -> SurveyInterview:
    before = iv.state
    iv.state = INTERVIEW_STATES.next(InterviewState(iv.state), action)
    iv.updated_at = now
    session.flush()
    record(
        session,
        SYSTEM,
        f"interview_{action.value}",
        "survey_interview",
        iv.id,
        before={"state": before},
        after={"state": iv.state},
    )
    return iv


def recover(session: Session, now: datetime) -> int:
    """At start-up: attempts left open by a crash end as `interrupted` (never redialled by the
    dialler: the respondent may have been rung and may have answered); returns how many."""
    open_attempts = session.scalars(
        select(SurveyDialAttempt).where(SurveyDialAttempt.ended_at.is_(None))
    ).all()
    for a in open_attempts:
        iv = session.get(SurveyInterview, a.interview_id)
        c = session.get(SurveyCampaign, a.campaign_id)
        if iv is None or c is None:
            continue
        claim = Claim(a.campaign_id, c.survey_id, iv.id, a.id, a.number, iv.link_id, iv.phone, "", 0)
        finish(session, claim, "interrupted", now)
    return len(open_attempts)


def progress(session: Session, campaign_id: int) -> dict[str, Any]:
    """Counts per outcome with the AAPOR-style rates (`cati.rates`), and the dial attempts."""
    c = get_campaign(session, campaign_id)
    counts = {
        InterviewState(s).value: int(n)
        for s, n in session.execute(
            select(SurveyInterview.state, func.count())
            .where(SurveyInterview.campaign_id == c.id)
            .group_by(SurveyInterview.state)
        ).all()
    }
    attempts = session.scalar(select(func.count()).where(SurveyDialAttempt.campaign_id == c.id))
    quotas = Quota.of(session, c).report(session)
    return {**rates(counts), "attempts": int(attempts or 0), "quotas": quotas}


def campaigns(session: Session, survey_id: int | None = None) -> list[SurveyCampaign]:
    q = select(SurveyCampaign).order_by(SurveyCampaign.id.desc()).limit(200)
    if survey_id is not None:
        q = q.where(SurveyCampaign.survey_id == survey_id)
    return list(session.scalars(q))


def voice_answers(session: Session, survey_id: int) -> list[SurveyVoiceAnswer]:
    get_survey(session, survey_id)
    return list(
        session.scalars(
            select(SurveyVoiceAnswer)
            .where(SurveyVoiceAnswer.survey_id == survey_id)
            .order_by(SurveyVoiceAnswer.id.desc())
            .limit(500)
        )
    )


def voice_answer(session: Session, actor: Actor, answer_id: int) -> SurveyVoiceAnswer:
    """One spoken answer, to be played (the listening is audited: it is the respondent's voice)."""
    row = session.get(SurveyVoiceAnswer, answer_id)
    if row is None:
        raise NotFound(f"voice answer {answer_id} does not exist", f"语音回答 {answer_id} 不存在")
    record(session, actor, "listen", "survey_voice_answer", row.id)
    return row
