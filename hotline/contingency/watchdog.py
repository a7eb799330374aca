"""The engine watchdog (话务引擎故障, `engine_down`): run outside the engine's process - `hotline
watchdog` on the standby node or the database host, kept running by systemd - it notices that the
telephony engine is gone and tells the people on duty, which a dead engine cannot do itself.

Two signs, each used when available: the leader lease (`ha_leases`, nodes with
`HOTLINE_HA__LEASE`) expired past a grace with no node leading, or taken over by another node (the
old leader stopped or died: its calls in progress were cut); and the engine's SIP port not
answering OPTIONS for `misses` checks in a row. Each is an `engine_down` alert of `alerts.py` (one
open per key, audited), sent by the watchdog at once through the same SMS / mail / WeChat channels
(the engine's own delivery job may be what died) and escalated to the duty leader when nobody
acknowledges it in time, as any alert; it is resolved, with a recovery notice, when a node leads again or the
engine answers. A takeover is told once, already resolved: the new leader is running.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hotline.channels.settings import ChannelSettings
from hotline.contingency import alerts
from hotline.contingency.alert_settings import AlertSettings
from hotline.ha.lease import ACD, current
from hotline.store.base import utcnow
from hotline.store.db import Database

KIND = "engine_down"
PREFIX = "engine:"  # every key the watchdog raises starts so (its sends only)
LEASE, SIP = "engine:lease", "engine:sip"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def options_answered(target: tuple[str, int], timeout: float = 1.0) -> bool:
    """Does anything answer a SIP OPTIONS on `target` over UDP (any status: the engine is there)?"""
    host, port = target
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host if host.startswith("127.") else "0.0.0.0", 0))
        sock.settimeout(timeout)
        here = sock.getsockname()
        msg = (
            f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {here[0]}:{here[1]};branch=z9hG4bK{os.urandom(5).hex()};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:watchdog@{here[0]}>;tag={os.urandom(3).hex()}\r\n"
            f"To: <sip:{host}:{port}>\r\n"
            f"Call-ID: {os.urandom(6).hex()}\r\n"
            "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        )
        try:
            sock.sendto(msg.encode(), target)
            data, _ = sock.recvfrom(65535)
        except OSError:  # no answer in time, or refused (ICMP port unreachable)
            return False
    return data.startswith(b"SIP/2.0 ")


@dataclass
class Watchdog:
    """One watcher's memory between checks (the lease epoch it saw last, SIP probes missed)."""

    db: Database
    sip: tuple[str, int] | None = None
    grace_seconds: float = 10.0
    misses: int = 3
    settings: AlertSettings = field(default_factory=AlertSettings)
    channels: ChannelSettings | None = None
    probe: Callable[[tuple[str, int]], bool] = options_answered
    epoch: int | None = None
    holder: str | None = None
    missed: int = 0

    def _lease(self, now: datetime) -> tuple[str | None, str | None]:
        """(fault text or None, the takeover to tell or None)."""
        lease = current(self.db, ACD)
        if lease is None:
            return None, None  # no lease in use: a single node, the SIP probe speaks for it
        takeover = None
        if self.epoch is not None and lease.epoch > self.epoch and lease.holder != self.holder:
            at = lease.acquired_at.astimezone(SHANGHAI)
            takeover = (
                f"话务引擎主节点切换：{self.holder} 已停止或失联，{lease.holder} 已于 {at:%H:%M:%S} 接管"
                f"（{self.holder} 上进行中的通话已中断）。"
            )
        self.epoch, self.holder = lease.epoch, lease.holder
        expired = now - lease.expires_at
        if expired > timedelta(seconds=self.grace_seconds):
            text = (
                f"话务引擎故障：主节点 {lease.holder} 已 {expired.total_seconds():.0f} 秒未续约，"
                "无节点接管，来电无人应答，请立即处理。"
            )
            return text, takeover
        return None, takeover

    def _sip(self) -> str | None:
        if self.sip is None:
            return None
        self.missed = 0 if self.probe(self.sip) else self.missed + 1
        if self.missed < self.misses:
            return None
        host, port = self.sip
        return (
            f"话务引擎故障：{host}:{port} 连续 {self.missed} 次未应答 SIP 探测，"
            "来电可能无法接通，请立即处理。"
        )

    def step(self, now: datetime | None = None) -> int:
        """One check: raise or resolve the faults, then send what is due of them; returns sends."""
        now = now or utcnow()
        lease_fault, takeover = self._lease(now)
        sip_fault = self._sip()
        with self.db.session() as s:
            for key, fault in ((LEASE, lease_fault), (SIP, sip_fault)):
                if fault is not None:
                    alerts.raise_alert(s, KIND, key, fault, now)
                else:
                    alerts.resolve(s, key, now)
            if takeover is not None:
                key = f"{PREFIX}takeover:{self.epoch}"
                if alerts.raise_alert(s, KIND, key, takeover, now) is not None:
                    alerts.resolve(s, key, now)
        return alerts.deliver(self.db, now, self.settings, self.channels, key_prefix=PREFIX)

    def run(self, every: float, rounds: int | None = None) -> None:
        """Check every `every` seconds (forever, or `rounds` times)."""
        done = 0
        while rounds is None or done < rounds:
            self.step()
            done += 1
            if rounds is None or done < rounds:
                time.sleep(every)
