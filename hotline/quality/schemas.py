"""Quality inspection's API shapes (inputs strict, outputs plain)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline.schemas import Out


class AudioCheckOut(Out):
    recording_id: int
    call_id: str
    agent_id: int | None
    status: str
    error: str | None
    metrics: dict[str, Any]
    segments: dict[str, Any]
    flags: list[str]
    computed_at: datetime
