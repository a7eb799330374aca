"""Storage: the SQLAlchemy engine and sessions, the declarative base, and Alembic migrations.

SQLite in WAL mode is the embedded default; PostgreSQL is used when `HOTLINE_DATABASE_URL`
points at it. Domain packages declare their models on `Base` and write through sessions from
`Database.session()`, which commits or rolls back as one transaction.
"""

from hotline.store.base import Base, UTCDateTime, utcnow
from hotline.store.db import Database, get_database, reset_database

__all__ = ["Base", "Database", "UTCDateTime", "get_database", "reset_database", "utcnow"]
