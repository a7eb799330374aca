"""Request dependencies: the database session and the settings, taken from the app state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Path, Request
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.schemas import MAX_ID
from hotline.store.db import Database

# A row id in a URL path: 1 ... 2^31-1 (validated, so out-of-range ids are 422, not 500).
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the endpoint returns, rolled back on error."""
    with get_db(request).session() as session:
        yield session


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings
