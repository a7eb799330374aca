"""Periodic jobs of the analytics domain: the rollups' catch-up (the safety net behind the bus
subscriptions; idempotent through the high-water marks) and hotspot detection every 15 minutes
(re-detecting a day updates its hotspots, never duplicates them)."""

from __future__ import annotations

from hotline.analytics import hotspot_admin, rollup
from hotline.jobs.runner import Job

JOBS = [
    Job("analytics.catch_up", 60, rollup.job),
    Job("analytics.hotspots", 900, hotspot_admin.job),
]
