"""The channels plug-in: intake over HTTP (web form, SMS, WeChat, inbox), its retry and answer
jobs, and the mailbox SMTP receiver (when `mailbox_enabled`).

A busy mailbox port turns mail intake off with an error; the rest of the center still starts.
"""

from __future__ import annotations

import logging

from aiosmtpd.controller import Controller

from hotline.channels.jobs import JOBS
from hotline.channels.mailbox import start as start_mailbox
from hotline.channels.settings import get_channel_settings
from hotline.plugins import Context, Plugin, Service

log = logging.getLogger(__name__)
MAILBOX: Service[Controller] = Service("channels.mailbox")


class ChannelsPlugin(Plugin):
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
