"""Replay protection for signed channel requests whose signature does not cover the body.

WeChat's plain-mode signature covers token, timestamp and nonce only, so within the timestamp
window a captured URL would sign any body. Each (timestamp, nonce) pair is recorded with the
digest of the body it came with: the same pair with the same body again is the platform retrying
(harmless, the inbox de-duplicates by MsgId); with another body it is a replay, refused. Rows live
in `channel_nonces` (so several web processes agree) and are pruned after twice the window.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from hotline.channels.models import SeenNonce
from hotline.errors import Unauthorized
from hotline.store.db import Database


def check(db: Database, channel: str, nonce_key: str, body: bytes, now: datetime, window_s: int) -> None:
    """Record the pair; raise Unauthorized if it already signed a different body."""
    digest = hashlib.sha256(body).hexdigest()
    key = nonce_key[:128]
    try:
        with db.session() as s:
            s.execute(delete(SeenNonce).where(SeenNonce.seen_at < now - timedelta(seconds=2 * window_s)))
            s.add(SeenNonce(channel=channel, nonce_key=key, digest=digest, seen_at=now))
    except IntegrityError:
        with db.session() as s:
            seen = s.scalar(
                select(SeenNonce.digest).where(SeenNonce.channel == channel, SeenNonce.nonce_key == key)
            )
        if seen is not None and seen != digest:
            raise Unauthorized("signed request replayed with another body", "请求重放，已拒绝") from None
