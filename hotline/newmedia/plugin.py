"""The new-media plug-in: answers WeChat text messages from the knowledge base (it provides the
channels' `WECHAT_ANSWERER`), posts and the content calendar over HTTP, the public website pages
and feed, and the publishing job."""

from __future__ import annotations

from hotline.channels.autoreply import WECHAT_ANSWERER
from hotline.newmedia.autoreply import KnowledgeAnswerer
from hotline.newmedia.jobs import JOBS
from hotline.newmedia.settings import get_newmedia_settings
from hotline.plugins import Context, Plugin


class NewMediaPlugin(Plugin):
    async def start(self, ctx: Context) -> None:
        cfg = get_newmedia_settings()
        if cfg.autoreply_enabled:
            ctx.provide(WECHAT_ANSWERER, KnowledgeAnswerer(ctx.db, ctx.settings.data_dir, cfg))

    async def stop(self, ctx: Context) -> None:
        if ctx.find(WECHAT_ANSWERER) is not None:
            ctx.withdraw(WECHAT_ANSWERER)


PLUGIN = NewMediaPlugin(
    "newmedia",
    routers=("hotline.web.routers.newmedia",),
    jobs=tuple(JOBS),
    after=("channels", "knowledge"),
)
