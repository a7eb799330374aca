"""Periodic jobs of the analytics domain: the rollups' catch-up (the safety net behind the bus
subscriptions; idempotent through the high-water marks)."""

from __future__ import annotations

from hotline.analytics import rollup
from hotline.jobs.runner import Job

JOBS = [Job("analytics.catch_up", 60, rollup.job)]
