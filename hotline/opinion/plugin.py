"""The opinion plug-in: sources, items, rules, alerts and incidents over HTTP, the fetch job, and
the official account's incoming messages taken as items of the 公众号留言 source (`wechat.py`), on
"newmedia.wechat_answered" subscribed by topic name so opinion works with or without new media."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from hotline.bus import Event
from hotline.opinion import wechat
from hotline.opinion.jobs import JOBS
from hotline.plugins import Context, Plugin, Subscribed
from hotline.store.db import Database

log = logging.getLogger(__name__)


def _take(db: Database, turn_id: int) -> None:
    from hotline.newmedia.turns import message  # read through new media's own function

    with db.session() as s:
        found = message(s, turn_id)
    if found is not None:
        wechat.take(db, turn_id, *found)


class OpinionPlugin(Plugin):
    def subscriptions(self, ctx: Context) -> Iterable[Subscribed]:
        db = ctx.db

        async def on_message(event: Event) -> None:
            turn_id = int(event.data["turn_id"])
            try:
                await db.run(_take, db, turn_id)
            except Exception:  # a subscriber must not die; the message stays in new media's turns
                log.exception("WeChat message %s not taken as an opinion item", turn_id)

        return [("newmedia.wechat_answered", on_message)]


PLUGIN = OpinionPlugin(
    "opinion",
    routers=("hotline.web.routers.opinion", "hotline.web.routers.opinion_incidents"),
    jobs=tuple(JOBS),
)
