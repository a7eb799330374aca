"""Sending SMS acknowledgements through the SMS gateway (GB/T 33358: answer within 3 minutes).

The gateway takes a JSON POST `{"to", "text", "ref"}` signed the same way it signs what it sends
us: `X-Hotline-Timestamp` and `X-Hotline-Signature` (HMAC-SHA256 of "<timestamp>.<body>" with
the shared secret). Receipts wait in `channel_acks` as `queued`; a job sends them and marks each
`sent` or `failed`; failed ones are tried again on the next run, for a day.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from hotline.channels.inbox import mark_ack_sent
from hotline.channels.models import Acknowledgement
from hotline.channels.settings import ChannelSettings, get_channel_settings
from hotline.channels.sms import sign
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)
RETRY_FOR = timedelta(days=1)


def post(settings: ChannelSettings, client: httpx.Client, ref: str, to: str, text: str) -> str | None:
    """One signed POST to the gateway; None when sent, else why not (logged)."""
    body = json.dumps({"to": to, "text": text, "ref": ref}, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    try:
        resp = client.post(
            settings.sms_gateway_url,
            content=body,
            headers={
                "content-type": "application/json",
                "X-Hotline-Timestamp": timestamp,
                "X-Hotline-Signature": sign(settings.sms_secret, timestamp, body),
            },
        )
    except httpx.HTTPError as exc:
        log.warning("SMS gateway unreachable for %s: %s", ref, exc)
        return f"SMS gateway unreachable: {exc}"
    if resp.status_code >= 300:
        log.warning("SMS gateway refused %s: HTTP %s", ref, resp.status_code)
        return f"SMS gateway refused: HTTP {resp.status_code}"
    return None


def send_one(settings: ChannelSettings, client: httpx.Client, ack_id: int, to: str, text: str) -> bool:
    return post(settings, client, f"ack-{ack_id}", to, text) is None


def send_queued(db: Database, now: datetime | None = None, settings: ChannelSettings | None = None) -> int:
    """Send waiting SMS receipts; returns how many went out. Without a gateway URL, none do."""
    settings = settings or get_channel_settings()
    if not settings.sms_gateway_url:
        return 0
    now = now or utcnow()
    with db.session() as s:
        pending = [
            (a.id, a.recipient, a.text)
            for a in s.scalars(
                select(Acknowledgement)
                .where(
                    Acknowledgement.channel == "sms",
                    Acknowledgement.status.in_(("queued", "failed")),
                    Acknowledgement.created_at > now - RETRY_FOR,
                )
                .order_by(Acknowledgement.id)
                .limit(200)
            )
        ]
    sent = 0
    with httpx.Client(timeout=10) as client:
        for ack_id, to, text in pending:
            ok = send_one(settings, client, ack_id, to, text)
            mark_ack_sent(db, ack_id, ok)
            sent += ok
    return sent
