"""Background jobs of the intake channels (run by hotline.jobs under a lease)."""

from __future__ import annotations

from hotline.channels.sms_out import send_queued
from hotline.jobs import Job

# Every 20 s, so a receipt leaves well inside GB/T 33358's 3 minutes.
JOBS = [Job("channels.send_sms_acks", 20, lambda db, now: send_queued(db, now))]
