"""Intake channels over HTTP: the SMS gateway webhook, the WeChat official-account endpoint and the
public web form (each authenticates itself, hence PUBLIC_ROUTES), plus the inbox for operators.
Every intake goes through `hotline.channels.inbox.intake`: persisted raw first, then processed."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from pydantic import Field

from hotline.channels import inbox, listing, nonces, replies, sms, wechat
from hotline.channels.autoreply import WECHAT_ANSWERER
from hotline.channels.settings import ChannelSettings, get_channel_settings
from hotline.errors import Invalid, NotFound, TooManyRequests, Unauthorized
from hotline.schemas import Out, StrictIn
from hotline.store.base import utcnow
from hotline.web.auth import LoginThrottle, Principal, require
from hotline.web.clientip import client_ip
from hotline.web.deps import DbDep, IdPath, SessionDep
from hotline.web.services import ServicesDep

router = APIRouter(prefix="/api/channels", tags=["channels"])
Admin = Annotated[Principal, Depends(require("workorders.admin"))]
ChannelsRead = Annotated[Principal, Depends(require("channels.read"))]
ChannelSettingsDep = Annotated[ChannelSettings, Depends(get_channel_settings)]
PUBLIC_ROUTES = {
    ("POST", "/api/channels/sms"),
    ("GET", "/api/channels/wechat"),
    ("POST", "/api/channels/wechat"),
    ("POST", "/api/channels/webform"),
}
XML = "application/xml"
MAX_BODY = 64 * 1024
WEBFORM_MAX, WEBFORM_WINDOW_S = 10, 600


class IntakeOut(Out):
    inbound_id: int
    duplicate: bool
    number: str | None


class WebFormIn(StrictIn):
    form_id: str = Field(min_length=8, max_length=64, description="client-made id; re-posting it is a no-op")
    name: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=255)
    content: str = Field(min_length=5, max_length=5000)
    website: str | None = Field(None, max_length=200, description="leave empty (spam trap)")


class InboundOut(Out):
    id: int
    channel: str
    external_id: str
    status: str = Field(description="received | processed | failed | dead (dead letter) | held")
    flag: str | None = Field(None, description="why held: automated or looping mail")
    attempts: int
    next_attempt_at: datetime | None
    error: str | None
    workorder_id: int | None
    workorder_number: str | None = None
    received_at: datetime | None = None


class ReplyOut(Out):
    id: int
    workorder_id: int
    kind: str = Field(description="reply | close")
    channel: str
    status: str = Field(description="queued | sent | failed | dead | refused | skipped")
    attempts: int
    next_attempt_at: datetime | None
    error: str | None
    created_at: datetime
    sent_at: datetime | None
    workorder_number: str | None = None


async def _body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise Invalid("message too large", "报文过大")
    return body


def _result(stored: inbox.Stored, order: Any) -> IntakeOut:
    return IntakeOut(inbound_id=stored.id, duplicate=stored.duplicate, number=order.number if order else None)


@router.post("/sms", response_model=IntakeOut)
async def sms_webhook(request: Request, db: DbDep, cfg: ChannelSettingsDep) -> IntakeOut:
    body = await _body(request)
    h = request.headers
    sms.verify(
        cfg.sms_secret, h.get("x-hotline-timestamp"), h.get("x-hotline-signature"), body, time.time(),
        cfg.sms_replay_window_s,
    )  # fmt: skip
    msg = sms.parse(body)
    stored, order = await run_in_threadpool(
        inbox.intake, db, "sms", msg.message_id, msg.sender, msg.text, body
    )
    return _result(stored, order)


@router.get("/wechat", response_class=PlainTextResponse)
def wechat_verify(
    cfg: ChannelSettingsDep,
    signature: str = Query("", max_length=64),
    timestamp: str = Query("", max_length=20),
    nonce: str = Query("", max_length=64),
    echostr: str = Query("", max_length=200),
) -> str:
    """URL verification: echo `echostr` back when the signature proves the request is WeChat's."""
    wechat.check_signature(cfg.wechat_token, signature, timestamp, nonce)
    wechat.check_timestamp(timestamp, time.time(), cfg.wechat_replay_window_s)
    return echostr


