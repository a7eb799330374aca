"""Quality inspection over HTTP: the automatic audio checks of recordings. Thin: the work is in
`hotline.quality`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from hotline.calls import feed
from hotline.errors import NotFound
from hotline.quality import checks
from hotline.quality.schemas import AudioCheckOut
from hotline.web.auth import Principal, require
from hotline.web.deps import SessionDep

router = APIRouter(prefix="/api/quality", tags=["quality"])
QualityRead = Annotated[Principal, Depends(require("quality.read"))]
QualityWrite = Annotated[Principal, Depends(require("quality.write"))]


@router.get("/checks/{recording_id}", response_model=AudioCheckOut)
def get_check(recording_id: int, _: QualityRead, session: SessionDep) -> AudioCheckOut:
    return AudioCheckOut(**checks.out(checks.get_for_recording(session, recording_id)))


@router.post("/checks/{recording_id}", response_model=AudioCheckOut)
def run_check(recording_id: int, _: QualityWrite, session: SessionDep) -> AudioCheckOut:
    """Check one recording now (idempotent: an existing result is returned as it is)."""
    rec = feed.recording(session, recording_id)
    if rec is None:
        raise NotFound(f"no recording {recording_id}", f"录音 {recording_id} 不存在")
    return AudioCheckOut(**checks.out(checks.check_recording(session, rec)))
