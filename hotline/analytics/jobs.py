"""Periodic jobs of the analytics domain: the rollups' catch-up (the safety net behind the bus
subscriptions; idempotent through the high-water marks), hotspot detection every 15 minutes
(re-detecting a day updates its hotspots, never duplicates them), and the scheduled reports' mail
(each period's report claimed once by its unique run row: `mailing.py`)."""

from __future__ import annotations

from hotline.analytics import hotspot_admin, mailing, rollup
from hotline.jobs.runner import Job

JOBS = [
    Job("analytics.catch_up", 60, rollup.job),
    Job("analytics.hotspots", 900, hotspot_admin.job),
    Job("analytics.report_mail", 60, mailing.job),
]
