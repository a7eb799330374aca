"""Respondent links: one-time tokens (one per respondent, carrying the attributes results are cut
by) and open links (anyone, a few answers per device). The secret in the URL is shown once, when
the link is made; only its SHA-256 is stored, like API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.errors import Conflict, NotFound
from hotline.surveys.models import SurveyLink
from hotline.surveys.service import get_survey
from hotline.surveys.states import SurveyState


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(18)


@dataclass(frozen=True)
class Respondent:
    """What a token link knows about its respondent (all optional)."""

    district: str = ""
    age_band: str = ""
    channel: str = "web"
    label: str = ""
    caller_id: int | None = None
    work_order_id: int | None = None  # a return-visit respondent's closed order


def create_tokens(
    session: Session, actor: Actor, survey_id: int, respondents: list[Respondent]
) -> list[tuple[SurveyLink, str]]:
    """One one-time link per respondent: (row, secret for the URL)."""
    survey = get_survey(session, survey_id)
    if survey.state == SurveyState.closed:
        raise Conflict("the survey is closed", "问卷已关闭")
    out = []
    for r in respondents:
        secret = new_secret()
        link = SurveyLink(
            survey_id=survey_id,
            kind="token",
            token_hash=digest(secret),
            label=r.label,
            district=r.district,
            age_band=r.age_band,
            channel=r.channel,
            caller_id=r.caller_id,
            work_order_id=r.work_order_id,
        )
        session.add(link)
        out.append((link, secret))
    session.flush()
    record(session, actor, "create_tokens", "survey", survey_id, after={"count": len(out)})
    return out


def create_open_link(
    session: Session, actor: Actor, survey_id: int, device_limit: int, channel: str, label: str
) -> tuple[SurveyLink, str]:
    get_survey(session, survey_id)
    secret = new_secret()
    link = SurveyLink(
        survey_id=survey_id,
        kind="open",
        token_hash=digest(secret),
        device_limit=device_limit,
        channel=channel,
        label=label,
        state="open",
    )
    session.add(link)
    session.flush()
    record(
        session,
        actor,
        "create_open_link",
        "survey",
        survey_id,
        after={"link_id": link.id, "device_limit": device_limit},
    )
    return link, secret


def find(session: Session, secret: str) -> SurveyLink:
    link = session.scalars(select(SurveyLink).where(SurveyLink.token_hash == digest(secret))).first()
    if link is None:
        raise NotFound("no such survey link", "问卷链接无效或已失效")
    return link


def list_links(session: Session, survey_id: int) -> tuple[list[SurveyLink], dict[str, int]]:
    """Open links, and token counts per state (unused / started / completed)."""
    get_survey(session, survey_id)
    opened = session.scalars(
        select(SurveyLink)
        .where(SurveyLink.survey_id == survey_id, SurveyLink.kind == "open")
        .order_by(SurveyLink.id)
    ).all()
    counts = dict(
        session.execute(
            select(SurveyLink.state, func.count())
            .where(SurveyLink.survey_id == survey_id, SurveyLink.kind == "token")
            .group_by(SurveyLink.state)
        ).all()
    )
    return list(opened), {k: int(v) for k, v in counts.items()}
