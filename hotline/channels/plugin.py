"""The channels plug-in: intake over HTTP (web form, SMS, WeChat, inbox), its retry and answer
jobs, the mailbox SMTP receiver (when `mailbox_enabled`), and staff notifications by mail/SMS sent
right after the work-order event that made them (the job catches up on anything missed).

A busy mailbox port turns mail intake off with an error; the rest of the center still starts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiosmtpd.controller import Controller

from hotline.bus import Handler, Pattern
from hotline.channels.jobs import JOBS
from hotline.channels.mailbox import start as start_mailbox
from hotline.channels.notify_out import Nudge
from hotline.channels.settings import get_channel_settings
from hotline.events import BusEvent
from hotline.plugins import Context, Plugin, Service
from hotline.workorders import topics

log = logging.getLogger(__name__)
MAILBOX: Service[Controller] = Service("channels.mailbox")


# The events after which a work-order notification exists (the lifecycle's and the sweep's).
NOTIFYING: tuple[type[BusEvent], ...] = (
    topics.WorkOrderDispatched,
    topics.WorkOrderReopened,
    topics.WorkOrderReturned,
    topics.WorkOrderSupervised,
    topics.WorkOrderDeadlineWarned,
    topics.WorkOrderDeadlineSupervised,
    topics.WorkOrderDeadlineEscalated,
)


class ChannelsPlugin(Plugin):
    def subscriptions(self, ctx: Context) -> Iterable[tuple[Pattern, Handler]]:
        """Staff notifications by mail/SMS go out right after the event that made them (where
        background work runs at all: `jobs_enabled`)."""
        if not ctx.settings.jobs_enabled:
            return []
        nudge = Nudge(ctx.db)
        return [(event, nudge) for event in NOTIFYING]

    async def start(self, ctx: Context) -> None:
        if not ctx.settings.mailbox_enabled:
            return
        channel_settings = get_channel_settings()
        try:
            ctx.provide(MAILBOX, start_mailbox(ctx.db, channel_settings, ctx.settings.data_dir))
        except (OSError, RuntimeError):
            log.exception(
                "mailbox receiver cannot listen on %s:%s; mail intake is off",
                channel_settings.mailbox_host,
                channel_settings.mailbox_port,
            )

    async def stop(self, ctx: Context) -> None:
        mailbox = ctx.find(MAILBOX)
        if mailbox is not None:
            ctx.withdraw(MAILBOX)
            mailbox.stop()


PLUGIN = ChannelsPlugin(
    "channels",
    routers=("hotline.web.routers.channel_files", "hotline.web.routers.channels"),
    jobs=tuple(JOBS),
)
