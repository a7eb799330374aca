"""Survey invitations (问卷邀请): a questionnaire's personal one-time link sent to respondents by SMS
or WeChat through the channels' senders (`hotline.channels.sms_out`, `wechat_out`).

`queue` makes one token link per recipient (its channel is the invitation's, so results can be
cut by it) and one outbox row (`survey_invites`), after refusing, each named in a report: what is
not a mobile number / an openid, a recipient given twice, one on the do-not-contact list (the
campaigns' 勿扰名单, which holds numbers and openids alike), one already invited to this
questionnaire in the last week, and one who already had `PER_RECIPIENT_DAY` survey invitations in
the last day (rate limit per person). `send_due` (a job) sends what is due at the gateway's pace
(`SEND_PER_MINUTE` across all questionnaires), only in the calling hours (`cati.in_window`:
09:00-20:00 Shanghai, no official holidays; nobody is texted at night): each row is claimed
(`sending`, committed) before the far end is called, so a crash mid-send leaves it `sending`,
settled later as `unknown` and never sent twice; a number put on the do-not-contact list
meanwhile is `skipped`; a WeChat follower who has not written to the account in 48 hours cannot
be reached by a customer-service message (`refused`); a failed try is tried again with back-off,
`dead` after the last. Every step is audited (the recipient masked). The link's secret is in
`text` only until the row is settled; then it is cut out.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from hotline.audit.service import SYSTEM, Actor, record
from hotline.channels import sms_out, wechat_out
from hotline.channels.settings import ChannelSettings, get_channel_settings
from hotline.dialplan.plan import normalise
from hotline.errors import Conflict
from hotline.masking import mask_phone
from hotline.store.db import Database
from hotline.surveys import links
from hotline.surveys.cati import in_window
from hotline.surveys.models import SurveyDoNotCall, SurveyInvite
from hotline.surveys.service import get_survey
from hotline.surveys.states import INVITE_STATES, InviteStatus, InviteStep, SurveyState

CHANNELS = ("sms", "wechat")
SAME_SURVEY_GAP = timedelta(days=7)
PER_RECIPIENT_DAY = 2
SEND_PER_MINUTE = 60
MAX_ATTEMPTS = 5
STALE_SENDING = timedelta(minutes=5)
TEXT = "【民政服务热线】{title}：诚邀您参加问卷调查，请打开 {url} 填写（每人一次）。回复TD退订。"
_MOBILE = re.compile(r"1[3-9]\d{9}")
_OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}")
_SECRET = re.compile(r"/s/[A-Za-z0-9_-]+")
# Invitations that count against the limits: everything but those never sent to the person.
_COUNTED = [s.value for s in InviteStatus if s not in (InviteStatus.skipped, InviteStatus.refused)]


@dataclass(frozen=True)
class Recipient:
    to: str
    district: str = ""
    age_band: str = ""
    caller_id: int | None = None
    work_order_id: int | None = None


@dataclass
class Queued:
    queued: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)  # {"row", "to", "reason", "reason_zh"}


def address(channel: str, raw: str) -> str | None:
    """The recipient in its stored form, or None when it is not one for the channel."""
    if channel == "sms":
        number = normalise(raw)
        return number if number and _MOBILE.fullmatch(number) else None
    text = raw.strip()
    return text if _OPENID.fullmatch(text) else None


def mask(channel: str, recipient: str) -> str:
    return (mask_phone(recipient) or "") if channel == "sms" else recipient[:6] + "****"


def _refusal(row: int, to: str, reason: str, zh: str) -> dict[str, Any]:
    return {"row": row, "to": to, "reason": reason, "reason_zh": zh}


def queue(
    session: Session,
    actor: Actor,
    survey_id: int,
    channel: str,
    recipients: list[Recipient],
    base_url: str,
    now: datetime,
) -> Queued:
    """Queue one invitation per acceptable recipient (see the module doc); the report names the rest."""
    survey = get_survey(session, survey_id)
    if survey.state != SurveyState.published:
        raise Conflict("publish the survey before inviting respondents", "问卷发布后才能发送邀请")
    out = Queued()
    wanted: list[tuple[int, str, Recipient]] = []
    for i, r in enumerate(recipients, start=1):
        to = address(channel, r.to)
        if to is None:
            what = (
                ("not a mobile number", "不是手机号码")
                if channel == "sms"
                else ("not an openid", "不是微信 openid")
            )
            out.refused.append(_refusal(i, r.to, *what))
        elif any(to == w[1] for w in wanted):
            out.refused.append(_refusal(i, r.to, "given twice", "重复"))
        else:
            wanted.append((i, to, r))
    tos = [w[1] for w in wanted]
    blocked = set(session.scalars(select(SurveyDoNotCall.phone).where(SurveyDoNotCall.phone.in_(tos))))
    recent = select(SurveyInvite.recipient).where(
        SurveyInvite.recipient.in_(tos), SurveyInvite.status.in_(_COUNTED)
    )
    invited = set(
        session.scalars(
            recent.where(SurveyInvite.survey_id == survey_id, SurveyInvite.created_at > now - SAME_SURVEY_GAP)
        )
    )
    today = Counter(session.scalars(recent.where(SurveyInvite.created_at > now - timedelta(days=1))))
    accepted: list[tuple[str, Recipient]] = []
    for i, to, r in wanted:
        if to in blocked:
            out.refused.append(_refusal(i, r.to, "on the do-not-contact list", "勿扰名单"))
        elif to in invited:
            out.refused.append(_refusal(i, r.to, "already invited this week", "7 天内已邀请过"))
        elif today[to] >= PER_RECIPIENT_DAY:
            out.refused.append(_refusal(i, r.to, "too many invitations today", "今日邀请次数已达上限"))
        else:
            accepted.append((to, r))
    made = links.create_tokens(
        session,
        actor,
        survey_id,
        [
            links.Respondent(r.district, r.age_band, channel, "", r.caller_id, r.work_order_id)
            for _, r in accepted
        ],
    )
    for (to, r), (link, secret) in zip(accepted, made, strict=True):
        url = f"{base_url.rstrip('/')}/s/{secret}"
        session.add(
            SurveyInvite(
                survey_id=survey_id,
                link_id=link.id,
                channel=channel,
                recipient=to,
                caller_id=r.caller_id,
                text=TEXT.format(title=survey.title, url=url),
                created_by=actor.id,
                created_at=now,
            )
        )
    session.flush()
    out.queued = len(accepted)
    after = {"channel": channel, "queued": out.queued, "refused": len(out.refused)}
    record(session, actor, "invite", "survey", survey_id, after=after)
    return out


def invitations(session: Session, survey_id: int) -> list[SurveyInvite]:
    get_survey(session, survey_id)
    q = select(SurveyInvite).where(SurveyInvite.survey_id == survey_id).order_by(SurveyInvite.id.desc())
    return list(session.scalars(q.limit(500)))


# --- the sending job ---------------------------------------------------------------------------


def _move(session: Session, inv: SurveyInvite, step: InviteStep, now: datetime, error: str = "") -> None:
    before = inv.status
    inv.status = INVITE_STATES.next(InviteStatus(inv.status), step)
    inv.error = error[:300]
    if inv.status == InviteStatus.failed:
        inv.next_at = now + min(timedelta(hours=1), timedelta(minutes=2) * 2 ** (inv.attempts - 1))
    if inv.status not in (InviteStatus.sending, InviteStatus.failed, InviteStatus.queued):
        inv.text = _SECRET.sub("/s/…", inv.text)  # settled: the secret is no longer needed here
    session.flush()
    record(
        session,
        SYSTEM,
        f"invite_{step.value}",
        "survey_invite",
        inv.id,
        before={"status": before},
        after={"status": inv.status, "to": mask(inv.channel, inv.recipient), "error": inv.error},
    )


def _claim(session: Session, cfg: ChannelSettings, now: datetime) -> list[tuple[int, str, str, str]]:
    """Settle stale claims, skip do-not-contact rows, claim what the pace allows; (id, channel, to, text)."""
    for inv in session.scalars(
        select(SurveyInvite).where(
            SurveyInvite.status == InviteStatus.sending, SurveyInvite.next_at <= now - STALE_SENDING
        )
    ):
        _move(session, inv, InviteStep.interrupt, now)
    room = SEND_PER_MINUTE - int(
        session.scalar(select(func.count()).where(SurveyInvite.sent_at > now - timedelta(minutes=1))) or 0
    )
    channels = [c for c, on in (("sms", cfg.sms_gateway_url), ("wechat", cfg.wechat_app_id)) if on]
    if room <= 0 or not channels or not in_window(now):
        return []
    due = session.scalars(
        select(SurveyInvite)
        .where(
            SurveyInvite.status.in_([InviteStatus.queued, InviteStatus.failed]),
            SurveyInvite.channel.in_(channels),
            or_(SurveyInvite.next_at.is_(None), SurveyInvite.next_at <= now),
        )
        .order_by(SurveyInvite.id)
        .limit(room * 2 + 20)
    ).all()
    blocked = set(
        session.scalars(
            select(SurveyDoNotCall.phone).where(SurveyDoNotCall.phone.in_([i.recipient for i in due]))
        )
    )
    claimed: list[tuple[int, str, str, str]] = []
    for inv in due:
        if len(claimed) >= room:
            break
        if inv.recipient in blocked:
            _move(session, inv, InviteStep.skip, now)
            continue
        took = session.execute(
            update(SurveyInvite)
            .where(SurveyInvite.id == inv.id, SurveyInvite.status == inv.status)
            .values(status=InviteStatus.sending, attempts=inv.attempts + 1, sent_at=now, next_at=now)
            .execution_options(synchronize_session=False)
        )
        if took.rowcount != 1:  # type: ignore[attr-defined]
            continue
        session.refresh(inv)
        record(session, SYSTEM, "invite_claim", "survey_invite", inv.id, after={"attempt": inv.attempts})
        if inv.channel == "wechat":
            try:
                wechat_out.check_window(cfg, wechat_out.last_message_at(session, inv.recipient), now)
            except wechat_out.Refused as exc:
                _move(session, inv, InviteStep.refuse, now, exc.zh)
                continue
        claimed.append((inv.id, inv.channel, inv.recipient, inv.text))
    return claimed


def _send(
    cfg: ChannelSettings, client: httpx.Client, invite_id: int, channel: str, to: str, text: str
) -> tuple[InviteStep, str]:
    if channel == "sms":
        error = sms_out.post(cfg, client, f"survey-invite-{invite_id}", to, text)
        return (InviteStep.fail, error) if error else (InviteStep.succeed, "")
    try:
        wechat_out.send_text(cfg, client, to, text)
    except wechat_out.Refused as exc:
        return InviteStep.refuse, exc.zh
    except wechat_out.Failed as exc:
        return InviteStep.fail, str(exc)
    return InviteStep.succeed, ""


def send_due(db: Database, now: datetime, cfg: ChannelSettings | None = None) -> int:
    """Send the invitations due now (see the module doc); returns how many went out."""
    cfg = cfg or get_channel_settings()
    with db.session() as s:
        claimed = _claim(s, cfg, now)
    sent = 0
    with httpx.Client(timeout=10) as client:
        for invite_id, channel, to, text in claimed:
            step, error = _send(cfg, client, invite_id, channel, to, text)
            with db.session() as s:
                inv = s.get(SurveyInvite, invite_id)
                if inv is None or inv.status != InviteStatus.sending:
                    continue
                if step is InviteStep.fail and inv.attempts >= MAX_ATTEMPTS:
                    step = InviteStep.give_up
                _move(s, inv, step, now, error)
            sent += step is InviteStep.succeed
    return sent
