"""The people plug-in: users, roles, departments and callers over HTTP (with the caller 360 page).

Agents' SIP credentials reach the engine through the telephony plug-in, which owns the engine.
"""

from __future__ import annotations

from hotline.plugins import Plugin

PLUGIN = Plugin("people", routers=("hotline.web.routers.caller_history", "hotline.web.routers.people"))
