"""Who hears the alerts, from `HOTLINE_ALERTS_*` environment variables (apart from the shared
settings, as the channels' are): the people on duty first, the duty leader when nobody
acknowledges in time, and the thresholds of the checks; and the scheduled backup's folder,
interval and retention (`HOTLINE_BACKUP_*`)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class AlertSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_ALERTS_", extra="ignore")

    duty_mobiles: list[str] = []
    duty_mails: list[str] = []
    leader_mobiles: list[str] = []
    leader_mails: list[str] = []
    escalate_after_seconds: float = 600.0  # unacknowledged this long: the duty leader too
    disk_free_percent: float = 5.0  # below this, "disk nearly full"


class BackupSettings(BaseSettings):
    """The scheduled backup (`HOTLINE_BACKUP_*`): off until `dir` is set."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_BACKUP_", extra="ignore")

    dir: Path | None = None
    every_hours: float = 24.0
    keep: int = 7
