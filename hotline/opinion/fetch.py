"""Polite HTTP fetching: robots.txt, a per-host pace, conditional GET, a size cap and a deadline.

`Fetcher.get(url, etag=, last_modified=)` never raises for the site's sake: it returns a `Fetched`
whose `outcome` is `ok`, `not_modified` (304: the validators we sent still hold), `blocked`
(robots.txt says no) or `failed` with a `reason` an operator can act on ("timeout", "too_large:
over 2 MB", "http 503", "connect: ..."). A body is read in chunks and abandoned once it passes
`max_bytes` or the whole request passes `deadline` seconds, so a 10 MB page or a server that
trickles bytes costs one source a few seconds, not the run.

robots.txt follows RFC 9309: a 4xx means no rules, a 5xx or unreachable robots.txt means "disallow
everything" for now; each origin's rules are kept for an hour. The pace is one request per host
every `min_interval` seconds, shared by the threads of a run (each caller reserves the next slot
under a lock, then sleeps outside it). Clock and sleep are injectable for tests.
"""

from __future__ import annotations

import ssl
import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

USER_AGENT = "hotline-opinion/1.0 (+public-opinion monitoring of a public-service hotline)"
ROBOTS_TTL = 3600.0


@dataclass(frozen=True)
class Fetched:
    url: str
    outcome: str  # ok | not_modified | blocked | failed
    status: int = 0
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    reason: str | None = None


@dataclass
class _Robots:
    parser: urllib.robotparser.RobotFileParser | None  # None: disallow everything
    until: float


@dataclass
class Fetcher:
    min_interval: float = 2.0
    max_bytes: int = 2_000_000
    deadline: float = 20.0
    timeout: float = 10.0
    user_agent: str = USER_AGENT
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    transport: httpx.BaseTransport | None = None
    _next_slot: dict[str, float] = field(default_factory=dict)
    _robots: dict[str, _Robots] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Building a TLS context reads the CA bundle (~0.2 s): once per fetcher, not per client.
    _tls: ssl.SSLContext = field(default_factory=ssl.create_default_context)

    def client(self) -> httpx.Client:
        return httpx.Client(
            verify=self._tls,
            timeout=httpx.Timeout(self.timeout),
            headers={"User-Agent": self.user_agent},
            follow_redirects=True,
            max_redirects=5,
            transport=self.transport,
        )

    def wait_turn(self, host: str) -> None:
        with self._lock:
            now = self.clock()
            slot = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = slot + self.min_interval
        if slot > now:
            self.sleep(slot - now)

    def allowed(self, client: httpx.Client, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            cached = self._robots.get(origin)
        if cached is None or cached.until < self.clock():
            cached = _Robots(self._load_robots(client, origin), self.clock() + ROBOTS_TTL)
            with self._lock:
                self._robots[origin] = cached
        return cached.parser is not None and cached.parser.can_fetch(self.user_agent, url)

    def _load_robots(self, client: httpx.Client, origin: str) -> urllib.robotparser.RobotFileParser | None:
        parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        self.wait_turn(urlsplit(origin).netloc)
        got = self._read(client, origin + "/robots.txt", {}, 500_000)
        if got.outcome == "ok":
            parser.parse(got.body.decode("utf-8", "replace").splitlines())
        elif 400 <= got.status < 500:
            parser.parse([])  # no robots.txt: everything allowed
        else:
            return None
        return parser

    def get(
        self,
        client: httpx.Client,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        robots: bool = True,
    ) -> Fetched:
        """`robots=False` for a platform's API called with our own key (`connectors.py`): robots.txt
        governs crawling pages, an API its terms of use; the pace, cap and deadline still hold."""
        if not url.startswith(("http://", "https://")):
            return Fetched(url, "failed", reason="not an http(s) URL")
        if robots and not self.allowed(client, url):
            return Fetched(url, "blocked", reason="robots.txt disallows (or is unreachable)")
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self.wait_turn(urlsplit(url).netloc)
        return self._read(client, url, headers, self.max_bytes)

    def _read(self, client: httpx.Client, url: str, headers: dict[str, str], cap: int) -> Fetched:
        started = self.clock()
        try:
            with client.stream("GET", url, headers=headers) as resp:
                if resp.status_code == 304:
                    return Fetched(url, "not_modified", 304)
                declared = resp.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    return Fetched(url, "failed", resp.status_code, reason=f"too_large: over {cap} bytes")
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > cap:
                        return Fetched(url, "failed", resp.status_code, reason=f"too_large: over {cap} bytes")
                    if self.clock() - started > self.deadline:
                        return Fetched(url, "failed", resp.status_code, reason="timeout: body too slow")
                    chunks.append(chunk)
                if resp.status_code != 200:  # the body kept: an API says there why it refused
                    reason = f"http {resp.status_code}"
                    return Fetched(url, "failed", resp.status_code, b"".join(chunks), reason=reason)
                return Fetched(
                    url,
                    "ok",
                    200,
                    b"".join(chunks),
                    resp.headers.get("content-type"),
                    resp.headers.get("etag"),
                    resp.headers.get("last-modified"),
                )
        except httpx.TimeoutException:
            return Fetched(url, "failed", reason="timeout")
        except httpx.TooManyRedirects:
            return Fetched(url, "failed", reason="too many redirects")
        except httpx.HTTPError as exc:
            return Fetched(url, "failed", reason=f"connect: {type(exc).__name__}")
