"""A throwaway PostgreSQL cluster from Debian's package, on a free loopback port, for the tests.

Under pytest-xdist one cluster serves the whole run (`shared_cluster`): the first worker that needs
it starts it, the others attach to it, the controller stops it (`stop_shared_cluster`). Each worker
names its databases after itself (tests.parallel.worker_name)."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # benches import this module too: pytest only when typing
    import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PgCluster:
    def __init__(self, attach: dict[str, str] | None = None) -> None:
        """A new cluster (not started yet), or `attach` to a running one from its `state()`."""
        bindir = pg_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.bindir = bindir
        self.run_as: list[str] = []
        if attach is not None:
            self.dir = Path(attach["dir"])
            self.data = self.dir / "data"
            self.port = int(attach["port"])
            if os.geteuid() == 0:
                self.run_as = ["runuser", "-u", "postgres", "--"]
            return
        self.dir = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            # initdb refuses to run as root: run the cluster as the package's postgres user.
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.run_as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.run_as, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "hotline",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        opts = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c max_connections=300 -c shared_buffers=256MB"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "-l",
            str(self.dir / "log"),
            "start",
        )

    def state(self) -> dict[str, str]:
        return {"dir": str(self.dir), "port": str(self.port)}

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://hotline@127.0.0.1:{self.port}/{dbname}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres").replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


_STATE = "pg-cluster.json"


def shared_cluster(config: pytest.Config) -> PgCluster:
    """This run's cluster: started by the first process that asks, attached to by the others."""
    from tests.parallel import run_lock

    with run_lock(config, "pg-cluster") as root:
        state = root / _STATE
        if state.exists():
            return PgCluster(attach=json.loads(state.read_text()))
        cluster = PgCluster()
        try:
            cluster.start()
        except BaseException:
            cluster.stop()
            raise
        state.write_text(json.dumps(cluster.state()))
        return cluster


def stop_shared_cluster(root: Path) -> None:
    """Called by the controller once every worker is done."""
    state = root / _STATE
    if state.exists():
        PgCluster(attach=json.loads(state.read_text())).stop()


@contextlib.contextmanager
def pg_cluster() -> Iterator[PgCluster]:
    cluster = PgCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
