"""Survey invitations over HTTP: send a questionnaire's personal links by SMS or WeChat to the
respondents given, or to a sample of callers or of closed work orders (SMS), with the report of
refused rows (not a number, do-not-contact, invited already, the per-person limit), and the
outbox with each message's state. Thin: the work is in `hotline.surveys.invites`; the sending is its job."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from hotline.channels.settings import get_channel_settings
from hotline.store.base import utcnow
from hotline.surveys import frames, invites
from hotline.surveys.invite_schemas import InviteOut, InvitesIn, QueuedOut
from hotline.surveys.states import INVITE_ZH, InviteStatus
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, SessionDep, SettingsDep

router = APIRouter(prefix="/api/surveys", tags=["surveys"])
SurveysRun = Annotated[Principal, Depends(require("surveys.run"))]


@router.post("/{survey_id}/invites", response_model=QueuedOut, status_code=201)
def invite(
    survey_id: IdPath, body: InvitesIn, p: SurveysRun, session: SessionDep, settings: SettingsDep
) -> QueuedOut:
    rows = [invites.Recipient(r.to, r.district, r.age_band) for r in body.recipients]
    if body.frame is not None:
        f = frames.Frame(**body.frame.model_dump(exclude={"limit"}))
        rows += [
            invites.Recipient(m.phone, m.district, m.age_band, m.caller_id, m.work_order_id)
            for m in frames.members(session, f, body.frame.limit)
        ]
    base = get_channel_settings().console_url or f"http://{settings.http_host}:{settings.http_port}"
    done = invites.queue(session, p.actor, survey_id, body.channel, rows, base, utcnow())
    refused = (
        done.refused if p.pii else [{**r, "to": invites.mask(body.channel, r["to"])} for r in done.refused]
    )
    return QueuedOut(queued=done.queued, refused=refused)


@router.get("/{survey_id}/invites", response_model=list[InviteOut])
def list_invites(survey_id: IdPath, p: SurveysRun, session: SessionDep) -> list[InviteOut]:
    return [
        InviteOut(
            id=i.id,
            channel=i.channel,
            to=i.recipient if p.pii else invites.mask(i.channel, i.recipient),
            status=i.status,
            status_zh=INVITE_ZH[InviteStatus(i.status)],
            attempts=i.attempts,
            error=i.error,
            created_at=i.created_at,
            sent_at=i.sent_at,
        )
        for i in invites.invitations(session, survey_id)
    ]
