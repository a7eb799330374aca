"""Database engine and transactional sessions for SQLite (WAL) and PostgreSQL.

`Database.session()` is the one way to write: a context manager that commits on success and rolls
back on any exception, so a request or job either lands whole or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers run beside the writer; synchronous=NORMAL in WAL mode keeps every commit
    # across a process crash (SIGKILL), only an OS crash may lose the last transactions.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=10
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)


class Database:
    """An engine plus a session factory."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


_db: Database | None = None


def get_database() -> Database:
    """The process-wide database from settings (created on first use)."""
    global _db
    if _db is None:
        from hotline.config import get_settings

        _db = Database(get_settings().database_url)
    return _db


def reset_database(db: Database | None) -> None:
    """Replace the process-wide database (tests, CLI with another URL)."""
    global _db
    if _db is not None and _db is not db:
        _db.dispose()
    _db = db


def after_commit(session: Session, fn: Callable[[], object]) -> None:
    """Run ``fn`` once this session's transaction has committed (never if it rolls back).

    For side effects others observe - reloading a running engine, publishing a change - which must
    not see, or announce, data that may still be rolled back.
    """

    def run(_session: Session) -> None:
        try:
            fn()
        except Exception:
            logging.getLogger(__name__).exception("after-commit hook failed")

    event.listen(session, "after_commit", run, once=True)


def after_rollback(session: Session, fn: Callable[[], object]) -> None:
    """Run ``fn`` if this session's transaction rolls back: undo a side effect prepared for a commit
    that did not happen (e.g. remove a converted file that will never be installed)."""

    def run(_session: Session, _previous: object) -> None:
        try:
            fn()
        except Exception:
            logging.getLogger(__name__).exception("after-rollback hook failed")

    event.listen(session, "after_soft_rollback", run, once=True)
