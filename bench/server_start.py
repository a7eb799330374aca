"""CPU a `hotline serve` process spends until /healthz answers, with and without cached bytecode.

Run: ``.venv/bin/python -m bench.server_start [--rounds 3]``

Tests start dozens of real servers (crash, commit order, e2e, make run), so start-up CPU is test
wall time on a loaded box. Two ways, alternated in the same invocation (the box is noisy):
- from source: an empty ``PYTHONPYCACHEPREFIX`` and ``PYTHONDONTWRITEBYTECODE`` (every module is
  compiled again, as a shell with that variable set did before the Makefile unexported it);
- cached: the bytecode uv (``--compile-bytecode``) and Python wrote.
The server runs on a fresh migrated SQLite database with SIP, jobs and the mailbox off (as
tests/server.py starts it); CPU is user+system of the process from /proc when /healthz first answers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from hotline.store.migrate import upgrade
from tests.pg import free_port


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_once(url: str, data: Path, env_extra: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) from exec to the first 200 on /healthz."""
    port = free_port()
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_DATA_DIR": str(data),
        "HOTLINE_HTTP_PORT": str(port),
        "HOTLINE_SIP__ENABLED": "false",
        "HOTLINE_LOG_JSON": "false",
        "HOTLINE_JOBS_ENABLED": "false",
        "HOTLINE_MAILBOX_ENABLED": "false",
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(env_extra)
    began = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = began + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - began, _cpu_seconds(proc.pid)
            except httpx.HTTPError:
                time.sleep(0.05)
        raise SystemExit("the server did not answer /healthz in 300 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        url = f"sqlite:///{data}/bench.db"
        upgrade(url)
        ways = {
            "from source": lambda: {
                "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(dir=tmp),
            },
            "cached": lambda: {},
        }
        start_once(url, data, {})  # writes our own modules' bytecode once
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
        for round_no in range(args.rounds):
            for name, env in ways.items():
                wall, cpu = start_once(url, data, env())
                results[name].append((wall, cpu))
                print(f"round {round_no + 1}: {name:12} wall {wall:5.1f} s  cpu {cpu:5.2f} s", flush=True)
    print("\n| start | CPU s (median) | wall s (median) | CPU vs from source |")
    print("|---|---|---|---|")
    base = statistics.median(c for _, c in results["from source"])
    for name, runs in results.items():
        cpu = statistics.median(c for _, c in runs)
        wall = statistics.median(w for w, _ in runs)
        print(f"| {name} | {cpu:.2f} | {wall:.1f} | {cpu / base:.2f} |")


if __name__ == "__main__":
    main()
