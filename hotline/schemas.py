"""Shared pydantic bases: strict input (unknown fields are an error) and list pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

# Row ids are 32-bit integers on PostgreSQL: larger numbers are input errors, not lookups.
MAX_ID = 2_147_483_647
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
# Calendar days a filter may name: no period before the epoch or past 2199 has a day before or
# after it that date arithmetic can reach (year 1 and 9999 were 500s).
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2199, 12, 31)
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]


class StrictIn(BaseModel):
    """Input bodies: unknown fields and wrong types are rejected, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
