"""API shapes for IVR flows, versions and the simulator."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from hotline.schemas import Out, StrictIn


class FlowIn(StrictIn):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    description: str | None = Field(None, max_length=2000)
    numbers: str = Field("*", max_length=255)
    definition: dict[str, Any]


class DraftIn(StrictIn):
    definition: dict[str, Any]
    comment: str | None = Field(None, max_length=255)
    version: int | None = None


# Dialled numbers a flow answers: "*" (any number) or digits, comma separated.
NUMBERS_PATTERN = r"^\s*(\*|\d{2,20})(\s*,\s*(\*|\d{2,20}))*\s*$"


class FlowPatch(StrictIn):
    """A flow's settings (its graph is edited through drafts): which numbers it answers."""

    version: int
    numbers: str | None = Field(None, max_length=255, pattern=NUMBERS_PATTERN)
    description: str | None = Field(None, max_length=2000)


class RollbackIn(StrictIn):
    number: int = Field(ge=1)


class DefinitionIn(StrictIn):
    definition: dict[str, Any]


class SimulateIn(StrictIn):
    digits: list[str] = Field(default_factory=list, max_length=100)
    caller: str = Field("", max_length=32)
    at: datetime | None = None
    draft: bool = False
    queue_load: dict[str, int] = Field(default_factory=dict)
    definition: dict[str, Any] | None = None  # simulate an unsaved edit


class VersionOut(Out):
    number: int
    status: str
    comment: str | None
    created_by: str | None
    created_at: datetime
    published_at: datetime | None


class VersionDetailOut(VersionOut):
    definition: dict[str, Any]


class FlowOut(Out):
    id: int
    name: str
    description: str | None
    numbers: str
    published_number: int | None
    version: int
    updated_at: datetime


class FlowDetailOut(FlowOut):
    versions: list[VersionOut]
    draft: dict[str, Any] | None
    published: dict[str, Any] | None


class CheckOut(Out):
    errors: list[str]
    warnings: list[str]
    # The same problems in Chinese, for the console (errors[i] <-> errors_zh[i]).
    errors_zh: list[str] = []
    warnings_zh: list[str] = []


class SimulationOut(Out):
    transcript: list[str]
    transcript_zh: list[str] = []
    outcome: dict[str, Any]
