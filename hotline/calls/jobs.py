"""Background job of the call records: recording retention (`recording_retention_days`)."""

from __future__ import annotations

from datetime import datetime

from hotline.audit.service import Actor
from hotline.calls.recordings import apply_retention
from hotline.config import get_settings
from hotline.jobs import Job
from hotline.store.db import Database


def retention_job(db: Database, now: datetime) -> int:
    days = get_settings().recording_retention_days
    if days <= 0:
        return 0
    with db.session() as session:
        return apply_retention(session, Actor(None, "recording-retention"), days, now)


JOBS = [Job("calls.recording_retention", 3600.0, retention_job)]
