"""Alembic environment: migrates the database named in the config (set by hotline.store.migrate)."""

from __future__ import annotations

from alembic import context

from hotline.store.base import Base
from hotline.store.db import make_engine
from hotline.store.registry import load_all_models

load_all_models()
target_metadata = Base.metadata
url = context.config.get_main_option("sqlalchemy.url") or ""

engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
