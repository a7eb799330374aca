"""The IVR plug-in: flows, versions and the simulator over HTTP (the call center walks the flows)."""

from __future__ import annotations

from hotline.plugins import Plugin

PLUGIN = Plugin("ivr", routers=("hotline.web.routers.ivr",))
