"""Tables of quality inspection (质检): the automatic audio checks of each recording.

One `quality_audio_checks` row per recording (unique), written by the checks job: `status` ok,
`corrupt` (the file is not a readable WAV; `error` says why) or `missing` (no file), the figures
(`metrics`: talk ratio, talk-over, silences, time to greeting, hold, loudness), the speech segments
per channel for the waveform strip, and the `flags` sampling rules can ask for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class AudioCheck(Base):
    __tablename__ = "quality_audio_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(Integer, unique=True)
    call_uuid: Mapped[str] = mapped_column(String(64), index=True)
    agent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16))  # ok | corrupt | missing
    error: Mapped[str | None] = mapped_column(String(500))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    segments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {caller: [[s, e]], agent, peaks}
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
