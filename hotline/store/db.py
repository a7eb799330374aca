"""Database engine and transactional sessions for SQLite (WAL) and PostgreSQL.

`Database.session()` is the one way to write: a context manager that commits on success and rolls
back on any exception, so a request or job either lands whole or not at all. Each `Database` owns
its connection pool and a worker-thread executor of the same size (`run`); `sibling()` makes a
second, small one on the same database so the telephony engine never waits behind web traffic for a
connection or a thread.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

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


T = TypeVar("T")
WEB_POOL = 10
WEB_OVERFLOW = 10


def make_engine(
    url: str,
    echo: bool = False,
    *,
    pool_size: int = WEB_POOL,
    max_overflow: int = WEB_OVERFLOW,
    pool_timeout: float = 30.0,
) -> Engine:
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}, **pool
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, echo=echo, pool_pre_ping=True, **pool)


class Database:
    """An engine (with its own connection pool), a session factory and a matching executor."""

    def __init__(
        self,
        url: str,
        echo: bool = False,
        *,
        pool_size: int = WEB_POOL,
        max_overflow: int = WEB_OVERFLOW,
        pool_timeout: float = 30.0,
        name: str = "db",
        info: dict[str, Any] | None = None,
    ) -> None:
        self.url = url
        self.name = name
        self.echo = echo
        self.capacity = pool_size + max_overflow
        self.engine = make_engine(
            url, echo, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout
        )
        # Copied into every session's `info`: the plug-in host puts its bus here ("bus"), so
        # `bus.publish_on_commit` announces a write on the bus of the process that made it.
        self.info: dict[str, Any] = info if info is not None else {}
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False, info=self.info)
        self._executor: ThreadPoolExecutor | None = None

    def sibling(self, name: str, pool_size: int = 4) -> Database:
        """A second `Database` on the same URL with its own small pool and executor: work that must
        not queue behind the web's requests (SIP credentials, call records, IVR reads) runs there."""
        return Database(self.url, self.echo, pool_size=pool_size, max_overflow=0, name=name, info=self.info)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking database work in this database's own worker threads (as many as its pool
        holds connections, so a thread never waits for a connection another of them holds)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.capacity, thread_name_prefix=f"{self.name}-db")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

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
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None
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


_PENDING = "hotline.after_commit"


def after_commit(session: Session, fn: Callable[[], object]) -> None:
    """Run ``fn`` once this session's outermost transaction has committed (never if it rolls back).

    For side effects others observe - reloading a running engine, publishing a change - which must
    not see, or announce, data that may still be rolled back. Hooks run in the order they were
    added; one added inside a savepoint (`begin_nested`) is dropped if that savepoint rolls back,
    and a savepoint's release is not the commit (SQLAlchemy's own `after_commit` fires for both).
    """
    pending: list[tuple[Any, Callable[[], object]]] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _run_pending)
        event.listen(session, "after_soft_rollback", _drop_rolled_back)
        event.listen(session, "after_transaction_end", _forget_pending)
    # The transaction the hook belongs to: the innermost savepoint, else the outermost (None when
    # nothing has begun yet: it belongs to whatever transaction begins next).
    pending.append((session.get_nested_transaction() or session.get_transaction(), fn))


def _run_pending(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: its hooks now wait for the outer commit
    pending = session.info.get(_PENDING) or []
    hooks = [fn for _, fn in pending]
    pending.clear()
    for fn in hooks:
        try:
            fn()
        except Exception:
            logging.getLogger(__name__).exception("after-commit hook failed")


def _drop_rolled_back(session: Session, previous: Any) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    outermost = previous.parent is None

    def inside(txn: Any) -> bool:
        while txn is not None:
            if txn is previous:
                return True
            txn = txn.parent
        return outermost

    pending[:] = [(txn, fn) for txn, fn in pending if not inside(txn)]


def _forget_pending(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit (closed)
        pending = session.info.get(_PENDING)
        if pending:
            pending.clear()


def after_rollback(session: Session, fn: Callable[[], object]) -> None:
    """Run ``fn`` if this session's transaction rolls back: undo a side effect prepared for a commit
    that did not happen (e.g. remove a converted file that will never be installed)."""

    def run(_session: Session, _previous: object) -> None:
        try:
            fn()
        except Exception:
            logging.getLogger(__name__).exception("after-rollback hook failed")

    event.listen(session, "after_soft_rollback", run, once=True)
