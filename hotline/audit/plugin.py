"""The audit plug-in: the console's audit log (list, time range, CSV/XLSX export)."""

from __future__ import annotations

from hotline.plugins import Plugin

PLUGIN = Plugin("audit", routers=("hotline.web.routers.audit",))
