"""The IVR plug-in: flows, versions and the simulator over HTTP (the call center walks the flows),
and the spoken prompts of a flow made as soon as it is published (`ivr.flow_published`), so a
prompt an administrator wrote in the console is heard on the next call instead of silence.

Only what has neither a recording nor a TTS file of the same words is spoken (espeak-ng through
`hotline.media.prompts`, one flow at a time, in the background); on every node (`remote`), since
each node plays from its own prompts folder. Off with `ivr_speak_on_publish = false`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from hotline.bus import Event
from hotline.ivr.prompts import flow_prompts, generate
from hotline.ivr.service import get_flow, published_definition
from hotline.ivr.topics import FlowPublished
from hotline.media.prompts import PromptError
from hotline.plugins import Context, Plugin, Subscribed
from hotline.store.db import Database

log = logging.getLogger(__name__)


def _prompts_of(db: Database, flow_id: int) -> dict[str, str]:
    with db.session() as session:
        return flow_prompts(published_definition(session, get_flow(session, flow_id)))


class IvrPlugin(Plugin):
    def subscriptions(self, ctx: Context) -> Iterable[Subscribed]:
        if not ctx.settings.ivr_speak_on_publish:
            return []
        db, folder = ctx.db, ctx.settings.prompts_dir
        one_at_a_time = asyncio.Lock()

        async def on_published(event: Event) -> None:
            flow_id = int(event.data["flow_id"])
            try:
                prompts = await db.run(_prompts_of, db, flow_id)
                async with one_at_a_time:
                    done = await generate(prompts, folder)
            except (PromptError, OSError) as exc:
                log.warning("the prompts of IVR flow %s were not spoken: %s", flow_id, exc)
                return
            except Exception:  # a subscriber must not die; the flow still runs, silent where unspoken
                log.exception("speaking the prompts of IVR flow %s failed", flow_id)
                return
            log.info("IVR flow %s: %d prompts ready", flow_id, len(done))

        return [(FlowPublished, on_published, True)]


PLUGIN = IvrPlugin("ivr", routers=("hotline.web.routers.ivr",))
