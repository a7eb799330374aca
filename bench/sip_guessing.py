"""SIP password guessing against the registrar: how many guesses get checked, with and without lockout.

Run: ``.venv/bin/python -m bench.sip_guessing [--guesses 2000]``

The engine runs in-process on its own loop thread (``tests.sip.harness.EngineThread``). An attacker
on 127.0.0.41 sends ``--guesses`` REGISTERs for extension 1001, each answering a fresh challenge with
a wrong password (2 round trips per guess, as a real guessing tool must now that nonces are single
use); meanwhile the real phone on 127.0.0.42 registers with the right password. The reference run in
the same invocation has the failure limits off (``auth_max_failures=0``: every guess is checked, as
before the fix); the second has the shipped defaults. Printed as a table.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import time
from pathlib import Path

from tests.sip.harness import PASSWORDS, EngineThread
from tests.sip_raw import register


def attack(guesses: int, **limits: float) -> dict[str, float]:
    et = EngineThread(Path(tempfile.mkdtemp()), 46000, **limits)
    et.start()
    try:
        with (
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s,
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as desk,
        ):
            s.bind(("127.0.0.41", 0))
            s.settimeout(5)
            desk.bind(("127.0.0.42", 0))
            desk.settimeout(5)
            statuses: dict[int, int] = {}
            start = time.perf_counter()
            for i in range(guesses):
                status = register(s, et.port, "1001", f"guess-{i:06d}")
                statuses[status] = statuses.get(status, 0) + 1
            seconds = time.perf_counter() - start
            t0 = time.perf_counter()
            legit = register(desk, et.port, "1001", PASSWORDS["1001"])
            legit_ms = (time.perf_counter() - t0) * 1000
        alerts = sum(1 for e in list(et.events) if e.topic == "security.alert_raised")
    finally:
        et.stop()
    return {
        "checked": statuses.get(401, 0),
        "refused": statuses.get(403, 0),
        "seconds": seconds,
        "legit": legit,
        "legit_ms": legit_ms,
        "alerts": alerts,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--guesses", type=int, default=2000)
    args = ap.parse_args()
    runs = [
        ("reference: no failure limit", attack(args.guesses, auth_max_failures=0, auth_max_ip_failures=0)),
        ("shipped defaults (5 per address+extension)", attack(args.guesses)),
    ]
    head = ["run", "guesses", "passwords checked", "refused 403", "attack time", "guesses/s"]
    print("| " + " | ".join([*head, "real phone elsewhere", "alerts"]) + " |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in runs:
        rate = args.guesses / r["seconds"]
        print(
            f"| {name} | {args.guesses} | {r['checked']:.0f} | {r['refused']:.0f} | {r['seconds']:.1f} s "
            f"| {rate:.0f} | {r['legit']:.0f} in {r['legit_ms']:.1f} ms | {r['alerts']:.0f} |"
        )
    ref, new = runs[0][1], runs[1][1]
    print(f"\npasswords checked, after / reference: {new['checked'] / max(ref['checked'], 1):.4f}")


if __name__ == "__main__":
    main()
