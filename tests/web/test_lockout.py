"""Login lockout per (account, address) pair with a growing delay; failed logins audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hotline.errors import TooManyRequests
from hotline.web.lockout import LoginLockout

WRONG = {"username": "admin", "password": "wrong-pass"}
RIGHT = {"username": "admin", "password": "password-admin"}


def _from(app: FastAPI, ip: str) -> TestClient:
    return TestClient(app, base_url="https://testserver", client=(ip, 40000))


def test_attacker_cannot_lock_out_admin_elsewhere(app: FastAPI) -> None:
    with _from(app, "198.51.100.66") as attacker, _from(app, "10.1.2.3") as office:
        for _ in range(5):
            assert attacker.post("/api/auth/login", json=WRONG).status_code == 401
        assert attacker.post("/api/auth/login", json=RIGHT).status_code == 429
        # The real admin, from the office, is not locked out by the attacker's failures.
        assert office.post("/api/auth/login", json=RIGHT).status_code == 200
        # Nor are other users at the attacker's address (e.g. a shared office NAT).
        other = {"username": "agent", "password": "password-agent"}
        assert attacker.post("/api/auth/login", json=other).status_code == 200


def test_failed_logins_are_audited_with_address_not_password(
    app: FastAPI, auth: Callable[[str], dict[str, str]]
) -> None:
    with _from(app, "198.51.100.66") as attacker:
        attacker.post("/api/auth/login", json={"username": "ghost", "password": "guess-one-1"})
        attacker.post("/api/auth/login", json={"username": "agent", "password": "guess-two-2"})
        rows = attacker.get("/api/audit?action=login_failed", headers=auth("admin")).json()["items"]
    assert {r["actor"] for r in rows} == {"ghost", "agent"}
    assert {r["ip"] for r in rows} == {"198.51.100.66"}
    assert "guess" not in str(rows)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _retry_after(lockout: LoginLockout) -> int:
    with pytest.raises(TooManyRequests) as info:
        lockout.check("admin", "1.2.3.4")
    retry: int = info.value.extra["retry_after"]
    return retry


def test_delay_doubles_with_each_failure_and_success_clears() -> None:
    clock = Clock()
    lockout = LoginLockout(
        max_failures=3, window_seconds=300, lock_seconds=30, max_lock_seconds=100, clock=clock
    )
    for _ in range(3):
        lockout.check("admin", "1.2.3.4")
        lockout.fail("admin", "1.2.3.4")
    delays = [_retry_after(lockout)]
    for _ in range(3):
        clock.now += delays[-1]  # wait out the lock, then fail again
        lockout.check("admin", "1.2.3.4")
        lockout.fail("admin", "1.2.3.4")
        delays.append(_retry_after(lockout))
    assert delays == [30, 60, 100, 100]  # doubling, capped
    lockout.check("ADMIN", "5.6.7.8")  # another address is not affected
    clock.now += 100
    lockout.succeed("admin", "1.2.3.4")
    lockout.fail("admin", "1.2.3.4")
    lockout.check("admin", "1.2.3.4")  # counting starts over after a success


def test_one_address_guessing_many_accounts_is_capped() -> None:
    clock = Clock()
    lockout = LoginLockout(max_failures=5, ip_max_failures=10, clock=clock)
    for i in range(10):
        lockout.fail(f"user{i}", "1.2.3.4")
    with pytest.raises(TooManyRequests):
        lockout.check("someone-else", "1.2.3.4")
    lockout.check("someone-else", "5.6.7.8")
    clock.now += 301
    lockout.check("someone-else", "1.2.3.4")
