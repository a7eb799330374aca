"""Answering on the web: start (or resume) by link, save a page, submit. No sign-in: the link's
secret and the response's resume key (kept by the respondent's browser) are the credentials.

Rules that protect the counts:
- a one-time token answers once: a second start or submit is a 409 `already_answered`, and the
  first answer stays (the state changes by conditional UPDATEs, so two submits racing on two
  devices complete exactly one response);
- an open link takes at most `device_limit` responses per device (a random device cookie);
- every page is checked on the server against the version the response was started on (422
  naming `answers.<code>`), skip logic included; answers to questions the respondent can no
  longer see are dropped.
Completion writes the flat `survey_answers` rows the results count.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.bus import publish_on_commit
from hotline.errors import Conflict, HotlineError, NotFound
from hotline.store.base import utcnow
from hotline.surveys import links, logic
from hotline.surveys.definition import Definition, Question
from hotline.surveys.models import Survey, SurveyAnswer, SurveyLink, SurveyResponse, SurveyVersion
from hotline.surveys.service import definition_by_id, version_definition
from hotline.surveys.states import SurveyState
from hotline.surveys.topics import SurveyResponseCompleted

RESPONDENT = Actor(None, "respondent")


class AlreadyAnswered(HotlineError):
    status, code, title, title_zh = 409, "already_answered", "Already answered", "已作答"


class DeviceLimit(HotlineError):
    status, code, title, title_zh = 409, "device_limit", "Answer limit reached", "已达作答次数上限"


def _already() -> AlreadyAnswered:
    return AlreadyAnswered(
        "this link has already been used to answer; the first answer is kept",
        "此链接已提交过问卷，不能重复作答（以第一次提交为准）。感谢您的参与！",
    )


@dataclass
class Started:
    response: SurveyResponse
    definition: Definition
    resume_key: str
    resumed: bool


def _published(session: Session, link: SurveyLink) -> tuple[Survey, SurveyVersion]:
    survey = session.get(Survey, link.survey_id)
    if survey is None or survey.published_number is None:
        raise NotFound("no such survey link", "问卷链接无效或已失效")
    if survey.state != SurveyState.published:
        raise Conflict("this survey is closed", "本次调查已结束，感谢关注")
    v = session.scalars(
        select(SurveyVersion).where(
            SurveyVersion.survey_id == survey.id, SurveyVersion.number == survey.published_number
        )
    ).one()
    return survey, v


def start(session: Session, secret: str, resume_key: str | None, device: str) -> Started:
    """The respondent's response: resumed (token link, or an open link with the resume key this
    browser kept) or new, on the latest published version."""
    return start_link(session, links.find(session, secret), resume_key, device)


def start_link(session: Session, link: SurveyLink, resume_key: str | None, device: str) -> Started:
    if link.kind == "token" and link.state == "completed":
        raise _already()
    if resume_key:
        found = _by_resume(session, link, resume_key)
        if found is not None and found.state == "in_progress":
            return Started(found, definition_by_id(session, found.version_id), resume_key, True)
    _survey, v = _published(session, link)
    device_hash = links.digest(device) if device else None
    if link.kind == "token":
        existing = session.scalars(
            select(SurveyResponse).where(
                SurveyResponse.link_id == link.id, SurveyResponse.state == "in_progress"
            )
        ).first()
        if existing is not None:
            # The token is the respondent's own: opening it again (another device) continues the
            # same answers with a fresh resume key.
            key = links.new_secret()
            existing.resume_hash = links.digest(key)
            record(session, RESPONDENT, "resume", "survey_response", existing.id)
            return Started(existing, definition_by_id(session, existing.version_id), key, True)
        claimed = session.execute(
            update(SurveyLink)
            .where(SurveyLink.id == link.id, SurveyLink.state == "unused")
            .values(state="started")
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise _already()
    else:
        used = session.scalar(
            select(func.count()).where(
                SurveyResponse.link_id == link.id, SurveyResponse.device_hash == device_hash
            )
        )
        if int(used or 0) >= link.device_limit:
            raise DeviceLimit(
                f"this device has answered {used} time(s), the limit of this link",
                f"本设备已作答 {used} 次，已达到此链接的上限，感谢您的参与！",
            )
    key = links.new_secret()
    response = SurveyResponse(
        survey_id=link.survey_id,
        version_id=v.id,
        version_number=v.number,
        link_id=link.id,
        resume_hash=links.digest(key),
        device_hash=device_hash,
        channel=link.channel,
        district=link.district,
        age_band=link.age_band,
        seed=random.randrange(1, 2**31 - 1),
        answers={},
    )
    session.add(response)
    session.flush()
    record(session, RESPONDENT, "start", "survey_response", response.id, after={"link_id": link.id})
    return Started(response, version_definition(v), key, False)


def _by_resume(session: Session, link: SurveyLink, resume_key: str) -> SurveyResponse | None:
    r = session.scalars(
        select(SurveyResponse).where(SurveyResponse.resume_hash == links.digest(resume_key))
    ).first()
    return r if r is not None and r.link_id == link.id else None


def _open(
    session: Session, link: SurveyLink, resume_key: str
) -> tuple[SurveyLink, SurveyResponse, Definition]:
    response = _by_resume(session, link, resume_key)
    if response is None:
        raise NotFound("no such response; start again from the link", "找不到作答记录，请重新打开问卷链接")
    if response.state != "in_progress" or (link.kind == "token" and link.state == "completed"):
        raise _already()
    return link, response, definition_by_id(session, response.version_id)


def save_page(
    session: Session, secret: str | SurveyLink, resume_key: str, page: int, answers: dict[str, Any]
) -> tuple[SurveyResponse, int | None]:
    """Check and keep one page's answers; returns the response and the next page (None: done).
    `secret`: the link's secret (web) or the link itself (an agent's interview)."""
    link = links.find(session, secret) if isinstance(secret, str) else secret
    _link, response, defn = _open(session, link, resume_key)
    visible_pages, _ = logic.visible(defn, response.answers)
    if page not in visible_pages:
        logic.raise_invalid(
            [
                {
                    "loc": ["page"],
                    "msg": "not a page this respondent sees",
                    "type": "page",
                    "field_zh": "page",
                    "rule_zh": "不是当前应答的页",
                }
            ]
        )
    codes = {q.code for q in defn.pages[page].questions}
    merged = {k: v for k, v in response.answers.items() if k not in codes}
    merged.update({k: v for k, v in answers.items() if not logic.is_empty(v)})
    logic.check_page(defn, page, answers, merged)
    _, kept = logic.visible(defn, merged)
    following = logic.next_page(defn, page, kept)
    response.answers = kept
    response.page = page if following is None else following
    response.updated_at = utcnow()
    record(session, RESPONDENT, "save_page", "survey_response", response.id, after={"page": page})
    return response, following


def save_answer(
    session: Session, link: SurveyLink, resume_key: str, code: str, value: Any
) -> tuple[SurveyResponse, str | None]:
    """Check and keep one question's answer (an agent's interview, question by question): the
    question must be one the respondent sees now, the value valid for it (empty only when not
    required); answers to questions it hides are dropped. Returns the response and the next
    question the respondent sees after this one (None: the end, time to submit)."""
    _link, response, defn = _open(session, link, resume_key)
    pages, kept = logic.visible(defn, response.answers)
    shown = {q.code: q for p in pages for q in logic.visible_questions(defn.pages[p], kept)}
    problem = (
        logic.check_answer(shown[code], value)
        if code in shown
        else ("not a question this respondent sees now", "当前不应回答此题")
    )
    if problem:
        logic.raise_invalid([logic.error(code, *problem)])
    merged = {k: v for k, v in response.answers.items() if k != code}
    if not logic.is_empty(value):
        merged[code] = value
    pages, kept = logic.visible(defn, merged)
    response.answers = kept
    response.page = next(p for p in pages if any(q.code == code for q in defn.pages[p].questions))
    response.updated_at = utcnow()
    record(session, RESPONDENT, "save_answer", "survey_response", response.id, after={"question": code})
    place = {q.code: i for i, q in enumerate(defn.questions())}
    following = (
        q.code
        for p in pages
        for q in logic.visible_questions(defn.pages[p], kept)
        if place[q.code] > place[code]
    )
    return response, next(following, None)


def submit(session: Session, secret: str | SurveyLink, resume_key: str) -> SurveyResponse:
    """Complete the response: every required visible question answered, then counted, once."""
    found = links.find(session, secret) if isinstance(secret, str) else secret
    link, response, defn = _open(session, found, resume_key)
    kept = logic.check_all(defn, response.answers)
    now = utcnow()
    done = session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.id == response.id, SurveyResponse.state == "in_progress")
        .values(state="completed", completed_at=now, answers=kept)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise _already()
    if link.kind == "token":
        used = session.execute(
            update(SurveyLink)
            .where(SurveyLink.id == link.id, SurveyLink.state != "completed")
            .values(state="completed", completed_at=now)
            .execution_options(synchronize_session=False)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]
            raise _already()
    session.add_all(answer_rows(defn, response, kept, now))
    record(
        session,
        RESPONDENT,
        "submit",
        "survey_response",
        response.id,
        after={"version": response.version_number},
    )
    publish_on_commit(
        session,
        SurveyResponseCompleted(
            survey_id=response.survey_id,
            response_id=response.id,
            version_number=response.version_number,
            channel=response.channel,
        ),
    )
    session.refresh(response)
    return response


def answer_rows(
    defn: Definition, response: SurveyResponse, kept: dict[str, Any], at: Any
) -> list[SurveyAnswer]:
    """The counted rows of one completed response (see `models.SurveyAnswer`)."""
    base = {
        "response_id": response.id,
        "survey_id": response.survey_id,
        "version_number": response.version_number,
        "channel": response.channel,
        "district": response.district,
        "age_band": response.age_band,
        "completed_at": at,
    }
    rows: list[SurveyAnswer] = []
    for q in defn.questions():
        if q.code in kept:
            rows += [SurveyAnswer(question=q.code, **base, **fact) for fact in facts(q, kept[q.code])]
    return rows


ANSWERED = "*"  # the `item` of the one row saying "this response answered this question"


def facts(q: Question, value: Any) -> list[dict[str, Any]]:
    """The counted rows of one answer. Where an answer makes several rows (multiple choice, a
    matrix), one more row with `item` = "*" marks the question answered, so "how many answered"
    is a count in the same GROUP BY as the options, never a COUNT(DISTINCT) over the table."""
    if q.type == "single":
        return [{"option": value}]
    if q.type == "multiple":
        return [{"item": ANSWERED}, *({"option": v} for v in value)]
    if q.type == "matrix":
        return [{"item": ANSWERED}, *({"item": row, "option": opt} for row, opt in value.items())]
    if q.type in ("rating", "nps"):
        return [{"option": str(value), "value_num": float(value)}]
    if q.type == "number":
        return [{"value_num": float(value)}]
    return [{"value_text": str(value)}]


def rendered(defn: Definition, seed: int, phone: bool = False) -> dict[str, Any]:
    """The definition as this respondent sees it: options in their (seeded) order; on the phone
    (an agent reading it out) each question's phone wording as its text."""
    out = defn.model_dump(mode="json", by_alias=True, exclude_none=True)
    for page, p_out in zip(defn.pages, out["pages"], strict=True):
        for q, q_out in zip(page.questions, p_out["questions"], strict=True):
            q_out["options"] = [o.model_dump() for o in logic.shuffled(q, seed)]
            q_out["text"] = q.wording(phone)
            q_out.pop("phone_text", None)
    return out
