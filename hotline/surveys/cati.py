"""Agent-assisted phone interviews (CATI): a sample frame of callers becomes a campaign's
interviews; an agent takes the next one due (never before 09:00 or after 20:00 Shanghai time, nor
on official holidays; no answer / busy rung again after a spacing, at most `MAX_ATTEMPTS` times;
agreed call-backs when due), reads the questionnaire's phone wording and records the answers with
the same page saves and submit as the web, or closes the attempt with an outcome code.
The agent workspace's CATI screen binds the interview to the call the agent placed (`bind_call`)
and commits each answer as it is given (`save_answer`: skip logic and required checked on the
server, the next question it shows named by the server).

Claims are conditional UPDATEs, so two agents never get the same respondent. The automated IVR
campaigns (`campaigns.py`, `dialer.py`) use the same interviews, calling window and rates; their
respondents carry a `campaign_id` and are never offered to agents here.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.errors import Conflict, Invalid, NotFound
from hotline.surveys import frames, links, respond
from hotline.surveys.models import Survey, SurveyInterview, SurveyLink
from hotline.surveys.quotas import Quota, cati_scope
from hotline.surveys.service import get_survey
from hotline.surveys.states import INTERVIEW_STATES, InterviewAction, InterviewState, SurveyState

TZ = ZoneInfo("Asia/Shanghai")
WINDOW = (time(9, 0), time(20, 0))
MAX_ATTEMPTS = 3
RETRY_SPACING = timedelta(minutes=30)
RETRYABLE = (InterviewState.no_answer, InterviewState.busy)


def in_window(now: datetime) -> bool:
    """Calling hours: 09:00-20:00 Shanghai time on a working day or weekend that is not an
    official holiday (chinese_calendar)."""
    import chinese_calendar

    local = now.astimezone(TZ)
    if not WINDOW[0] <= local.time() < WINDOW[1]:
        return False
    try:
        holiday, name = chinese_calendar.get_holiday_detail(local.date())
    except NotImplementedError:  # a year the calendar does not know: only the hours apply
        return True
    return not (holiday and name is not None)


def build_frame(session: Session, actor: Actor, survey_id: int, f: frames.Frame, limit: int) -> int:
    """Add the frame's members (`frames.members`: callers, or people whose orders were closed)
    not yet in this survey's frame (same caller or same number) as pending interviews."""
    survey = get_survey(session, survey_id)
    if survey.state != SurveyState.published:
        raise Conflict("publish the survey before building its sample", "问卷发布后才能生成样本")
    taken = session.execute(
        select(SurveyInterview.caller_id, SurveyInterview.phone).where(SurveyInterview.survey_id == survey_id)
    ).all()
    callers = {c for c, _ in taken if c is not None}
    phones = {p for _, p in taken}
    added = 0
    for m in frames.members(session, f, limit + len(taken)):
        if added >= limit:
            break
        if (m.caller_id is not None and m.caller_id in callers) or m.phone in phones:
            continue
        if m.caller_id is not None:
            callers.add(m.caller_id)
        phones.add(m.phone)
        link = SurveyLink(
            survey_id=survey_id,
            kind="token",
            token_hash=links.digest(links.new_secret()),
            channel="cati",
            district=m.district,
            age_band=m.age_band,
            caller_id=m.caller_id,
            work_order_id=m.work_order_id,
        )
        session.add(link)
        session.flush()
        session.add(
            SurveyInterview(
                survey_id=survey_id,
                link_id=link.id,
                caller_id=m.caller_id,
                phone=m.phone,
                district=m.district,
                age_band=m.age_band,
                work_order_id=m.work_order_id,
            )
        )
        added += 1
    session.flush()
    after = {"added": added, "filter": {k: str(v) for k, v in f.__dict__.items() if v not in (None, False)}}
    record(session, actor, "build_frame", "survey", survey_id, after=after)
    return added


