"""The workforce plug-in: staffing, leave, rosters, duty roster, handover and adherence over HTTP."""

from __future__ import annotations

from hotline.plugins import Plugin

PLUGIN = Plugin("workforce", routers=("hotline.web.routers.workforce", "hotline.web.routers.workforce_leave"))