@router.post("/wechat", response_class=Response, responses={200: {"content": {XML: {}}}})
async def wechat_message(
    request: Request,
    db: DbDep,
    cfg: ChannelSettingsDep,
    ctx: ServicesDep,
    signature: str = Query("", max_length=64),
    timestamp: str = Query("", max_length=20),
    nonce: str = Query("", max_length=64),
    encrypt_type: str = Query("", max_length=16),
    msg_signature: str = Query("", max_length=64),
) -> Response:
    """A message pushed by WeChat; answered with a passive text reply (well inside the 5 s limit)."""
    body = await _body(request)
    wechat.check_signature(cfg.wechat_token, signature, timestamp, nonce)
    now = time.time()
    wechat.check_timestamp(timestamp, now, cfg.wechat_replay_window_s)
    await run_in_threadpool(
        nonces.check, db, "wechat", f"{timestamp}:{nonce}", body, utcnow(), cfg.wechat_replay_window_s
    )
    if cfg.wechat_aes_key and encrypt_type != "aes":
        raise Unauthorized(
            "plaintext WeChat message while AES mode is configured", "安全模式下不接受明文消息"
        )
    fields = wechat.parse_xml(body)
    crypto = None
    if encrypt_type == "aes":
        crypto = wechat.Crypto(cfg.wechat_token, cfg.wechat_aes_key, cfg.wechat_app_id)
        encrypted = fields.get("Encrypt", "")
        wechat.check_signature(cfg.wechat_token, msg_signature, timestamp, nonce, encrypted)
        fields = wechat.parse_xml(crypto.decrypt(encrypted).encode())
    user, account = fields.get("FromUserName", ""), fields.get("ToUserName", "")
    text = wechat.message_text(fields)
    if text is None or not user:
        return Response("success", media_type="text/plain")  # events: acknowledged, not intake
    msg_id = fields.get("MsgId") or f"{user}:{fields.get('CreateTime', '')}"
    answerer = ctx.find(WECHAT_ANSWERER)
    auto = None
    if answerer is not None and fields.get("MsgType") == "text":
        auto = await run_in_threadpool(answerer, user, msg_id, text)
    if auto is not None and auto.reply is not None:
        answer = auto.reply
    else:
        intake_text = auto.intake_text if auto is not None and auto.intake_text else text
        _stored, order = await run_in_threadpool(inbox.intake, db, "wechat", msg_id, user, intake_text, body)
        answer = inbox.ACK_TEXT.format(number=order.number) if order else "您的留言已收到，我们会尽快处理。"
    reply = wechat.text_reply(user, account, answer)
    if crypto is not None:
        reply = crypto.wrap_reply(reply, timestamp, nonce)
    return Response(reply, media_type=XML)


def _webform_key(body: WebFormIn) -> str:
    """The idempotency key: the client's form_id plus a digest of what was submitted. A client
    re-posting the same form is a duplicate; another citizen whose page made the same form_id
    (a fixed or colliding id) is a different message, not dropped as a duplicate of the first."""
    parts = (body.name or "", body.phone or "", body.email or "", body.content)
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]
    return f"{body.form_id}:{digest}"