def next_interview(session: Session, actor: Actor, survey_id: int, now: datetime) -> SurveyInterview | None:
    """Claim the next interview due for this agent (None: nobody is due now)."""
    if not in_window(now):
        raise Conflict(
            "outside calling hours (09:00-20:00, no official holidays)",
            "当前不在允许拨打时段（9:00-20:00，法定节假日除外）",
        )
    due = or_(
        SurveyInterview.state == InterviewState.pending,
        and_(SurveyInterview.state == InterviewState.callback, SurveyInterview.callback_at <= now),
        and_(
            SurveyInterview.state.in_(list(RETRYABLE)),
            SurveyInterview.attempts < MAX_ATTEMPTS,
            SurveyInterview.updated_at <= now - RETRY_SPACING,
        ),
    )
    quota = Quota.cati(session, survey_id, claiming=True)
    for candidate in session.scalars(
        select(SurveyInterview)
        .where(cati_scope(survey_id), due, *quota.open_strata())
        .order_by(SurveyInterview.state != InterviewState.callback, SurveyInterview.id)
        .limit(5)
    ):
        if not quota.take(candidate):
            continue  # its stratum filled with an earlier candidate of this batch
        claimed = session.execute(
            update(SurveyInterview)
            .where(SurveyInterview.id == candidate.id, SurveyInterview.state == candidate.state)
            .values(
                state=InterviewState.in_progress,
                agent_id=actor.id,
                attempts=SurveyInterview.attempts + 1,
                call_id=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            session.refresh(candidate)
            record(
                session,
                actor,
                "interview_start",
                "survey_interview",
                candidate.id,
                after={"attempt": candidate.attempts},
            )
            return candidate
    return None


def get_interview(session: Session, interview_id: int, actor: Actor | None = None) -> SurveyInterview:
    iv = session.get(SurveyInterview, interview_id)
    if iv is None:
        raise NotFound(f"interview {interview_id} does not exist", f"访问 {interview_id} 不存在")
    if actor is not None and iv.state == InterviewState.in_progress and iv.agent_id not in (None, actor.id):
        raise Conflict("another agent holds this interview", "该访问正由其他座席进行")
    return iv


def _link(session: Session, iv: SurveyInterview) -> SurveyLink:
    link = session.get(SurveyLink, iv.link_id)
    assert link is not None
    return link


def _holding(session: Session, actor: Actor, interview_id: int) -> SurveyInterview:
    iv = get_interview(session, interview_id, actor)
    if iv.state != InterviewState.in_progress:
        raise Conflict("take the interview first", "请先领取该访问")
    return iv


def bind_call(session: Session, actor: Actor, interview_id: int, call_id: str) -> SurveyInterview:
    """The call the agent placed to the respondent (click to dial): the interview is bound to it."""
    iv = _holding(session, actor, interview_id)
    before = iv.call_id
    iv.call_id = call_id
    session.flush()
    record(
        session,
        actor,
        "interview_call",
        "survey_interview",
        iv.id,
        before={"call_id": before},
        after={"call_id": call_id, "attempt": iv.attempts},
    )
    return iv


def save_answer(
    session: Session, actor: Actor, interview_id: int, resume_key: str, code: str, value: Any
) -> tuple[dict[str, Any], str | None]:
    """One answer committed as the respondent gives it; (answers kept, next question or None)."""
    iv = _holding(session, actor, interview_id)
    response, following = respond.save_answer(session, _link(session, iv), resume_key, code, value)
    return dict(response.answers), following


def held(session: Session, actor: Actor) -> list[SurveyInterview]:
    """The agent's interviews in progress (a reloaded workspace goes back to them)."""
    return list(
        session.scalars(
            select(SurveyInterview).where(
                SurveyInterview.agent_id == actor.id,
                SurveyInterview.state == InterviewState.in_progress,
                SurveyInterview.campaign_id.is_(None),
            )
        )
    )


def desk(session: Session) -> list[tuple[int, str, int]]:
    """Published questionnaires with agents' phone interviews: (survey id, title, pending)."""
    pending = func.sum(case((SurveyInterview.state == InterviewState.pending, 1), else_=0))
    rows = session.execute(
        select(Survey.id, Survey.title, pending)
        .join(SurveyInterview, SurveyInterview.survey_id == Survey.id)
        .where(Survey.state == SurveyState.published, SurveyInterview.campaign_id.is_(None))
        .group_by(Survey.id, Survey.title)
        .order_by(Survey.id.desc())
        .limit(100)
    ).all()
    return [(sid, title, int(n or 0)) for sid, title, n in rows]


def start(session: Session, actor: Actor, interview_id: int, resume_key: str | None) -> respond.Started:
    iv = _holding(session, actor, interview_id)
    return respond.start_link(session, _link(session, iv), resume_key, f"agent-{actor.id}")


def save_page(
    session: Session, actor: Actor, interview_id: int, resume_key: str, page: int, answers: dict[str, Any]
) -> int | None:
    iv = _holding(session, actor, interview_id)
    return respond.save_page(session, _link(session, iv), resume_key, page, answers)[1]


def submit(
    session: Session, actor: Actor, interview_id: int, resume_key: str, now: datetime
) -> SurveyInterview:
    iv = _holding(session, actor, interview_id)
    respond.submit(session, _link(session, iv), resume_key)
    return _move(session, actor, iv, InterviewAction.complete, now)


def outcome(
    session: Session,
    actor: Actor,
    interview_id: int,
    action: InterviewAction,
    now: datetime,
    callback_at: datetime | None = None,
    note: str = "",
) -> SurveyInterview:
    """Close an attempt: refused, no answer, busy, wrong number, call back at …, or release."""
    if action in (InterviewAction.start, InterviewAction.complete):
        raise Invalid(
            f"{action.value} is not an outcome", "不是访问结果", errors=[{"loc": ["body", "outcome"]}]
        )
    if action == InterviewAction.callback and (callback_at is None or callback_at <= now):
        raise Invalid(
            "a call-back needs a future time",
            "约定回拨须填写将来的时间",
            errors=[{"loc": ["body", "callback_at"]}],
        )
    iv = _holding(session, actor, interview_id)
    iv.callback_at = callback_at
    iv.note = note[:200]
    return _move(session, actor, iv, action, now)


def _move(
    session: Session, actor: Actor, iv: SurveyInterview, action: InterviewAction, now: datetime
) -> SurveyInterview:
    before = iv.state
    iv.state = INTERVIEW_STATES.next(InterviewState(iv.state), action)
    iv.updated_at = now
    session.flush()
    record(
        session,
        actor,
        f"interview_{action.value}",
        "survey_interview",
        iv.id,
        before={"state": before},
        after={"state": iv.state},
    )
    return iv


def progress(session: Session, survey_id: int) -> dict[str, Any]:
    """Counts per outcome of the agents' interviews, and their rates (`rates`)."""
    get_survey(session, survey_id)
    counts = {
        InterviewState(s).value: int(n)
        for s, n in session.execute(
            select(SurveyInterview.state, func.count())
            .where(cati_scope(survey_id))
            .group_by(SurveyInterview.state)
        ).all()
    }
    return {**rates(counts), "quotas": Quota.cati(session, survey_id).report(session)}


def rates(counts: dict[str, int]) -> dict[str, Any]:
    """AAPOR-style rates over the eligible sample (wrong numbers and do-not-call numbers are not
    eligible): response (RR1) = completed / eligible, refusal (REF1) = refused and break-offs
    before any answer / eligible, contact (CON1) = reached (completed, partial, refused, call-back)
    / eligible, and completion = completed / those reached who started (completed + partial)."""
    total = sum(counts.values())
    eligible = total - counts.get("wrong_number", 0) - counts.get("do_not_call", 0)
    done, partial = counts.get("completed", 0), counts.get("partial", 0) + counts.get("interrupted", 0)
    reached = done + partial + counts.get("refused", 0) + counts.get("callback", 0)

    def rate(n: int, of: int = eligible) -> float | None:
        return round(100 * n / of, 1) if of else None

    return {
        "total": total,
        "counts": counts,
        "response_rate": rate(done),
        "refusal_rate": rate(counts.get("refused", 0)),
        "contact_rate": rate(reached),
        "completion_rate": rate(done, done + partial),
    }
