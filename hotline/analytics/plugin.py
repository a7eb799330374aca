"""The analytics plug-in: the reports' routes, the rollups' catch-up job, and the subscriptions
that keep the rollups current as queue-log lines and work-order changes are announced."""

from __future__ import annotations

from collections.abc import Iterable

from hotline.analytics.jobs import JOBS
from hotline.analytics.rollup import Nudge
from hotline.bus import Handler, Pattern
from hotline.calls.topics import QueueEventLogged
from hotline.plugins import Context, Plugin


class AnalyticsPlugin(Plugin):
    def subscriptions(self, ctx: Context) -> Iterable[tuple[Pattern, Handler]]:
        if not ctx.settings.jobs_enabled:
            return []
        nudge = Nudge(ctx.db)
        # Every work-order topic: each one is a timeline row the orders rollup reads.
        return [(QueueEventLogged, nudge), ("workorder.*", nudge)]


PLUGIN = AnalyticsPlugin(
    "analytics",
    routers=(
        "hotline.web.routers.analytics",
        "hotline.web.routers.analytics_mail",
        "hotline.web.routers.analytics_pivots",
        "hotline.web.routers.analytics_usage",
    ),
    jobs=tuple(JOBS),
    after=("workorders",),
)
