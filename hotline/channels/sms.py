"""SMS gateway webhook: the gateway POSTs each inbound SMS as JSON, signed.

Signature: `X-Hotline-Timestamp: <unix seconds>` and `X-Hotline-Signature: <hex HMAC-SHA256 of
"<timestamp>.<raw body>" with the shared secret>`. A timestamp outside the replay window is
refused even when the signature is right (a captured request cannot be replayed later); within
the window a replay carries the same `message_id` and is de-duplicated by the inbox.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from hotline.errors import Invalid, Unauthorized


@dataclass(frozen=True)
class Sms:
    message_id: str
    sender: str
    text: str


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float, window: int
) -> None:
    if not secret:
        raise Unauthorized("the SMS channel is not configured", "短信渠道未配置")
    if not timestamp or not signature:
        raise Unauthorized("missing SMS signature headers", "缺少短信签名")
    try:
        ts = int(timestamp)
    except ValueError as exc:
        raise Unauthorized("bad SMS timestamp", "短信时间戳无效") from exc
    if abs(now - ts) > window:
        raise Unauthorized("SMS request outside the replay window", "短信请求已过期")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip().lower()):
        raise Unauthorized("bad SMS signature", "短信签名错误")


def parse(body: bytes) -> Sms:
    try:
        data = json.loads(body)
        sms = Sms(str(data["message_id"]), str(data["from"]), str(data["text"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise Invalid("SMS body must be JSON with message_id, from, text", "短信报文格式错误") from exc
    if not sms.message_id or not sms.sender or len(sms.text) > 2000:
        raise Invalid("SMS message_id and from are required; text up to 2000 characters", "短信报文格式错误")
    return sms
