"""Shared fixtures: databases on both backends, the app, signed-in clients per role.

- `db`: a fresh, migrated, seeded `Database`, once on SQLite and once on PostgreSQL (a throwaway
  cluster started once per run and shared by the pytest-xdist workers, see tests/parallel.py).
  Tests that take `db` run on both.
- `sqlite_db`: the same on SQLite only.
- `app`, `client`: the FastAPI app on `db`, and a TestClient (https base URL, so Secure cookies work).
- `tokens`: role name -> bearer token of a seeded user of that role; `auth(role)` -> headers.
Seed: departments D1 (id 1) and D2 (id 2); one user per role named after the role (password
"password-<role>"); the department_handler belongs to D1.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings

from hotline.audit.service import Actor
from hotline.config import Settings, SipSettings
from hotline.people.models import ApiToken
from hotline.people.permissions import Role
from hotline.people.schemas import DepartmentIn, UserIn
from hotline.people.service import create_department, create_user
from hotline.store.db import Database, reset_database
from hotline.store.migrate import upgrade
from hotline.web.app import create_app
from hotline.web.auth import token_hash
from tests.parallel import RUN_DIR, pass_run_dir, run_lock, worker_name
from tests.pg import PgCluster, pg_bin, shared_cluster, stop_shared_cluster
from tests.redisbus.server import RedisServer

ROLES = [r.value for r in Role]

# No per-example deadline: a property test must not fail because the box is busy (timings are
# measured in bench/, never asserted in tests).
hypothesis_settings.register_profile("hotline", deadline=None)
hypothesis_settings.load_profile("hotline")


def seed(db: Database) -> None:
    actor = Actor(None, "test-seed")
    with db.session() as s:
        d1 = create_department(s, actor, DepartmentIn(code="D1", name="养老服务处"))
        create_department(s, actor, DepartmentIn(code="D2", name="社会救助处"))
        for role in Role:
            user = create_user(
                s,
                actor,
                UserIn(
                    username=role.value,
                    display_name=role.value,
                    password=f"password-{role.value}",
                    role=role,
                    department_id=d1.id if role is Role.department_handler else None,
                ),
            )
            s.add(ApiToken(name="test", token_hash=token_hash(f"token-{role.value}"), user_id=user.id))


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        config.stash[RUN_DIR] = Path(tempfile.mkdtemp(prefix="hotline-run-"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: hand each worker the run's shared directory."""
    pass_run_dir(node.config, node.workerinput)


def pytest_unconfigure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and RUN_DIR in config.stash:
        stop_shared_cluster(config.stash[RUN_DIR])
        shutil.rmtree(config.stash[RUN_DIR], ignore_errors=True)


@pytest.fixture(scope="session")
def tmp_root() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="hotline-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_root: Path) -> Path:
    path = tmp_root / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    seed(db)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg(request: pytest.FixtureRequest) -> PgCluster:
    if pg_bin() is None:
        pytest.skip("PostgreSQL server not installed: run `make test` (it installs postgresql)")
    return shared_cluster(request.config)


@pytest.fixture(scope="session")
def pg_template(pg: PgCluster, request: pytest.FixtureRequest) -> str:
    """The migrated, seeded database each test's PostgreSQL database is copied from (made once per run)."""
    name = "hotline_template"
    with run_lock(request.config, "pg-template") as root:
        done = root / "pg-template.done"
        if not done.exists():
            pg.execute(f"CREATE DATABASE {name}")
            upgrade(pg.url(name))
            db = Database(pg.url(name))
            seed(db)
            db.dispose()
            done.touch()
    return name


_counter = itertools.count()


def _sqlite_db(template: Path, tmp_root: Path) -> Database:
    path = tmp_root / f"t{os.getpid()}-{next(_counter)}.db"
    shutil.copy(template, path)
    return Database(f"sqlite:///{path}")


def _drop(database: Database, cluster: PgCluster | None) -> None:
    """Remove a test's database once it is done: a run copies the template hundreds of times
    (8 MB and 600 files each), and removing gigabytes at the end of the run took minutes."""
    database.dispose()
    if cluster is not None:
        cluster.execute(f"DROP DATABASE IF EXISTS {database.engine.url.database} WITH (FORCE)")
        return
    sqlite_path = Path(str(database.engine.url.database))
    for suffix in ("", "-wal", "-shm", "-journal"):
        sqlite_path.with_name(sqlite_path.name + suffix).unlink(missing_ok=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_root: Path) -> Iterator[Database]:
    cluster: PgCluster | None = None
    if request.param == "sqlite":
        database = _sqlite_db(request.getfixturevalue("sqlite_template"), tmp_root)
    else:
        cluster = request.getfixturevalue("pg")
        template = request.getfixturevalue("pg_template")
        name = worker_name(f"t{next(_counter)}")
        cluster.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        database = Database(cluster.url(name))
    reset_database(database)
    yield database
    reset_database(None)
    _drop(database, cluster)


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_root: Path) -> Iterator[Database]:
    database = _sqlite_db(sqlite_template, tmp_root)
    reset_database(database)
    yield database
    reset_database(None)
    _drop(database, None)


def make_settings(db: Database, tmp_root: Path, **extra: object) -> Settings:
    # Jobs, the SIP engine and the mailbox stay off unless a test asks: they would race the test's
    # own writes and fight over ports 5060 and 2525.
    extra.setdefault("sip", SipSettings(enabled=False))
    extra.setdefault("jobs_enabled", False)
    extra.setdefault("mailbox_enabled", False)
    # Rigs run with empty prompt folders (silence where a prompt would play); a test turns it on.
    extra.setdefault("ivr_speak_on_publish", False)
    return Settings(database_url=db.url, data_dir=tmp_root / "data", log_json=False, **extra)  # type: ignore[arg-type]


@pytest.fixture
def app(db: Database, tmp_root: Path) -> FastAPI:
    return create_app(make_settings(db, tmp_root), db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def tokens() -> dict[str, str]:
    return {role: f"token-{role}" for role in ROLES}


@pytest.fixture
def auth(tokens: dict[str, str]) -> Callable[[str], dict[str, str]]:
    def headers(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    return headers


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port, killed after the test (tests/redisbus/server.py)."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.kill()
