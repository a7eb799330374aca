"""What the processes of one test run share, and what each keeps to itself (pytest-xdist).

`make test` runs `pytest -n N --dist load`: a controller and N worker processes (gw0, gw1, ...),
each given tests in chunks as it frees up, so one module's tests may run on several workers: a
module- or session-scoped engine, server or browser is started by every worker that runs one of
its tests (each end-to-end browser test's worker has its own `hotline serve` with demo data,
tests/e2e/conftest.py). What a test binds or names must not collide between workers, nor with
other test runs on the same box:
- SIP, HTTP and SMTP ports: the kernel's free ports (`tests.pg.free_port`), picked when needed.
- RTP port ranges: `rtp_block(size)`. Each worker owns a slice of 10000 up to the kernel's
  ephemeral range, so a port the kernel has just handed out as free (to SIPp, baresip, a server's
  SIP port) can never be one that a test engine binds for RTP meanwhile.
- PostgreSQL database names: `worker_name(prefix)`.
What is shared is made once per run by whichever worker needs it first, under `run_lock`, in the
run's directory (`run_dir`, created by the controller): one PostgreSQL cluster and its seeded
template (tests/pg.py). The controller removes them when the run ends (tests/conftest.py).
"""

from __future__ import annotations

import fcntl
import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_RUN_DIR_KEY = "hotline_run_dir"


def worker_index() -> int:
    return int(WORKER[2:]) if WORKER[2:].isdigit() else 0


def worker_count() -> int:
    return max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


def worker_name(prefix: str) -> str:
    """A name (database, directory) that no other worker of this run uses: prefix + worker id."""
    return f"{prefix}_{WORKER}"


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_LOW = 10000
_HIGH = max(_LOW + 4000, _ephemeral_low())


class _Slice:
    """This worker's RTP ports, handed out in blocks round-robin from a random start (another test
    run on the same box may own the same slice: the engine skips ports in use, starting elsewhere
    just makes that rarer)."""

    def __init__(self) -> None:
        width = (_HIGH - _LOW) // worker_count()
        self.low = _LOW + worker_index() * width
        self.width = width
        self.offset = random.Random().randrange(0, max(1, width))

    def take(self, size: int) -> int:
        if size >= self.width:  # more ports than the slice: overlap the next one (engines skip busy ports)
            return self.low
        base = self.low + self.offset % (self.width - size)
        self.offset += size + 2
        return base - base % 2


_slice: _Slice | None = None


def rtp_block(size: int = 1000) -> int:
    """The first port of `size` RTP ports for one engine: inside this worker's slice, below the
    ephemeral range."""
    global _slice
    if _slice is None:
        _slice = _Slice()
    return _slice.take(size)


def run_dir(config: pytest.Config) -> Path:
    """The directory this run's processes share (the controller's, passed to the workers)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return Path(workerinput[_RUN_DIR_KEY])
    path: Path = config.stash[RUN_DIR]
    return path


RUN_DIR = pytest.StashKey[Path]()


def pass_run_dir(config: pytest.Config, workerinput: dict[str, object]) -> None:
    workerinput[_RUN_DIR_KEY] = str(config.stash[RUN_DIR])


@contextmanager
def run_lock(config: pytest.Config, name: str) -> Iterator[Path]:
    """Hold the run-wide lock `name` (one process at a time); yields the run's directory."""
    root = run_dir(config)
    with (root / f"{name}.lock").open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield root
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
