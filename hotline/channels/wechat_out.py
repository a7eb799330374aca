"""Answers to WeChat citizens as customer-service messages (客服消息) of the official account, and
template messages (模板消息, `send_template`) to staff who follow it (duty alerts).

WeChat accepts a customer-service message only within 48 hours of the citizen's last message to the
account (errcode 45015 otherwise), so the window is checked here against the inbox before calling,
and a refusal is final (`Refused`): the handler must answer another way. The call needs an access
token (`GET /cgi-bin/token?grant_type=client_credential`), good for `expires_in` seconds; it is
cached per process and fetched again when WeChat says it is invalid or expired (40001/40014/42001).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.channels.models import InboundMessage
from hotline.channels.settings import ChannelSettings

TOKEN_INVALID = {40001, 40014, 42001}
OUT_OF_WINDOW = {45015, 45047}
# Not following the account; an invalid openid, template id or data field (template messages).
TEMPLATE_REFUSED = {43004, 40003, 40036, 40037, 47003}
MAX_BYTES = 2048  # a text customer-service message (longer ones: errcode 45002)
CUT = "……（答复较长，全文请拨打热线查询）"  # reply time limit passed; too many messages without an answer
_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_lock = threading.Lock()


class Refused(Exception):
    """The message cannot be sent over WeChat at all (not worth retrying); `zh` says so for the
    order's timeline."""

    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


class Failed(Exception):
    """This attempt failed (network, WeChat busy): retry later."""


def last_message_at(session: Session, openid: str) -> datetime | None:
    return session.scalar(
        select(func.max(InboundMessage.received_at)).where(
            InboundMessage.channel == "wechat", InboundMessage.sender == openid
        )
    )


def check_window(settings: ChannelSettings, last: datetime | None, now: datetime) -> None:
    hours = settings.wechat_reply_window_h
    if last is None or now - last > timedelta(hours=hours):
        raise Refused(
            f"the citizen's last WeChat message is more than {hours} hours old; WeChat accepts "
            f"customer-service messages only within {hours} hours — answer by phone",
            f"市民最后一次微信留言已超过 {hours} 小时，微信不允许再发送客服消息，请电话答复",
        )


def access_token(settings: ChannelSettings, client: httpx.Client, fresh: bool) -> str:
    """The account's access token (cached per process; `fresh` fetches a new one). Shared by every
    caller of the WeChat API in this process, since a new token replaces the old one at WeChat."""
    key = (settings.wechat_api_base, settings.wechat_app_id)
    with _lock:
        cached = _tokens.get(key)
        if cached and not fresh and cached[1] > time.monotonic():
            return cached[0]
    if not settings.wechat_app_id or not settings.wechat_app_secret:
        raise Failed("WeChat AppID/AppSecret not configured")
    try:
        resp = client.get(
            settings.wechat_api_base.rstrip("/") + "/cgi-bin/token",
            params={
                "grant_type": "client_credential",
                "appid": settings.wechat_app_id,
                "secret": settings.wechat_app_secret,
            },
        )
        data = resp.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise Failed(f"WeChat token request failed: {exc}") from exc
    token = data.get("access_token") if isinstance(data, dict) else None
    if not token:
        raise Failed(f"WeChat gave no access token: errcode {data.get('errcode')} {data.get('errmsg')}")
    # Renew a minute early so a token never expires between fetching and using it.
    expires = time.monotonic() + max(60, int(data.get("expires_in", 7200)) - 60)
    with _lock:
        _tokens[key] = (str(token), expires)
    return str(token)


def fit(text: str) -> str:
    """The text cut (with a note) to what one WeChat text message carries."""
    if len(text.encode()) <= MAX_BYTES:
        return text
    room = MAX_BYTES - len(CUT.encode())
    return text.encode()[:room].decode(errors="ignore") + CUT


def send_text(settings: ChannelSettings, client: httpx.Client, openid: str, text: str) -> str:
    """Send one text message; returns WeChat's msgid (or "") — raises Refused or Failed."""
    text = fit(text)
    payload = {"touser": openid, "msgtype": "text", "text": {"content": text}}
    for fresh in (False, True):
        token = access_token(settings, client, fresh)
        try:
            resp = client.post(
                settings.wechat_api_base.rstrip("/") + "/cgi-bin/message/custom/send",
                params={"access_token": token},
                json=payload,
            )
            data = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise Failed(f"WeChat customer-service call failed: {exc}") from exc
        code = int(data.get("errcode", 0)) if isinstance(data, dict) else -1
        if code == 0:
            return str(data.get("msgid", ""))
        if code in OUT_OF_WINDOW:
            raise Refused(
                f"WeChat refused the message: errcode {code} {data.get('errmsg')}",
                f"微信拒绝发送（错误码 {code}：已超出客服消息时限或条数），请电话答复",
            )
        if code not in TOKEN_INVALID:
            errmsg = data.get("errmsg") if isinstance(data, dict) else ""
            raise Failed(f"WeChat error: errcode {code} {errmsg}")
    raise Failed("WeChat access token refused twice")


def send_template(
    settings: ChannelSettings,
    client: httpx.Client,
    openid: str,
    template_id: str,
    fields: dict[str, str],
    url: str = "",
) -> str:
    """Send one template message (模板消息: no 48-hour window, the user only has to follow the
    account; staff alerts use it). `fields` fill the template's keys (`first`, `keyword1`, ...,
    `remark`). Returns WeChat's msgid; raises Refused (not following: 43004, template id or
    field wrong: 40003/40036/40037/47003) or Failed."""
    payload: dict[str, object] = {
        "touser": openid,
        "template_id": template_id,
        "data": {key: {"value": value} for key, value in fields.items()},
    }
    if url:
        payload["url"] = url
    for fresh in (False, True):
        token = access_token(settings, client, fresh)
        try:
            resp = client.post(
                settings.wechat_api_base.rstrip("/") + "/cgi-bin/message/template/send",
                params={"access_token": token},
                json=payload,
            )
            data = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise Failed(f"WeChat template call failed: {exc}") from exc
        code = int(data.get("errcode", 0)) if isinstance(data, dict) else -1
        if code == 0:
            return str(data.get("msgid", ""))
        errmsg = data.get("errmsg") if isinstance(data, dict) else ""
        if code in TEMPLATE_REFUSED:
            raise Refused(
                f"WeChat refused the template message: errcode {code} {errmsg}",
                f"微信拒绝发送模板消息（错误码 {code}）：接收人未关注公众号或模板配置有误",
            )
        if code not in TOKEN_INVALID:
            raise Failed(f"WeChat error: errcode {code} {errmsg}")
    raise Failed("WeChat access token refused twice")
