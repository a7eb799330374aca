"""The official account's incoming messages as an opinion source (公众号留言): each message a citizen
sends (`newmedia.wechat_answered`, whatever the auto-reply did with it) becomes an item of one
built-in source of kind `wechat`, stored raw first like anything fetched, then grouped, matched
and scored by the opinion job with the rest, so a complaint rising on the account shows with the
same complaint on the web. Phone and ID numbers are masked before anything is stored; who sent it
(the openid) is not kept here. Idempotent per message (the item's guid is the turn's id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.opinion.models import OpinionItem, OpinionRaw, OpinionSource
from hotline.store.db import Database

KIND = "wechat"
NAME = "公众号留言"
URL = "wechat://messages"


def source(session: Session) -> OpinionSource:
    """The built-in source, made on first use (never fetched: messages are pushed to us). Two
    nodes taking their first message at the same moment make it once: the second one's insert
    meets the unique `builtin` and it uses the first one's."""
    query = select(OpinionSource).where(OpinionSource.builtin == KIND)
    found = session.scalar(query)
    if found is None:
        try:
            with session.begin_nested():
                session.add(OpinionSource(name=NAME, kind=KIND, url=URL, status="ok", builtin=KIND))
        except IntegrityError:
            pass
        found = session.scalars(query).one()
    return found


def take(db: Database, turn_id: int, text: str, at: datetime) -> int | None:
    """Store one message (raw, then its item awaiting processing); None if it was already taken
    or says nothing."""
    text = text.strip()
    if not text:
        return None
    try:
        with db.session() as s:
            src = source(s)
            raw = OpinionRaw(
                source_id=src.id, url=f"wechat://turn/{turn_id}", role="message", http_status=200,
                content_type="text/plain; charset=utf-8", body=text.encode("utf-8"), state="parsed",
                fetched_at=at,
            )  # fmt: skip
            s.add(raw)
            s.flush()
            item = OpinionItem(
                source_id=src.id, raw_id=raw.id, guid=f"turn-{turn_id}", url="", title=text[:60],
                text=text, published_at=at, fetched_at=at, encoding="utf-8",
            )  # fmt: skip
            s.add(item)
            s.flush()
            src.items_total = OpinionSource.items_total + 1  # in SQL: two nodes may count at once
            src.status, src.last_fetch_at, src.last_ok_at = "ok", at, at
            return item.id
    except IntegrityError:  # the same message announced twice (a second node): taken once
        return None
