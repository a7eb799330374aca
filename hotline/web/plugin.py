"""The console's own plug-in: sign-in, health, API docs and the read-only settings page.

These routes belong to no domain; the plug-in lives in `web/` because only `web/` may name web
modules directly (domains name their routers by dotted path).
"""

from __future__ import annotations

from hotline.plugins import Plugin

PLUGIN = Plugin(
    "web",
    routers=(
        "hotline.web.routers.auth",
        "hotline.web.routers.docs",
        "hotline.web.routers.health",
        "hotline.web.routers.settings",
    ),
)
