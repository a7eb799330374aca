"""Background jobs of the emergency side: alert delivery, the health checks that raise alerts, and
the scheduled backup with retention (`hotline.store.backup`; a failure is an alert)."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from hotline.config import get_settings
from hotline.contingency import alerts
from hotline.contingency.alert_settings import AlertSettings, BackupSettings
from hotline.jobs import Job
from hotline.jobs.models import JobLease
from hotline.store import backup
from hotline.store.db import Database

STUCK_AFTER = timedelta(minutes=10)  # a job started and neither finished nor renewed its lease


def deliver_job(db: Database, now: datetime) -> int:
    return alerts.deliver(db, now)


def check_job(db: Database, now: datetime, data_dir: Path | None = None) -> int:
    """Disk nearly full (the data folder's file system: the settings' unless given); a job stuck
    mid-run (the runner stalled). Raises or resolves each."""
    settings, raised = AlertSettings(), 0
    data_dir = data_dir if data_dir is not None else get_settings().data_dir
    with db.session() as s:
        if data_dir.exists() and alerts.disk_nearly_full(data_dir, settings.disk_free_percent):
            text = f"磁盘将满：{data_dir} 剩余不足 {settings.disk_free_percent:g}%，录音可能失败。"
            raised += alerts.raise_alert(s, "disk_full", "disk", text, now) is not None
        else:
            alerts.resolve(s, "disk", now)
        for lease in s.scalars(select(JobLease)):
            key = f"job_stalled:{lease.name}"
            started, finished = lease.last_started_at, lease.last_finished_at
            stuck = (
                started is not None
                and (finished is None or finished < started)
                and lease.expires_at is not None
                and lease.expires_at < now - STUCK_AFTER
            )
            if stuck:
                text = f"后台任务停滞：{lease.name} 自 {started:%H:%M} 起未完成。"
                raised += alerts.raise_alert(s, "job_stalled", key, text, now) is not None
            else:
                alerts.resolve(s, key, now)
    return raised


def backup_job(db: Database, now: datetime) -> int:
    """A backup when the newest one is older than `every_hours`, then retention; 0 when off."""
    settings = BackupSettings()
    if settings.dir is None:
        return 0
    found = sorted(settings.dir.glob(f"{backup.PREFIX}*")) if settings.dir.exists() else []
    newest = found[-1].stat().st_mtime if found else 0.0
    if now.timestamp() - newest < settings.every_hours * 3600:
        return 0
    try:
        backup.backup(get_settings().model_copy(update={"database_url": db.url}), settings.dir, now)
    except (OSError, subprocess.CalledProcessError, backup.BackupError) as exc:
        with db.session() as s:
            alerts.raise_alert(s, "backup_failed", "backup", f"备份失败：{exc}", now)
        return 0
    with db.session() as s:
        alerts.resolve(s, "backup", now)
    backup.prune(settings.dir, settings.keep)
    return 1


JOBS = [
    Job("contingency.deliver_alerts", 15.0, deliver_job),
    Job("contingency.check_health", 60.0, check_job),
    Job("contingency.backup", 3600.0, backup_job),
]
