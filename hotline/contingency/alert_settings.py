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
    # WeChat template messages (模板消息) to staff following the official account: their OpenIDs
    # and the template (keys first / keyword1 告警内容 / keyword2 时间 / remark).
    duty_openids: list[str] = []
    leader_openids: list[str] = []
    wechat_template_id: str = ""
    escalate_after_seconds: float = 600.0  # unacknowledged this long: the duty leader too
    disk_free_percent: float = 5.0  # below this, "disk nearly full"
    # The call center's live state, sampled every `watch_seconds`: a queue with more callers
    # waiting than `queue_waiting_max`; a queue whose longest wait stays above `wait_target_seconds`
    # for `long_wait_minutes` (the 15-s answer target).
    watch_seconds: float = 5.0
    queue_waiting_max: int = 10
    wait_target_seconds: float = 15.0
    long_wait_minutes: float = 3.0


class BackupSettings(BaseSettings):
    """The scheduled backup (`HOTLINE_BACKUP_*`): off until `dir` is set."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_BACKUP_", extra="ignore")

    dir: Path | None = None
    every_hours: float = 24.0
    keep: int = 7
