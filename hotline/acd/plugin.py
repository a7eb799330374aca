"""The ACD plug-in: queues, skills and business hours over HTTP (routing runs in the call center)."""

from __future__ import annotations

from hotline.plugins import Plugin

PLUGIN = Plugin("acd", routers=("hotline.web.routers.acd",))
