"""Shared pydantic bases: strict input (unknown fields are an error) and list pages."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

# Row ids are 32-bit integers on PostgreSQL: larger numbers are input errors, not lookups.
MAX_ID = 2_147_483_647
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]


class StrictIn(BaseModel):
    """Input bodies: unknown fields and wrong types are rejected, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
