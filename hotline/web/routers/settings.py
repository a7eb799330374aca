"""Settings the console shows read-only: they come from hotline.toml / environment variables (no
settings store), so changing them means editing the configuration and restarting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from hotline.config import get_settings
from hotline.schemas import Out
from hotline.web.auth import Principal, require

router = APIRouter(prefix="/api/settings", tags=["settings"])
RecordingsAdmin = Annotated[Principal, Depends(require("recordings.admin"))]


class RetentionOut(Out):
    recording_retention_days: int  # 0 keeps every recording
    source: str  # where the value is set: "settings" (hotline.toml / HOTLINE_RECORDING_RETENTION_DAYS)


@router.get("/retention", response_model=RetentionOut)
def retention(_: RecordingsAdmin) -> RetentionOut:
    return RetentionOut(recording_retention_days=get_settings().recording_retention_days, source="settings")
