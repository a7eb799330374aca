"""What a request takes from the app state: the database, one session on it, the settings.

Kept apart from `deps.py` so that `auth.py` can take a session while `deps.py` builds its
principal aliases on `auth.py`.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.store.db import Database


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
