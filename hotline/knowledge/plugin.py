"""The knowledge plug-in: articles, search and administration over HTTP, and the sweep job."""

from __future__ import annotations

from hotline.knowledge.jobs import JOBS
from hotline.plugins import Plugin

PLUGIN = Plugin(
    "knowledge",
    routers=("hotline.web.routers.knowledge", "hotline.web.routers.knowledge_admin"),
    jobs=tuple(JOBS),
)
