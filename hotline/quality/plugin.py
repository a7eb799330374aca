"""The quality plug-in: its HTTP API, its jobs, the automatic checks of each call's recording as
soon as the call's record (and recording index) is written ("cdr.written"), and a sampling flag
on calls a caller rated 不满意 ("satisfaction.dissatisfied_flagged") and on calls a complaint work
order was opened from ("workorder.created" of type complaint), both subscribed by topic name so
quality works with or without those domains."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from hotline.bus import Event, Handler, Pattern
from hotline.calls.topics import CdrWritten
from hotline.plugins import Context, Plugin
from hotline.quality.checks import check_call
from hotline.quality.jobs import JOBS
from hotline.quality.sampling import flag_in_db

log = logging.getLogger(__name__)


class QualityPlugin(Plugin):
    def subscriptions(self, ctx: Context) -> Iterable[tuple[Pattern, Handler]]:
        db = ctx.db

        async def on_cdr(event: Event) -> None:
            call_id = str(event.data.get("call_id"))
            try:
                await db.run(check_call, db, call_id)
            except Exception:  # the catch-up job retries; a subscriber must not die
                log.exception("automatic checks of call %s failed", call_id)

        async def on_unsatisfied(event: Event) -> None:
            call_id = event.data.get("call_id")
            if call_id:
                await db.run(flag_in_db, db, str(call_id), "unsatisfied", event.topic)

        async def on_order(event: Event) -> None:
            # A complaint opened from a call is about how that call went: sample the call (and
            # so its agent) whatever the complaint's subject turns out to be.
            if event.data.get("type") != "complaint":
                return
            for call_id in event.data.get("call_ids") or []:
                await db.run(flag_in_db, db, str(call_id), "complaint", event.topic)

        return [
            (CdrWritten, on_cdr),
            ("satisfaction.dissatisfied_flagged", on_unsatisfied),
            ("workorder.created", on_order),
        ]


PLUGIN = QualityPlugin(
    "quality",
    routers=("hotline.web.routers.quality", "hotline.web.routers.quality_scores"),
    jobs=tuple(JOBS),
    after=("calls",),
)
