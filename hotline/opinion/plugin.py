"""The opinion plug-in: sources, items, rules, alerts and incidents over HTTP, and the fetch job."""

from __future__ import annotations

from hotline.opinion.jobs import JOBS
from hotline.plugins import Plugin

PLUGIN = Plugin(
    "opinion",
    routers=("hotline.web.routers.opinion", "hotline.web.routers.opinion_incidents"),
    jobs=tuple(JOBS),
)