@router.post("/webform", response_model=IntakeOut)
def web_form(body: WebFormIn, request: Request, db: DbDep) -> IntakeOut:
    if body.website:  # filled only by bots
        raise Invalid("rejected", "提交被拒绝")
    # A public form: at most WEBFORM_MAX submissions per address per window (per app instance).
    # The address is the peer, or what a configured trusted proxy forwarded (never a bare XFF).
    throttle = getattr(request.app.state, "webform_throttle", None)
    if throttle is None:
        throttle = request.app.state.webform_throttle = LoginThrottle(WEBFORM_MAX, WEBFORM_WINDOW_S)
    ip = client_ip(request) or "-"
    key = f"webform:{ip}"
    try:
        throttle.check(key)
    except TooManyRequests as exc:
        retry = exc.extra.get("retry_after", WEBFORM_WINDOW_S)
        raise TooManyRequests(
            f"too many submissions; try again in {retry} s",
            f"提交过于频繁，请 {retry} 秒后再试",
            retry_after=retry,
        ) from exc
    throttle.fail(key)
    sender = body.email or body.phone or f"ip:{ip}"
    stored, order = inbox.intake(
        db,
        "web",
        _webform_key(body),
        sender,
        body.content,
        body.model_dump_json().encode(),
        sender_name=body.name,
        sender_phone=body.phone,
    )
    return _result(stored, order)


@router.get("/inbox", response_model=list[InboundOut])
def list_inbox(
    _: ChannelsRead,
    session: SessionDep,
    status: str | None = Query(None, max_length=16),
    limit: int = Query(100, ge=1, le=500),
    before: int | None = Query(None, ge=1, description="only ids below this one (the next, older page)"),
) -> list[InboundOut]:
    return [
        InboundOut.model_validate(m).model_copy(update={"workorder_number": number})
        for m, number in listing.inbox_page(session, status, before, limit)
    ]


@router.post("/inbox/retry", response_model=dict[str, int])
def retry_inbox(_: Admin, db: DbDep) -> dict[str, int]:
    """Retry every failed message now, back-off or not (dead letters: one by one, below)."""
    return {"processed": inbox.retry_pending(db, force=True)}


@router.post("/inbox/{inbound_id}/retry", response_model=IntakeOut)
def revive_inbox(inbound_id: IdPath, principal: Admin, db: DbDep) -> IntakeOut:
    """Retry a dead letter, or release held (automated) mail into an order that is not answered."""
    try:
        order = inbox.revive(db, inbound_id, principal.actor)
    except LookupError as exc:
        raise NotFound(f"inbox message {inbound_id} does not exist", "收件箱消息不存在") from exc
    return _result(inbox.Stored(inbound_id, False), order)


RAW_TYPES = {"mailbox": "message/rfc822", "wechat": XML, "sms": "application/json", "web": "application/json"}


@router.get(
    "/inbox/{inbound_id}/raw",
    response_class=Response,
    responses={200: {"content": {t: {} for t in sorted(set(RAW_TYPES.values()))}}},
)
def inbox_raw(inbound_id: IdPath, _: ChannelsRead, session: SessionDep) -> Response:
    """The message exactly as received (a mail's source, a webhook's body), byte for byte."""
    channel, raw = inbox.raw_message(session, inbound_id)
    return Response(raw, media_type=RAW_TYPES.get(channel, "application/octet-stream"))


@router.get("/replies", response_model=list[ReplyOut])
def list_replies(
    _: ChannelsRead,
    session: SessionDep,
    status: str | None = Query(None, max_length=16),
    limit: int = Query(100, ge=1, le=500),
    before: int | None = Query(None, ge=1, description="only ids below this one (the next, older page)"),
) -> list[ReplyOut]:
    """Answers sent back to citizens, newest first (dead and refused ones to look after)."""
    return [
        ReplyOut.model_validate(r).model_copy(update={"workorder_number": number})
        for r, number in listing.replies_page(session, status, before, limit)
    ]


@router.post("/replies/{reply_id}/retry", response_model=ReplyOut)
def retry_reply(reply_id: IdPath, principal: Admin, db: DbDep) -> ReplyOut:
    """Send a dead, refused or failed answer again on the job's next run."""
    try:
        return ReplyOut.model_validate(replies.retry(db, reply_id, principal.actor))
    except LookupError as exc:
        raise NotFound(f"answer {reply_id} does not exist", "答复记录不存在") from exc
